"""OASIS's CAP 1.2 schema, when provided: a stricter second check after georisk's own.

georisk reads CAP without it (`capcheck` holds the standard's rules); the schema adds the
XML Schema fine print those rules leave out (an ``anyURI``'s form, say). It is OASIS's
file, not ours, so it is never copied into the repository: it is read from
``GEORISK_CAP_XSD``, or from ``CAP-v1.2.xsd`` in the data folder (``GEORISK_DATA_DIR``,
directly or under ``feeds/cap/``). A ``GEORISK_CAP_XSD`` that names no file is an error,
not a reason to read less carefully than the operator asked for.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from xml.etree.ElementTree import Element

from georisk import settings
from georisk.errors import FieldError, GeoriskError
from georisk.feeds.capcheck import CAP_12, MAX_REPORTED

CAP_NS = CAP_12
XSD_NAME = "CAP-v1.2.xsd"


def schema_path() -> Path | None:
    """The CAP 1.2 XSD to validate with; None when none is provided."""
    explicit = os.environ.get("GEORISK_CAP_XSD")
    if explicit:
        path = Path(explicit)
        if not path.is_file():
            raise GeoriskError(f"GEORISK_CAP_XSD={explicit} is not a file")
        return path
    folder = settings.data_dir()
    if folder is not None:
        for candidate in (folder / XSD_NAME, folder / "feeds" / "cap" / XSD_NAME):
            if candidate.is_file():
                return candidate
    return None


@functools.cache
def _schema(path: str):  # type: ignore[no-untyped-def]
    import xmlschema

    return xmlschema.XMLSchema(path)


def violations(root: Element | str | bytes) -> list[FieldError]:
    """Each way a CAP 1.2 ``root`` breaks OASIS's schema, as (element path, reason); empty
    when it is valid or no schema is provided.

    ``root`` is an already (safely) parsed element, or the text of a document, which is
    then parsed by xmlschema with its own defences (no external entities, no DTD).
    """
    path = schema_path()
    if path is None:
        return []
    if isinstance(root, bytes):
        root = root.decode("utf-8")
    errors = []
    for error in _schema(str(path)).iter_errors(root):
        where = _local(error.path or "/alert")
        reason = (error.reason or str(error.message)).strip().replace("\n", " ")
        errors.append(FieldError(where, reason))
        if len(errors) >= MAX_REPORTED:
            errors.append(FieldError("alert", "more schema violations not listed"))
            break
    return errors


def _local(path: str) -> str:
    """``/{urn:...}alert/{urn:...}info[1]`` reads as ``/alert/info[1]``."""
    return path.replace("{" + CAP_NS + "}", "")

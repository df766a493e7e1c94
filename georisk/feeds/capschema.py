"""The official OASIS CAP 1.2 schema: where it is, and its verdict on an alert.

The schema is OASIS's file, not ours, so it is never copied into the repository: it is
read from ``GEORISK_CAP_XSD``, or from ``CAP-v1.2.xsd`` in the data folder
(``GEORISK_DATA_DIR``, directly or under ``feeds/cap/``). Without it CAP is refused
rather than read unchecked: an alert that only looks valid is worse than none.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path
from xml.etree.ElementTree import Element

import xmlschema

from georisk import settings
from georisk.errors import FieldError, GeoriskError

CAP_NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD_NAME = "CAP-v1.2.xsd"
MAX_REPORTED = 20  # a badly broken alert has hundreds of errors; the first ones explain it


def schema_path() -> Path:
    """The CAP 1.2 XSD to validate with, or a GeoriskError saying how to provide it."""
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
    raise GeoriskError(
        f"the CAP 1.2 schema is needed to read or check CAP: set GEORISK_CAP_XSD to "
        f"OASIS's {XSD_NAME}, or put it in GEORISK_DATA_DIR"
    )


@functools.cache
def _schema(path: str) -> xmlschema.XMLSchema:
    return xmlschema.XMLSchema(path)


def schema() -> xmlschema.XMLSchema:
    return _schema(str(schema_path()))


def violations(root: Element | str | bytes) -> list[FieldError]:
    """Each way ``root`` breaks the schema, as (element path, reason); empty when valid.

    ``root`` is an already (safely) parsed element, or the text of a document, which is
    then parsed by xmlschema with its own defences (no external entities, no DTD).
    """
    if isinstance(root, bytes):
        root = root.decode("utf-8")
    errors = []
    for error in schema().iter_errors(root):
        path = _local(error.path or "/alert")
        reason = (error.reason or str(error.message)).strip().replace("\n", " ")
        errors.append(FieldError(path, reason))
        if len(errors) >= MAX_REPORTED:
            errors.append(FieldError("alert", "more schema violations not listed"))
            break
    return errors


def _local(path: str) -> str:
    """``/{urn:...}alert/{urn:...}info[1]`` reads as ``/alert/info[1]``."""
    return path.replace("{" + CAP_NS + "}", "")

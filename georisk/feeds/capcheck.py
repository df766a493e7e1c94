"""CAP's structure, checked by georisk itself from the standard: nothing to install.

OASIS CAP 1.2 fixes, for every element of an alert, its place in its parent's sequence,
how often it occurs, and what its text may be: free text, a time with an offset, one of
a list of values, a number. Those rules are written down here as a table (`ALERT`), so a
fresh install reads CAP without OASIS's schema file; the schema, when one is provided,
adds the remaining fine print (`capschema`). Every violation names the element's path
and the reason (``/alert/info/severity: 'Huge' is not one of Extreme, ...``), and the
conditions the standard states in words are checked too: ``restriction`` with scope
Restricted, ``addresses`` with scope Private, ``ceiling`` only with ``altitude``, and no
spaces, commas, ``<`` or ``&`` in ``identifier`` and ``sender``.

CAP 1.1 has the same elements in the same order. Where 1.2 changed a rule, the table
holds both (`_BY_VERSION`): 1.2 added the response types Avoid and AllClear, made a
resource's ``mimeType`` required, made ``altitude`` and ``ceiling`` decimal numbers and
restricted times to ``YYYY-MM-DDThh:mm:ss`` with a numeric offset (1.1 takes any XML
Schema dateTime). A 1.1 alert that passes its own rules reads exactly like a 1.2 one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from georisk.errors import FieldError, ValidationError

CAP_12 = "urn:oasis:names:tc:emergency:cap:1.2"
CAP_11 = "urn:oasis:names:tc:emergency:cap:1.1"
VERSIONS = {CAP_12: "1.2", CAP_11: "1.1"}
XMLDSIG = "http://www.w3.org/2000/09/xmldsig#"  # an alert may end with its signature
MAX_REPORTED = 20  # a badly broken alert has hundreds of errors; the first ones explain it

Check = Callable[[str, str], str | None]  # (text, version) -> reason, or None when good


@dataclass(frozen=True)
class Slot:
    """One element of a sequence: how often it may occur and what it may hold."""

    name: str
    least: int = 1
    most: int | None = 1  # None: any number
    text: Check | None = None  # a simple element's rule for its text
    children: tuple[Slot, ...] = ()  # a complex element's own sequence


def _free(text: str, version: str) -> str | None:
    return None


def one_of(*values: str, added_in_12: tuple[str, ...] = ()) -> Check:
    """An enumeration; ``added_in_12`` are values CAP 1.1 does not have."""

    def check(text: str, version: str) -> str | None:
        allowed = values + (added_in_12 if version == "1.2" else ())
        if text in allowed:
            return None
        return f"{text!r} is not one of {', '.join(allowed)}"

    return check


_CAP12_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}[-+]\d{2}:\d{2}$")


def _time(text: str, version: str) -> str | None:
    from georisk.feeds.base import instant

    try:
        instant(text, "")
    except ValidationError as exc:
        return exc.errors[0].reason
    if version == "1.2" and not _CAP12_TIME.match(text):
        return (f"{text!r} is not CAP 1.2's form YYYY-MM-DDThh:mm:ss+hh:mm (seconds, a "
                "numeric offset, no 'Z', no fractions)")
    return None


def _plain_id(text: str, version: str) -> str | None:
    if not text:
        return "empty"
    bad = sorted({c for c in text if c.isspace() or c in ",<&"})
    if bad:
        return (f"{text!r} contains {' '.join(repr(c) for c in bad)}: CAP forbids spaces, "
                "commas, < and & here")
    return None


_LANGUAGE = re.compile(r"^[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*$")


def _language(text: str, version: str) -> str | None:
    return None if _LANGUAGE.match(text) else f"{text!r} is not a language code such as sv-SE"


def _integer(text: str, version: str) -> str | None:
    return None if re.fullmatch(r"[-+]?\d+", text) else f"{text!r} is not a whole number"


def _decimal(text: str, version: str) -> str | None:
    if version == "1.1" or re.fullmatch(r"[-+]?(\d+(\.\d*)?|\.\d+)", text):
        return None
    return f"{text!r} is not a decimal number"


def _pair(name: str, least: int = 0) -> Slot:
    """eventCode, parameter, geocode: a valueName and a value."""
    return Slot(name, least, None, children=(Slot("valueName", text=_free),
                                             Slot("value", text=_free)))


_INFO = (
    Slot("language", 0, text=_language),
    Slot("category", 1, None, one_of("Geo", "Met", "Safety", "Security", "Rescue", "Fire",
                                     "Health", "Env", "Transport", "Infra", "CBRNE", "Other")),
    Slot("event", text=_free),
    Slot("responseType", 0, None, one_of("Shelter", "Evacuate", "Prepare", "Execute", "Monitor",
                                         "Assess", "None", added_in_12=("Avoid", "AllClear"))),
    Slot("urgency", text=one_of("Immediate", "Expected", "Future", "Past", "Unknown")),
    Slot("severity", text=one_of("Extreme", "Severe", "Moderate", "Minor", "Unknown")),
    Slot("certainty", text=one_of("Observed", "Likely", "Possible", "Unlikely", "Unknown")),
    Slot("audience", 0, text=_free),
    _pair("eventCode"),
    Slot("effective", 0, text=_time),
    Slot("onset", 0, text=_time),
    Slot("expires", 0, text=_time),
    Slot("senderName", 0, text=_free),
    Slot("headline", 0, text=_free),
    Slot("description", 0, text=_free),
    Slot("instruction", 0, text=_free),
    Slot("web", 0, text=_free),
    Slot("contact", 0, text=_free),
    _pair("parameter"),
    Slot("resource", 0, None, children=(
        Slot("resourceDesc", text=_free),
        Slot("mimeType", text=_free),  # optional in 1.1: see `_BY_VERSION`
        Slot("size", 0, text=_integer),
        Slot("uri", 0, text=_free),
        Slot("derefUri", 0, text=_free),
        Slot("digest", 0, text=_free),
    )),
    Slot("area", 0, None, children=(
        Slot("areaDesc", text=_free),
        Slot("polygon", 0, None, _free),  # their geometry: `georisk.feeds.cap`
        Slot("circle", 0, None, _free),
        _pair("geocode"),
        Slot("altitude", 0, text=_decimal),
        Slot("ceiling", 0, text=_decimal),
    )),
)

ALERT = Slot("alert", children=(
    Slot("identifier", text=_plain_id),
    Slot("sender", text=_plain_id),
    Slot("sent", text=_time),
    Slot("status", text=one_of("Actual", "Exercise", "System", "Test", "Draft")),
    Slot("msgType", text=one_of("Alert", "Update", "Cancel", "Ack", "Error")),
    Slot("source", 0, text=_free),
    Slot("scope", text=one_of("Public", "Restricted", "Private")),
    Slot("restriction", 0, text=_free),
    Slot("addresses", 0, text=_free),
    Slot("code", 0, None, _free),
    Slot("note", 0, text=_free),
    Slot("references", 0, text=_free),  # its triples: `georisk.feeds.cap`
    Slot("incidents", 0, text=_free),
    Slot("info", 0, None, children=_INFO),
))

#: Where CAP 1.1's rule is not 1.2's, by the element's path without indexes.
_BY_VERSION: dict[str, dict[str, int]] = {"1.1": {"/alert/info/resource/mimeType": 0}}


def version(root: Element) -> str | None:
    """The CAP version ("1.2", "1.1") of an ``<alert>`` in a CAP namespace, else None."""
    namespace, local = split(root.tag)
    return VERSIONS.get(namespace) if local == "alert" else None


def split(tag: str) -> tuple[str, str]:
    """(namespace, local name) of an ElementTree tag."""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def violations(root: Element) -> list[FieldError]:
    """Each way a CAP 1.2 or 1.1 ``<alert>`` breaks the standard; empty when it keeps it."""
    found = version(root)
    if found is None:
        raise ValueError("not a CAP 1.1 or 1.2 alert")
    errors: list[FieldError] = []
    _element(root, ALERT, "/alert", split(root.tag)[0], found, errors)
    errors += _conditions(root, split(root.tag)[0])
    if len(errors) > MAX_REPORTED:
        errors = [*errors[:MAX_REPORTED], FieldError("alert", "more violations not listed")]
    return errors


def _element(node: Element, slot: Slot, path: str, ns: str, version: str,
             errors: list[FieldError]) -> None:
    if slot.children:
        if (node.text or "").strip() or any((child.tail or "").strip() for child in node):
            errors.append(FieldError(path, "holds text beside its elements"))
        _sequence(node, slot.children, path, ns, version, errors)
        return
    if len(node):
        errors.append(FieldError(path, f"holds the element <{split(node[0].tag)[1]}>; "
                                       "it takes text only"))
        return
    reason = slot.text(_text(node), version) if slot.text is not None else None
    if reason:
        errors.append(FieldError(path, reason))


def _sequence(node: Element, slots: tuple[Slot, ...], path: str, ns: str, version: str,
              errors: list[FieldError]) -> None:
    index = {slot.name: i for i, slot in enumerate(slots)}
    totals: dict[str, int] = {}
    for child in node:
        totals[child.tag] = totals.get(child.tag, 0) + 1
    counts = [0] * len(slots)
    seen: dict[str, int] = {}
    at = 0
    signature = False
    for child in node:
        namespace, local = split(child.tag)
        seen[child.tag] = seen.get(child.tag, 0) + 1
        where = f"{path}/{local}" + (f"[{seen[child.tag]}]" if totals[child.tag] > 1 else "")
        if namespace == XMLDSIG and path == "/alert":
            signature = True
            continue
        i = index.get(local) if namespace == ns else None
        if i is None:
            what = f"<{local}>" + (f" in namespace {namespace!r}" if namespace != ns else "")
            errors.append(FieldError(where, f"unexpected element {what}"))
            continue
        if i < at or signature:
            after = "the signature" if signature else f"<{slots[at].name}>"
            errors.append(FieldError(where, f"out of order: CAP puts it before {after}"))
        at = max(at, i)
        counts[i] += 1
        _element(child, slots[i], where, ns, version, errors)
    for slot, count in zip(slots, counts, strict=True):
        least = _BY_VERSION.get(version, {}).get(f"{_plain(path)}/{slot.name}", slot.least)
        if count < least:
            errors.append(FieldError(f"{path}/{slot.name}", "missing"))
        elif slot.most is not None and count > slot.most:
            errors.append(FieldError(f"{path}/{slot.name}",
                                     f"occurs {count} times; at most {slot.most}"))


def _conditions(root: Element, ns: str) -> list[FieldError]:
    """The rules the standard states in words rather than in its schema."""
    n = "{" + ns + "}"
    errors = []
    scope = _text(root.find(n + "scope"))
    for needed, when in (("restriction", "Restricted"), ("addresses", "Private")):
        if scope == when and not _text(root.find(n + needed)):
            errors.append(FieldError(f"/alert/{needed}", f"missing: required when scope is {when}"))
    infos = root.findall(n + "info")
    for i, info in enumerate(infos, 1):
        areas = info.findall(n + "area")
        for a, area in enumerate(areas, 1):
            if area.find(n + "ceiling") is not None and area.find(n + "altitude") is None:
                where = f"/alert/{_nth('info', i, infos)}/{_nth('area', a, areas)}/ceiling"
                errors.append(FieldError(where, "needs altitude: a ceiling alone is no range"))
    return errors


def _nth(name: str, number: int, siblings: list[Element]) -> str:
    """A path step as the sequence check writes it: indexed only among several."""
    return f"{name}[{number}]" if len(siblings) > 1 else name


def _text(node: Element | None) -> str:
    return "" if node is None or node.text is None else node.text.strip()


def _plain(path: str) -> str:
    return re.sub(r"\[\d+\]", "", path)

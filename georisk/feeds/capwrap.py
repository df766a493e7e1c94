"""CAP as it travels: one alert, alerts in an EDXL-DE envelope, or a feed of alerts.

A CAP payload is one of

* an ``<alert>`` (CAP 1.2 or 1.1) on its own;
* an EDXL-DE 1.0 ``<EDXLDistribution>`` whose ``contentObject``s carry alerts in
  ``xmlContent/embeddedXMLContent`` (how alerts move between agencies' systems);
* an Atom ``<feed>`` or an RSS ``<rss>`` whose entries (items) hold an alert or link to
  one (MeteoAlarm and many national warning services publish so).

`unwrap` lists what a payload holds as `Found` pieces, each with a label that names it in
every report ("entry 3 (id urn:...)"): an alert, a link to follow, or why the piece holds
neither. It reads nothing from anywhere; following links is `georisk.feeds.links`.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from georisk.errors import FieldError, ValidationError
from georisk.feeds.capcheck import CAP_11, CAP_12, split

EDXL_DE = "urn:oasis:names:tc:emergency:EDXL:DE:1.0"
ATOM = "http://www.w3.org/2005/Atom"
#: An envelope without these says nothing about where its content comes from or is for.
EDXL_REQUIRED = ("distributionID", "senderID", "dateTimeSent", "distributionStatus",
                 "distributionType", "combinedConfidentiality")
_CAP_NAMESPACES = (CAP_12, CAP_11)
_CAP_TYPES = ("application/cap+xml", "application/common-alerting-protocol+xml")


@dataclass(frozen=True)
class Found:
    """One piece of a payload: an alert, or a link to one, or why it holds neither."""

    label: str
    alert: Element | None = None
    href: str | None = None
    skipped: str | None = None  # readable, but not an alert for us: ignored with this reason
    missing: str | None = None  # should hold an alert and does not: rejected with this reason


def kind(root: Element) -> str:
    """What a payload is: "alert", "edxl", "atom" or "rss"; a ValidationError otherwise."""
    namespace, local = split(root.tag)
    if local == "alert" and namespace in _CAP_NAMESPACES:
        return "alert"
    if local == "EDXLDistribution" and namespace == EDXL_DE:
        return "edxl"
    if local == "feed" and namespace == ATOM:
        return "atom"
    if local == "rss" and not namespace:
        return "rss"
    got = f"<{local}> " + (f"in namespace {namespace!r}" if namespace else "without a namespace")
    raise ValidationError.one("payload", (
        f"expected a CAP alert (<alert> in namespace {CAP_12!r} or {CAP_11!r}), an EDXL-DE "
        f"1.0 <EDXLDistribution>, an Atom <feed> or an RSS <rss>; got {got}"
    ))


def unwrap(root: Element) -> list[Found]:
    """The pieces of a payload, in document order."""
    what = kind(root)
    if what == "alert":
        return [Found("alert", alert=root)]
    if what == "edxl":
        return _edxl(root)
    return _atom(root) if what == "atom" else _rss(root)


def _edxl(root: Element) -> list[Found]:
    n = "{" + EDXL_DE + "}"
    missing = [name for name in EDXL_REQUIRED if not _text(root.find(n + name))]
    if missing:
        raise ValidationError([FieldError(f"/EDXLDistribution/{name}", "missing")
                               for name in missing])
    found = []
    for c, content in enumerate(root.findall(n + "contentObject"), 1):
        label = f"contentObject {c}"
        embedded = [child for holder in content.iterfind(f"{n}xmlContent/{n}embeddedXMLContent")
                    for child in holder]
        if not embedded:
            found.append(Found(label, skipped="no embedded XML (nonXMLContent is not read)"))
        for e, element in enumerate(embedded, 1):
            where = label if len(embedded) == 1 else f"{label} element {e}"
            if _is_alert(element):
                found.append(Found(where, alert=element))
            else:
                found.append(Found(where, skipped=f"<{split(element.tag)[1]}> is not a CAP alert"))
    return found


def _atom(root: Element) -> list[Found]:
    n = "{" + ATOM + "}"
    found = []
    for index, entry in enumerate(root.findall(n + "entry"), 1):
        ident = _text(entry.find(n + "id")) or _text(entry.find(n + "title"))
        label = f"entry {index}" + (f" (id {ident})" if ident else "")
        links = [(link.get("href") or "", link.get("type") or "", link.get("rel") or "alternate")
                 for link in entry.findall(n + "link")]
        content = entry.find(n + "content")
        if content is not None and content.get("src"):
            links.insert(0, (content.get("src") or "", content.get("type") or "", "alternate"))
        found.append(_piece(label, entry, links))
    return found


def _rss(root: Element) -> list[Found]:
    found = []
    for index, item in enumerate(root.iterfind("channel/item"), 1):
        ident = _text(item.find("guid")) or _text(item.find("title"))
        label = f"item {index}" + (f" (guid {ident})" if ident else "")
        links = [(e.get("url") or "", e.get("type") or "", "enclosure")
                 for e in item.findall("enclosure")]
        if _text(item.find("link")):
            links.append((_text(item.find("link")), "", "alternate"))
        found.append(_piece(label, item, links))
    return found


def _piece(label: str, entry: Element, links: list[tuple[str, str, str]]) -> Found:
    """An entry's alert: embedded if it holds one, else the link most likely to be CAP."""
    embedded = [element for element in entry.iter() if _is_alert(element)]
    if len(embedded) > 1:
        return Found(label, missing=f"holds {len(embedded)} alerts; an entry is one alert")
    if embedded:
        return Found(label, alert=embedded[0])
    usable = [(href, type_, rel) for href, type_, rel in links
              if href and rel in ("alternate", "related", "enclosure")]
    usable.sort(key=lambda link: link[1] not in _CAP_TYPES)  # CAP's own type first
    if not usable:
        return Found(label, missing="holds no CAP alert and links to none")
    return Found(label, href=usable[0][0].strip())


def _is_alert(element: Element) -> bool:
    namespace, local = split(element.tag)
    return local == "alert" and namespace in _CAP_NAMESPACES


def _text(node: Element | None) -> str:
    return "" if node is None or node.text is None else node.text.strip()

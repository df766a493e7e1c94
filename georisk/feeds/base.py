"""The contract every feed adapter keeps: a payload in, feed items and rejections out.

An adapter only reads; it never touches the store. `georisk.feeds.importer` turns the
items into commands, so re-import, withdrawal and batching behave the same for every
source, and one source's quirks stay in its own module.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson
from shapely.geometry.base import BaseGeometry

from georisk.commands import Actor
from georisk.errors import FieldError, ValidationError
from georisk.model import Record

if TYPE_CHECKING:
    from georisk.feeds.snapshot import Snapshot

#: Larger payloads are refused before parsing: the real ones are a few hundred kB
#: (Polisen's 500 events are ~210 kB), and an unbounded read is an easy denial of service.
MAX_PAYLOAD_BYTES = 20 * 1024 * 1024

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")


@dataclass(frozen=True, slots=True)
class FeedItem:
    """One item of a source as a georisk record, with what is needed to trace it back.

    ``withdrawn`` marks an item the source deleted or cancelled: the importer closes or
    lifts the record it made earlier. ``raw`` is the item exactly as received (audit).
    ``extent`` is what the operating-area rule judges the item by when the record's
    geometry says less than the item covers (a CAP alert's areas, not their centre).
    """

    source: str
    source_id: str
    record: Record
    raw: bytes
    withdrawn: bool = False
    extent: BaseGeometry | None = None

    @property
    def kind(self) -> str:
        return self.record.kind

    @property
    def digest(self) -> str:
        return hashlib.sha256(self.raw).hexdigest()


@dataclass(frozen=True, slots=True)
class Rejected:
    """An item (or the whole payload) that could not be read, and why."""

    item: str  # "item 3 (id 546439)", or "payload"
    errors: tuple[FieldError, ...]

    def __str__(self) -> str:
        return f"{self.item}: " + "; ".join(str(error) for error in self.errors)


@dataclass
class Parsed:
    items: list[FeedItem] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # readable items that are not for us
    # set by sources whose payload is their whole current list and never says that an
    # item ended: the importer ends what the list no longer holds (`snapshot`)
    snapshot: Snapshot | None = None


class Adapter(Protocol):
    """A source: its name, the actor its changes are journalled as, and its parser."""

    name: str
    actor: Actor
    repeats: bool  # may one payload hold several items with one id (a track)?

    def parse(self, payload: bytes) -> Parsed: ...


def record_id(source: str, source_id: str) -> str:
    """The georisk id of a source's item: stable, so a re-import finds the same record."""
    candidate = f"{source}-{source_id}"
    if _SAFE_ID.match(candidate):
        return candidate
    return f"{source}-" + hashlib.sha256(source_id.encode()).hexdigest()[:32]


def read_payload(path: str | Path, limit: int = MAX_PAYLOAD_BYTES) -> bytes:
    """A file's bytes, refused before reading when it is over the size limit."""
    path = Path(path)
    size = path.stat().st_size
    if size > limit:
        raise ValidationError.one("payload", f"{size} bytes is over the limit of {limit}")
    return path.read_bytes()


def check_size(payload: bytes, limit: int = MAX_PAYLOAD_BYTES) -> None:
    if len(payload) > limit:
        raise ValidationError.one("payload", f"{len(payload)} bytes is over the limit of {limit}")


def json_payload(payload: bytes) -> Any:
    """A JSON source's payload, parsed; too big or not JSON is refused whole."""
    check_size(payload)
    try:
        return orjson.loads(payload)
    except orjson.JSONDecodeError as exc:
        raise ValidationError.one("payload", f"not JSON: {exc}") from None


def instant(text: object, field: str) -> datetime:
    """An ISO 8601 instant that carries its offset, as UTC; a FieldError naming ``field``."""
    from georisk.timeutil import parse_instant

    if not isinstance(text, str) or not text.strip():
        raise ValidationError.one(field, "missing time")
    try:
        return parse_instant(text.replace("Z", "+00:00") if text.endswith("Z") else text)
    except ValueError as exc:
        raise ValidationError.one(field, str(exc)) from None

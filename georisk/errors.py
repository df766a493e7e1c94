"""Errors that callers turn into user-facing answers (HTTP problem+json, CLI messages).

Each carries enough to name the field and the reason, so no layer has to guess. A field
error also says why in one stable word (`ErrorCode`): the reason is English for a
developer and may change its wording, the code does not, and a page turns it into the
reader's language from the text catalogue (``ui.err.<code>``) with the field's own label.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class GeoriskError(Exception):
    """Base of every error a user can cause; never a bug in georisk itself."""


class ErrorCode(StrEnum):
    """Why a value was refused. ``limit`` (on the error) is the bound a length, count or
    number broke, where there is one."""

    REQUIRED = "required"  # missing, empty, blank or null
    TOO_SHORT = "too_short"  # text shorter than ``limit`` characters
    TOO_LONG = "too_long"  # text longer than ``limit`` characters
    TOO_SMALL = "too_small"  # a number below ``limit``
    TOO_LARGE = "too_large"  # a number above ``limit``
    TOO_MANY = "too_many"  # more than ``limit`` items (vertices, reports)
    NOT_A_NUMBER = "not_a_number"
    NOT_TEXT = "not_text"
    NOT_ALLOWED = "not_allowed"  # not one of the values the field takes
    WRONG_TYPE = "wrong_type"  # an object, list or geometry of the wrong shape
    INVALID_TIME = "invalid_time"  # no time, or one without a timezone
    TIME_OUT_OF_RANGE = "time_out_of_range"  # outside the accepted range of times
    IN_FUTURE = "in_future"
    NOT_AFTER_START = "not_after_start"
    NOT_A_POSITION = "not_a_position"  # no longitude, latitude
    SWAPPED = "swapped"  # latitude, longitude given as longitude, latitude
    OUTSIDE_AREA = "outside_area"  # outside the accepted extent
    INVALID_GEOMETRY = "invalid_geometry"  # a line without two distinct points, say
    UNKNOWN_FIELD = "unknown_field"
    NUL_CHARACTER = "nul_character"
    NOTHING_TO_CHANGE = "nothing_to_change"
    INVALID = "invalid"  # any other reason: the reason text says which


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str
    code: ErrorCode = ErrorCode.INVALID
    limit: float | None = None

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class ValidationError(GeoriskError):
    """Input that breaks a rule; nothing was written."""

    def __init__(self, errors: list[FieldError] | FieldError):
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def one(
        cls, field: str, reason: str, code: ErrorCode = ErrorCode.INVALID,
        limit: float | None = None,
    ) -> ValidationError:
        return cls(FieldError(field, reason, code, limit))


class NotFound(GeoriskError):
    """The entity a command refers to does not exist."""


class Conflict(GeoriskError):
    """The command contradicts the current state (closing twice, duplicate id...)."""


class Forbidden(GeoriskError):
    """The access policy does not let this viewer do what it asked (export the picture
    at a past time without the right to read history)."""

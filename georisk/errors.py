"""Errors that callers turn into user-facing answers (HTTP problem+json, CLI messages).

Each carries enough to name the field and the reason, so no layer has to guess.
"""

from __future__ import annotations

from dataclasses import dataclass


class GeoriskError(Exception):
    """Base of every error a user can cause; never a bug in georisk itself."""


@dataclass(frozen=True)
class FieldError:
    field: str
    reason: str

    def __str__(self) -> str:
        return f"{self.field}: {self.reason}" if self.field else self.reason


class ValidationError(GeoriskError):
    """Input that breaks a rule; nothing was written."""

    def __init__(self, errors: list[FieldError] | FieldError):
        self.errors = [errors] if isinstance(errors, FieldError) else list(errors)
        super().__init__("; ".join(str(e) for e in self.errors))

    @classmethod
    def one(cls, field: str, reason: str) -> ValidationError:
        return cls(FieldError(field, reason))


class NotFound(GeoriskError):
    """The entity a command refers to does not exist."""


class Conflict(GeoriskError):
    """The command contradicts the current state (closing twice, duplicate id...)."""


class Forbidden(GeoriskError):
    """The access policy does not let this viewer do what it asked (export the picture
    at a past time without the right to read history)."""

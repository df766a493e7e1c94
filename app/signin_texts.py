"""Words of the sign-in page, Swedish first, English with ``?lang=en``.

Kept beside the page rather than in `layers.texts` (the maps' catalogue), because the
sign-in page is the service's, not a map's; the same (sv, en) shape keeps them alike.
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["sv", "en"]

_CATALOGUE: dict[str, tuple[str, str]] = {
    "title": ("Logga in – georisk", "Sign in – georisk"),
    "heading": ("Logga in", "Sign in"),
    "lead": ("Gemensam lägesbild för ledningscentralen.",
             "Shared picture of the joint control centre."),
    "name": ("Användarnamn", "User name"),
    "password": ("Lösenord", "Password"),
    "submit": ("Logga in", "Sign in"),
    "failed": ("Fel användarnamn eller lösenord.", "Wrong user name or password."),
    "locked": ("För många misslyckade försök. Försök igen om {seconds} sekunder.",
               "Too many failed attempts. Try again in {seconds} seconds."),
    "csrf": ("Formuläret har gått ut. Ladda om sidan och försök igen.",
             "The form has expired. Reload the page and try again."),
    "signed_out": ("Du är utloggad.", "You are signed out."),
    "other_lang": ("In English", "På svenska"),
    "classified": ("Innehåller sekretessbelagd information.",
                   "Contains classified information."),
}  # fmt: skip


def language(value: str | None) -> Lang:
    return "en" if value == "en" else "sv"


def text(key: str, lang: Lang = "sv", **values: object) -> str:
    sv, en = _CATALOGUE[key]
    return (en if lang == "en" else sv).format(**values)

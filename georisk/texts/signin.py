"""Words of the sign-in page (``app/templates/signin.html``)."""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "signin.title": ("Logga in – georisk", "Sign in – georisk"),
    "signin.heading": ("Logga in", "Sign in"),
    "signin.lead": (
        "Gemensam lägesbild för ledningscentralen.",
        "Shared picture of the joint control centre.",
    ),
    "signin.name": ("Användarnamn", "User name"),
    "signin.password": ("Lösenord", "Password"),
    "signin.submit": ("Logga in", "Sign in"),
    "signin.failed": ("Fel användarnamn eller lösenord.", "Wrong user name or password."),
    "signin.locked": (
        "För många misslyckade försök. Försök igen om {seconds} sekunder.",
        "Too many failed attempts. Try again in {seconds} seconds.",
    ),
    "signin.csrf": (
        "Formuläret har gått ut. Ladda om sidan och försök igen.",
        "The form has expired. Reload the page and try again.",
    ),
    "signin.signed_out": ("Du är utloggad.", "You are signed out."),
    "signin.other_lang": ("In English", "På svenska"),
    "signin.classified": (
        "Innehåller sekretessbelagd information.",
        "Contains classified information.",
    ),
}

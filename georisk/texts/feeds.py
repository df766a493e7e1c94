"""Words feeds write into records: why an imported event was closed by a rule.

They are written once, in the default language, into the record's description (the
close event carries them), so they read as a sentence an operator understands at a
glance and name the rule, not the code that applied it.
"""

from __future__ import annotations

ENTRIES: dict[str, tuple[str, str]] = {
    "feeds.closed.dropped": (
        "Avslutad automatiskt: finns inte längre i källans lista ({source}).",
        "Closed automatically: no longer in the source's list ({source}).",
    ),
    "feeds.closed.age": (
        "Avslutad automatiskt: rapporterad för mer än {hours} timmar sedan utan uppdatering "
        "från källan ({source}).",
        "Closed automatically: reported more than {hours} hours ago without an update from "
        "the source ({source}).",
    ),
}

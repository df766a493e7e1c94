"""Every word a person reads from georisk, Swedish first, English on request: one catalogue.

Operators read Swedish; visiting staff and liaison officers may need English. The maps,
the briefing file, the sign-in page and the area command read their words here, by one
lookup, with one language type and one default, so no two of them can call the same
thing by different names or handle a missing word differently: `tests/test_texts.py`
fails on a key missing in either language, asked for but absent, or kept but unused.

The entries live in small modules by where they are shown (`maps`, `briefing`,
`signin`, `area`, `feeds`); their keys carry that place as a prefix, so a key is unique and
greppable. Placeholders are ``{name}`` and nothing more (no format specs): `fill` is
the one rule, and the page scripts fill the raw `templates` they are given by the same
rule (``fill`` in ``layers/static/live.js``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Literal

from georisk.texts import analysis, area, briefing, feeds, maps, resources, signin

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")
DEFAULT_LANG: Lang = "sv"

#: A placeholder: a lower-case name in braces. Any other brace in an entry is an error.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _merge(*parts: Mapping[str, tuple[str, str]]) -> dict[str, tuple[str, str]]:
    merged: dict[str, tuple[str, str]] = {}
    for part in parts:
        twice = merged.keys() & part.keys()
        if twice:
            raise ValueError(f"text keys defined twice: {', '.join(sorted(twice))}")
        merged.update(part)
    return merged


#: key -> (Swedish, English)
CATALOGUE: Mapping[str, tuple[str, str]] = _merge(
    maps.ENTRIES, briefing.ENTRIES, signin.ENTRIES, area.ENTRIES, feeds.ENTRIES,
    resources.ENTRIES, analysis.ENTRIES,
)


def language(value: str | None) -> Lang:
    """The language a request or option names; the default when it names none.

    ValueError for any other value, so each edge can refuse it in its own way.
    """
    if value is None or value == "":
        return DEFAULT_LANG
    if value not in LANGS:
        raise ValueError(f"{value!r} is not one of {', '.join(LANGS)}")
    return value  # type: ignore[return-value]


def fill(template: str, values: Mapping[str, object]) -> str:
    """``template`` with each ``{name}`` replaced by ``values[name]``.

    KeyError when a placeholder has no value or a value no placeholder: a word shown
    with a raw ``{n}`` in it, or a number silently dropped, is a bug to see at once.
    """
    wanted = set(PLACEHOLDER.findall(template))
    if wanted != set(values):
        missing, extra = sorted(wanted - set(values)), sorted(set(values) - wanted)
        raise KeyError(f"placeholders {template!r}: missing {missing}, not used {extra}")
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), template)


def text(key: str, lang: Lang = DEFAULT_LANG, **values: object) -> str:
    """The words for ``key`` in ``lang`` with its placeholders filled from ``values``.

    KeyError for an unknown key, ValueError for an unknown language.
    """
    return fill(_entry(key, lang), values)


def templates(prefix: str, lang: Lang = DEFAULT_LANG) -> dict[str, str]:
    """Every entry whose key starts with ``prefix`` (prefix removed), placeholders unfilled:
    a page's script gets its words from this catalogue and fills them itself."""
    return {key[len(prefix) :]: _entry(key, lang) for key in CATALOGUE if key.startswith(prefix)}


def _entry(key: str, lang: Lang) -> str:
    if lang not in LANGS:
        raise ValueError(f"unknown language {lang!r}; expected one of {', '.join(LANGS)}")
    sv, en = CATALOGUE[key]
    return sv if lang == "sv" else en

"""One catalogue of words: complete in both languages, asked for only by keys it has,
without keys nobody asks for, and filled by one placeholder rule."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterable, Iterator, Mapping
from enum import StrEnum
from pathlib import Path

import pytest

from georisk import texts
from georisk.access import Role
from georisk.area.responsibility import MembershipStatus
from georisk.errors import ErrorCode
from georisk.model import (
    Agency,
    BlockageReason,
    Classification,
    IncidentStatus,
    IncidentType,
    UnitKind,
    UnitStatus,
)

ROOT = Path(__file__).resolve().parent.parent
#: Keys built at run time from a value (``f"ui.type.{type_}"``, ``t("type." + p.type)``):
#: the catalogue needs a word for every value the value can take, and for no other.
FAMILIES: dict[str, type[StrEnum]] = {
    "ui.type.": IncidentType,
    "ui.agency.": Agency,
    "ui.status.": IncidentStatus,
    "ui.ustatus.": UnitStatus,
    "ui.kind.": UnitKind,
    "ui.reason.": BlockageReason,
    "ui.class.": Classification,
    "area.status.": MembershipStatus,
    "ui.err.": ErrorCode,
    "brief.role.": Role,
}
#: What each page script is given (`texts.templates` of these prefixes), and so may ask for.
SCRIPTS = {"layers/static/live.js": ("ui.",), "layers/static/briefing.js": ("ui.", "brief."),
           "layers/static/screen.js": (), "layers/static/clusters.js": (),
           "layers/static/resources.js": ("ui.",),
           "layers/static/analysis.js": ("an.", "ui.")}

_HTML_LOOKUP = re.compile(r"\bt\(\s*\"([^\"]+)\"\s*\)")
#: ``t("key")``, ``t("key", {name: ...})`` or ``t("prefix." + value)`` in a page script.
_JS_LOOKUP = re.compile(r"\bt\(\s*\"([^\"]+)\"\s*(\+|,\s*\{([^{}]*)\}\s*\)|\))")
_JS_PREFIX = re.compile(r"\"([a-z_]+\.)\"")  # a prefix handed on: options(TYPES, "type.", ...)


def _sources() -> dict[str, str]:
    """The code that shows words: Python that imports the catalogue, templates, scripts."""
    found = {}
    for path in [*ROOT.glob("georisk/**/*.py"), *ROOT.glob("layers/**/*.py"),
                 *ROOT.glob("app/**/*.py")]:
        source = path.read_text(encoding="utf-8")
        if "georisk.texts import" in source and "georisk/texts/" not in path.as_posix():
            found[path.relative_to(ROOT).as_posix()] = source
    for path in [*ROOT.glob("app/templates/*.html"), *ROOT.glob("layers/static/*.js")]:
        found[path.relative_to(ROOT).as_posix()] = path.read_text(encoding="utf-8")
    return found


Lookup = tuple[str, bool, set[str] | None]  # key or family prefix, is a prefix, values given


def _python_lookups(source: str) -> Iterator[Lookup]:
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                and node.func.id == "text" and node.args):
            continue
        first = node.args[0]
        names = {k.arg for k in node.keywords if k.arg is not None}
        spread = any(k.arg is None for k in node.keywords)
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            yield first.value, False, None if spread else names
        elif isinstance(first, ast.JoinedStr) and isinstance(first.values[0], ast.Constant):
            yield str(first.values[0].value), True, None


def _script_lookups(source: str, prefixes: tuple[str, ...], catalogue) -> Iterator[Lookup]:
    for key, tail, given in _JS_LOOKUP.findall(source):
        if tail == "+":
            yield prefixes[0] + key, True, None
            continue
        known = [p + key for p in prefixes if p + key in catalogue]
        yield (known or [prefixes[0] + key])[0], False, set(re.findall(r"(\w+)\s*:", given))
    for key in _JS_PREFIX.findall(source):  # handed to a function that adds the value
        for prefix in prefixes:
            if prefix + key in FAMILIES:
                yield prefix + key, True, None


def problems(catalogue: Mapping[str, tuple[str, str]], sources: dict[str, str]) -> list[str]:
    """Every way the catalogue and the code that reads it disagree, one line each (a
    file that fills a key wrongly in several places is one line)."""
    found: list[str] = []
    used: set[str] = set()
    families: set[str] = set()
    for where, source in sources.items():
        if where.endswith(".py"):
            lookups: Iterable[Lookup] = _python_lookups(source)
        elif where.endswith(".html"):
            lookups = ((key, False, set()) for key in _HTML_LOOKUP.findall(source))
        else:
            lookups = _script_lookups(source, SCRIPTS[where], catalogue)
        for key, prefix, given in lookups:
            if prefix:
                if key not in FAMILIES:
                    found.append(f"{where}: {key}... is built from a value but is no family")
                families.add(key)
            elif key not in catalogue:
                found.append(f"{where}: asks for {key!r}, which the catalogue lacks")
            else:
                used.add(key)
                wanted = set(texts.PLACEHOLDER.findall(catalogue[key][0]))
                if given is not None and given != wanted:
                    found.append(f"{where}: fills {key!r} with {sorted(given)}, "
                                 f"its words have {sorted(wanted)}")
    for prefix, values in FAMILIES.items():
        have = {k for k in catalogue if k.startswith(prefix)}
        need = {prefix + v for v in values}
        found += [f"{key}: missing, {values.__name__} has this value" for key in need - have]
        found += [f"{key}: no {values.__name__} has this value" for key in have - need]
        if prefix in families:
            used |= have
    found += [f"{key}: kept but asked for nowhere" for key in catalogue.keys() - used]
    return sorted(set(found))


def test_every_entry_has_both_languages_and_the_same_placeholders() -> None:
    assert len(texts.LANGS) == 2 and texts.DEFAULT_LANG == "sv"
    for key, entry in texts.CATALOGUE.items():
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9_]+)+", key), key
        assert len(entry) == len(texts.LANGS) and all(e.strip() for e in entry), key
        names = [set(texts.PLACEHOLDER.findall(e)) for e in entry]
        assert names[0] == names[1], (key, names)
        for words in entry:  # a brace that is not a placeholder would be filled wrongly
            assert "{" not in texts.PLACEHOLDER.sub("", words), (key, words)
            assert "}" not in texts.PLACEHOLDER.sub("", words), (key, words)


def test_every_key_asked_for_exists_and_every_key_is_asked_for() -> None:
    assert problems(texts.CATALOGUE, _sources()) == []


def test_the_check_reports_missing_unused_and_misfilled_keys() -> None:
    catalogue = dict(texts.CATALOGUE)
    del catalogue["signin.heading"]  # asked for by the sign-in page
    del catalogue["ui.p.save"]  # asked for by live.js, as "p.save"
    del catalogue["ui.kind.boat"]  # a unit kind
    catalogue["ui.p.forgotten"] = ("Glömd", "Forgotten")
    catalogue["ui.p.more"] = ("… och {count} till", "… and {count} more")  # live.js gives n
    catalogue["brief.banner.agency"] = ("ENDAST {who}", "{who} ONLY")  # briefing.py: agency
    assert problems(catalogue, _sources()) == [
        "app/templates/signin.html: asks for 'signin.heading', which the catalogue lacks",
        "layers/briefing.py: fills 'brief.banner.agency' with ['agency'], its words have ['who']",
        "layers/static/live.js: asks for 'ui.p.save', which the catalogue lacks",
        "layers/static/live.js: fills 'ui.p.more' with ['n'], its words have ['count']",
        "ui.kind.boat: missing, UnitKind has this value",
        "ui.p.forgotten: kept but asked for nowhere",
    ]


def test_text_fills_placeholders_by_one_rule_and_refuses_what_does_not_fit() -> None:
    assert texts.text("ui.p.shown", shown=3, total=40) == "3 av 40 visas"
    assert texts.text("ui.p.shown", "en", shown=3, total=40) == "3 of 40 shown"
    assert texts.text("signin.locked", "en", seconds=30) == (
        "Too many failed attempts. Try again in 30 seconds."
    )
    assert texts.text("area.not_applicable") == "–"
    with pytest.raises(KeyError, match="missing \\['total'\\]"):
        texts.text("ui.p.shown", shown=3)
    with pytest.raises(KeyError, match="not used \\['n'\\]"):
        texts.text("ui.p.save", n=1)
    with pytest.raises(KeyError):
        texts.text("ui.p.no_such_key")
    with pytest.raises(ValueError, match="unknown language"):
        texts.text("ui.p.save", "de")  # type: ignore[arg-type]
    # a value is put in as it is, never read as a placeholder or a format spec
    assert texts.fill("{a} and {b}", {"a": "{b}", "b": "{0:>9}"}) == "{b} and {0:>9}"


def test_scripts_get_the_unfilled_templates_of_their_prefix() -> None:
    live = texts.templates("ui.", "sv")
    assert live["p.shown"] == "{shown} av {total} visas"
    assert live["type.forest_fire"] == "Skogsbrand"
    assert not any(k.startswith(("ui.", "brief.", "signin.")) for k in live)
    assert texts.templates("brief.", "en")["s.total"] == "Total"


def test_a_language_is_the_default_when_unnamed_and_refused_when_unknown() -> None:
    assert texts.language(None) == texts.language("") == "sv"
    assert texts.language("en") == "en"
    with pytest.raises(ValueError, match="'de' is not one of sv, en"):
        texts.language("de")

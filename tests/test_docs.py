"""The README and docs/ say what the project does: their links lead somewhere, every
`georisk` command they show is one the command line takes, the README's first-five-minutes
commands run as written, and their Python examples run.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from app.cli import cli
from tests.conftest import ROOT

DOCUMENTS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")),
             ROOT / "examples" / "README.md"]
README_LIMIT = 12 * 1024  # a front door: set-up, the first five minutes, architecture, links


def _blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", path.read_text(), re.S | re.M)


def _commands(block: str) -> list[list[str]]:
    """The `georisk` command lines of a shell block, continuation lines joined, comments,
    redirections and what comes before a pipe dropped."""
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        line = line.split(" # ")[0].split(" > ")[0].strip()
        if "| georisk " in line:
            line = "georisk " + line.split("| georisk ", 1)[1]
        if line.startswith("georisk "):
            out.append(shlex.split(line)[1:])
    return out


def _slug(heading: str) -> str:
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


def test_the_readme_is_a_front_door():
    assert len((ROOT / "README.md").read_bytes()) <= README_LIMIT


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_link_leads_somewhere(path: Path):
    for target in re.findall(r"\]\(([^)\s]+)\)", path.read_text()):
        if target.startswith(("http://", "https://", "mailto:")):
            continue
        file, _, anchor = target.partition("#")
        found = (path.parent / file).resolve() if file else path
        assert found.exists(), f"{path.name}: {target} does not exist"
        if anchor and found.suffix == ".md":
            headings = re.findall(r"^#+ (.+)$", found.read_text(), re.M)
            assert anchor in {_slug(h) for h in headings}, f"{path.name}: no #{anchor}"


def _parse(arguments: list[str]) -> None:
    """Parse a command line as `georisk` would, without running it: an unknown command,
    option or choice raises click's usage error."""
    command: click.Command = cli
    words = list(arguments)
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        found = command.get_command(click.Context(command), words[0])
        assert found is not None, f"georisk has no command {words[0]!r}"
        command, words = found, words[1:]
    command.make_context(command.name or "georisk", words, resilient_parsing=False)


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_georisk_command_shown_is_one_the_command_line_takes(path: Path, tmp_path,
                                                                    monkeypatch):
    monkeypatch.chdir(tmp_path)  # the input files the examples name, empty
    shown = [c for block in _blocks(path, "sh") for c in _commands(block) if c != ["--help"]]
    for arguments in shown:
        arguments = [str(ROOT / w) if "/" in w and (ROOT / w).exists() else w for w in arguments]
        for word in arguments:
            if re.fullmatch(r"[\w.-]+\.(csv|json|xml)", word):
                (tmp_path / word).touch()
        try:
            _parse(arguments)
        except click.exceptions.Exit:  # a command whose parsing ends it (--version)
            continue
        except click.UsageError as exc:
            pytest.fail(f"{path.name}: georisk {shlex.join(arguments)}: {exc.format_message()}")


#: What the README's first five minutes run without a server or the network.
RUNNABLE = {"users", "tokens", "state", "export"}


def test_the_readmes_first_five_minutes_run_as_written(tmp_path, monkeypatch):
    """The operator's, analyst's and briefing officer's commands, in order, on a fresh
    database: each succeeds and does what the README says it does."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("GEORISK_DB", str(tmp_path / "georisk.db"))
    runner = CliRunner()
    assert runner.invoke(cli, ["init-db"]).exit_code == 0
    outputs: dict[str, str] = {}
    for block in _blocks(ROOT / "README.md", "sh"):
        for arguments in _commands(block):
            if arguments[0] not in RUNNABLE or arguments[:2] == ["users", "disable"]:
                continue  # (disabling anna.r would stop the export as her below)
            result = runner.invoke(cli, arguments, catch_exceptions=False)
            assert result.exit_code == 0, (arguments, result.output)
            outputs[" ".join(arguments[:2])] = result.output
    assert set(outputs) == {"users add", "tokens create", "state --at", "export -o"}
    assert "FeatureCollection" in outputs["state --at"]
    for name in ("lagesbild.html", "orebro.html"):  # whole briefing files
        assert (tmp_path / name).stat().st_size > 100_000


#: The samples' commands each document shows, and what each must print when run in order
#: on a fresh database. A command shown but not listed here, or listed but no longer shown,
#: fails the test: the documents and the samples must not drift apart.
SAMPLE_RUNS: dict[str, dict[str, tuple[str, ...]]] = {
    "feeds.md": {
        "init-db": ("schema version",),
        "import polisen examples/polisen/events-0955.json --max-age-hours 100000": (
            "polisen: 4 created, 0 updated, 0 closed, 0 unchanged, 1 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import polisen examples/polisen/events-1055.json --max-age-hours 100000": (
            "polisen: 2 created, 0 updated, 1 closed, 3 unchanged, 1 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import polisen examples/polisen/events-1055.json": (
            "polisen: 0 created, 0 updated, 5 closed, 5 unchanged, 1 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import polisen examples/polisen/events-1055.json --area sweden --max-age-hours 100000": (
            "polisen: 1 created, 0 updated, 0 closed, 5 unchanged, 0 ignored, 0 rejected",),
        "import trafikverket examples/trafikverket/situations.json": (
            "trafikverket: 3 created, 0 updated, 0 closed, 0 unchanged, 2 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import cap examples/cap/alert-1.2.xml examples/cap/alert-1.1.xml "
        "examples/cap/edxl-de.xml examples/cap/feed.atom": (
            "fetched 2/2 linked alerts",
            "cap: 5 created, 0 updated, 0 closed, 0 unchanged, 2 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import cot examples/cot/positions.xml": (
            "cot: 3 created, 1 updated, 0 closed, 0 unchanged, 2 ignored (1 outside the "
            "operating area), 0 rejected",),
        "import smhi examples/smhi/fire-risk-mora.json examples/smhi/fire-risk-linkoping.json": (
            "smhi: 4 created, 0 updated, 0 closed, 0 unchanged, 2 ignored (2 outside the "
            "operating area), 0 rejected",),
        "smhi compare examples/smhi/fire-risk-mora.json": ("day", "2026-07-17 fwi"),
        "cap export polisen-910105 -o alert.xml --agency police --role viewer": (
            "wrote alert.xml",),
    },
    "firerisk.md": {
        "fwi examples/fwi/weather.csv -o indices.csv": ("wrote 25 row(s) to indices.csv",),
        "firerisk zones examples/firerisk/stations.csv --all-days": (
            "7 day(s) issued; last: 2026-07-16 with",),
        "firerisk at 15.2 59.27 --day 2026-07-16": ('"day": "2026-07-16"', '"source": "georisk"'),
    },
}
#: What runs without a server, the network or a user account.
_SAMPLE_COMMANDS = {"init-db", "import", "fwi", "firerisk", "smhi", "cap"}


@pytest.mark.parametrize("name", sorted(SAMPLE_RUNS))
def test_the_sample_commands_run_as_documented(name: str, tmp_path, monkeypatch):
    """Each import, fwi, zones... command a document shows, run as a user on a fresh clone
    runs it (from the repository's folder, with the samples): it succeeds and prints the
    summary the samples must give."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "examples").symlink_to(ROOT / "examples")
    for setting in ("GEORISK_DB", "GEORISK_FEED_AREA", "GEORISK_FEED_MARGIN_KM",
                    "GEORISK_POLISEN_MAX_AGE_H", "GEORISK_CAP_XSD", "GEORISK_DATA_DIR"):
        monkeypatch.delenv(setting, raising=False)
    shown = [arguments for block in _blocks(ROOT / "docs" / name, "sh")
             for arguments in _commands(block)
             if arguments[0] in _SAMPLE_COMMANDS and "--user" not in arguments]
    expected = SAMPLE_RUNS[name]
    assert [" ".join(a) for a in shown if a[0] != "init-db" or "init-db" in expected] == list(
        expected), "the commands shown and SAMPLE_RUNS differ"
    runner = CliRunner()
    if shown[0] != ["init-db"]:
        assert runner.invoke(cli, ["init-db"]).exit_code == 0
    for arguments in shown:
        result = runner.invoke(cli, arguments, catch_exceptions=False)
        assert result.exit_code == 0, (arguments, result.output)
        for needle in expected[" ".join(arguments)]:
            assert needle in result.output, (arguments, result.output)
    for used in {w for a in shown for w in a if w.startswith("examples/")}:
        assert (ROOT / used).is_file(), used


def test_every_sample_is_shown_in_a_document():
    shown = {w for name in SAMPLE_RUNS for command in SAMPLE_RUNS[name] for w in command.split()}
    linked = {"examples/cap/alerts/vanern.xml", "examples/cap/alerts/skane.xml"}  # by the feed
    samples = {p.relative_to(ROOT).as_posix() for p in (ROOT / "examples").rglob("*")
               if p.is_file() and p.name != "README.md"}
    assert samples - shown - linked == set(), "samples no document shows"
    assert linked <= samples


@pytest.mark.parametrize("path", [p for p in DOCUMENTS if _blocks(p, "python")],
                         ids=lambda p: p.name)
def test_python_examples_run(path: Path, tmp_path):
    for code in _blocks(path, "python"):
        result = subprocess.run(
            [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True,
            timeout=120, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        )
        assert result.returncode == 0, result.stderr


def test_a_skip_fails_in_ci(tmp_path):
    """CI installs every tool and folder the tests use, so there a skip is a failure."""
    (tmp_path / "test_needs.py").write_text(
        "import pytest\n\ndef test_needs_a_tool():\n    pytest.skip('the tool is absent')\n"
    )
    args = [sys.executable, "-m", "pytest", "-q", "-p", "tests.conftest", "-p", "no:cacheprovider",
            "--rootdir", str(tmp_path), str(tmp_path / "test_needs.py")]
    without = {name: value for name, value in os.environ.items() if name != "GEORISK_CI"}
    local = subprocess.run(args, cwd=ROOT, capture_output=True, text=True, env=without)
    assert local.returncode == 0 and "1 skipped" in local.stdout
    ci = subprocess.run(args, cwd=ROOT, capture_output=True, text=True,
                        env=dict(os.environ, GEORISK_CI="1"))
    assert ci.returncode == 1 and "the tool is absent" in ci.stdout

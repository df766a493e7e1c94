"""``georisk fwi`` end to end: the reference file, shuffled rows, every bad row."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from georisk.cli import cli
from georisk.firerisk.fwi import INDICES, fwi_series
from georisk.firerisk.synthetic import season_dates, season_weather

HEADER = "id,lat,long,yr,mon,day,temp,rh,ws,prec"


def run(*args: str):
    return CliRunner().invoke(cli, ["fwi", *args], catch_exceptions=False)


def station_rows(n_stations: int = 3, days: int = 30, seed: int = 3) -> pd.DataFrame:
    lat = np.array([57.7, 59.3, 61.0, 62.4][:n_stations])
    dates = season_dates()[40:40 + days]
    w = season_weather(lat, dates, seed=seed)
    frames = []
    for s in range(n_stations):
        frames.append(pd.DataFrame({
            "id": f"st{s}", "lat": lat[s], "long": 14.0 + s,
            "yr": [d.year for d in dates], "mon": [d.month for d in dates],
            "day": [d.day for d in dates], "temp": w.temp[:, s], "rh": w.rh[:, s],
            "ws": w.ws[:, s], "prec": w.prec[:, s]}))
    return pd.concat(frames, ignore_index=True)


def write_lines(path, lines: list[str]):
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    return path


def test_reference_file_round_trip(shared_dir, tmp_path):
    ref = pd.read_csv(shared_dir / "reference" / "fwi" / "cffdrs_test_fwi_reference.csv")
    src = tmp_path / "in.csv"
    ref.drop(columns=list(INDICES)).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    result = run(str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out)
    for name in INDICES:
        assert np.abs(got[name] - ref[name]).max() <= 1e-6, name


def test_147_2_mode(shared_dir, tmp_path):
    ref = pd.read_csv(shared_dir / "reference" / "fwi" /
                      "cffdrs_test_fwi_reference_ffmc147.2.csv")
    src = tmp_path / "in.csv"
    ref.drop(columns=list(INDICES)).to_csv(src, index=False)
    out = tmp_path / "out.csv"
    assert run(str(src), "-o", str(out), "--ffmc-constant", "147.2").exit_code == 0
    got = pd.read_csv(out)
    for name in INDICES:
        assert np.abs(got[name] - ref[name]).max() <= 1e-6, name


def test_shuffled_stations_equal_each_station_alone(tmp_path):
    rows = station_rows()
    shuffled = rows.sample(frac=1.0, random_state=11).reset_index(drop=True)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    shuffled.to_csv(src, index=False)
    result = run(str(src), "-o", str(out))
    assert result.exit_code == 0, result.output
    got = pd.read_csv(out, dtype={"id": str})
    # Same rows, same order as the input.
    assert got["id"].tolist() == shuffled["id"].tolist()
    assert got["day"].tolist() == shuffled["day"].tolist()
    for sid, alone in rows.groupby("id"):
        expected = fwi_series(alone.temp, alone.rh, alone.ws, alone.prec, alone.mon,
                              alone.lat.iloc[0])
        mine = got[got.id == sid].sort_values(["mon", "day"])
        for name in INDICES:
            np.testing.assert_allclose(mine[name].to_numpy(), getattr(expected, name),
                                       rtol=0, atol=1e-12)


def test_start_codes_continue_a_season(tmp_path):
    rows = station_rows(n_stations=2, days=40)
    first, second = rows.groupby("id").head(25), rows.groupby("id").tail(15)
    full_out, a_out, b_out = (tmp_path / n for n in ("full.csv", "a.csv", "b.csv"))
    rows.to_csv(tmp_path / "full_in.csv", index=False)
    first.to_csv(tmp_path / "a_in.csv", index=False)
    second.to_csv(tmp_path / "b_in.csv", index=False)
    assert run(str(tmp_path / "full_in.csv"), "-o", str(full_out)).exit_code == 0
    assert run(str(tmp_path / "a_in.csv"), "-o", str(a_out)).exit_code == 0
    a = pd.read_csv(a_out).groupby("id").tail(1)
    a[["id", "ffmc", "dmc", "dc"]].to_csv(tmp_path / "codes.csv", index=False)
    result = run(str(tmp_path / "b_in.csv"), "-o", str(b_out), "--start-codes",
                 str(tmp_path / "codes.csv"))
    assert result.exit_code == 0, result.output
    full = pd.read_csv(full_out).groupby("id").tail(15).reset_index(drop=True)
    b = pd.read_csv(b_out)
    for name in INDICES:
        np.testing.assert_allclose(b[name], full[name], rtol=0, atol=1e-9)


def test_uniform_start_options(tmp_path):
    src = write_lines(tmp_path / "in.csv", ["a,60,15,2025,7,1,20,40,10,0"])
    out = tmp_path / "out.csv"
    assert run(str(src), "-o", str(out), "--ffmc0", "90", "--dmc0", "30", "--dc0", "300"
               ).exit_code == 0
    got = pd.read_csv(out)
    expected = fwi_series([20.0], [40.0], [10.0], [0.0], [7], 60.0,
                          start=_state(90, 30, 300))
    assert got.dc[0] == pytest.approx(expected.dc[0], abs=1e-12)


def _state(f, d, c):
    from georisk.firerisk.fwi import FWIState
    return FWIState(np.array([f]), np.array([d]), np.array([c]))


GOOD = [
    "a,60,15,2025,7,1,20,40,10,0",
    "a,60,15,2025,7,2,21,35,12,0",
    "a,60,15,2025,7,3,22,30,8,1.2",
]


@pytest.mark.parametrize(("bad_line", "line_no", "field", "words"), [
    ("a,60,15,2025,7,4,,30,8,0", 5, "temp", "missing"),
    ("a,60,15,2025,7,4,22,abc,8,0", 5, "rh", "not a number"),
    ("a,60,15,2025,7,4,22,101,8,0", 5, "rh", "outside"),
    ("a,60,15,2025,7,4,22,-1,8,0", 5, "rh", "outside"),
    ("a,60,15,2025,7,4,22,30,8,-0.2", 5, "prec", "negative"),
    ("a,60,15,2025,7,4,22,30,-3,0", 5, "ws", "negative"),
    ("a,60,15,2025,7,3,22,30,8,0", 5, "yr/mon/day", "duplicate"),
    ("a,60,15,2025,7,6,22,30,8,0", 5, "yr/mon/day", "gap of 2 day"),
    ("a,60,15,2025,2,30,22,30,8,0", 5, "yr/mon/day", "not a calendar date"),
    ("a,61,15,2025,7,4,22,30,8,0", 5, "lat", "latitude changes"),
])
def test_each_bad_row_fails_naming_line_and_field(tmp_path, bad_line, line_no, field, words):
    src = write_lines(tmp_path / "in.csv", [*GOOD, bad_line])
    out = tmp_path / "out.csv"
    result = run(str(src), "-o", str(out))
    assert result.exit_code != 0
    assert f"line {line_no} ({field})" in result.output
    assert words in result.output
    assert not out.exists()
    assert not list(tmp_path.glob(".out.csv.*"))  # no temporary left behind


def test_missing_columns(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("id,lat,long,yr,mon,day,temp,rh,ws\na,60,15,2025,7,1,20,40,10\n")
    result = run(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code != 0
    assert "missing column(s) prec" in result.output
    assert not (tmp_path / "out.csv").exists()


def test_skip_bad_rows_reports_and_keeps_the_rest(tmp_path):
    lines = [
        *GOOD,
        "a,60,15,2025,7,4,22,150,8,0",  # line 5: bad rh → rest of series a unusable
        "a,60,15,2025,7,5,22,30,8,0",  # line 6: follows a skipped row
        "b,58,13,2025,7,1,18,55,6,0",  # line 7
        "b,58,13,2025,7,1,18,55,6,0",  # line 8: duplicate
        "b,58,13,2025,7,2,x,55,6,0",  # line 9: unparseable, last row of b
        "c,59,14,2025,7,1,18,55,6,0",  # line 10
        "c,59,14,2025,7,3,18,55,6,0",  # line 11: gap
    ]
    src = write_lines(tmp_path / "in.csv", lines)
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(cli, ["fwi", str(src), "-o", str(out), "--skip-bad-rows"])
    assert result.exit_code == 0, result.output
    for fragment in ("skipped 5 bad row(s)", "line 5, rh", "line 6, id: follows",
                     "line 8, yr/mon/day: duplicate", "line 9, temp", "line 11, yr/mon/day: gap"):
        assert fragment in result.output
    got = pd.read_csv(out)
    assert len(got) == 5  # a×3, b×1, c×1, in input order
    assert got["id"].tolist() == ["a", "a", "a", "b", "c"]
    assert got[list(INDICES)].notna().all().all()


def test_help_documents_every_option():
    result = CliRunner().invoke(cli, ["fwi", "--help"])
    assert result.exit_code == 0
    for option in ("--output", "--ffmc-constant", "--ffmc0", "--dmc0", "--dc0",
                   "--start-codes", "--skip-bad-rows", "--progress"):
        assert option in result.output
    assert "id, lat, long, yr, mon" in " ".join(result.output.split())


def test_progress_goes_to_stderr(tmp_path):
    rows = station_rows(n_stations=2, days=10)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    rows.to_csv(src, index=False)
    result = CliRunner().invoke(cli, ["fwi", str(src), "-o", str(out), "--progress"])
    assert result.exit_code == 0
    assert "FWI" in result.stderr
    assert "FWI" not in result.stdout


def test_blank_lines_keep_true_line_numbers_and_rows_are_copied_verbatim(tmp_path):
    src = tmp_path / "in.csv"
    src.write_text("\n".join([HEADER, GOOD[0], "", GOOD[1], "  ", "a,60,15,2025,7,3,22,abc,8,0",
                              ""]) + "\n")
    result = run(str(src), "-o", str(tmp_path / "out.csv"))
    assert result.exit_code != 0
    assert "line 6 (rh)" in result.output
    src.write_text("\n".join([HEADER, GOOD[0], "", "a,60.0,15,2025,7,2,21.00,35,12,0"]) + "\n")
    out = tmp_path / "out.csv"
    assert run(str(src), "-o", str(out)).exit_code == 0
    lines = out.read_text().splitlines()
    assert lines[0] == HEADER + ",ffmc,dmc,dc,isi,bui,fwi,dsr"
    assert lines[2].startswith("a,60.0,15,2025,7,2,21.00,35,12,0,")

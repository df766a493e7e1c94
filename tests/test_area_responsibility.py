"""The rescue-region membership table: shipped, overridable, and honest about doubt."""

from __future__ import annotations

import pandas as pd
import pytest

from georisk.area.attribution import attribute_point
from georisk.area.boundaries import municipalities
from georisk.area.responsibility import (
    MEMBERSHIP_FILE,
    MembershipStatus,
    membership_path,
    membership_table,
    responsibility,
)
from georisk.errors import ValidationError


def test_table_covers_every_area_municipality():
    table = membership_table()
    assert set(table.index) == set(municipalities()["code"])
    counts = table["status"].value_counts().to_dict()
    assert counts["confirmed"] == 33 and counts["probable"] == 8


def test_unconfirmed_status_is_marked():
    falun = responsibility("2080")
    assert falun.rescue_region_status is MembershipStatus.NOT_MEMBER
    assert not falun.membership_confirmed
    assert responsibility("1780").membership_confirmed


def test_data_dir_file_overrides_package_table(tmp_path, monkeypatch):
    table = membership_table().reset_index()
    table.loc[table["municipality_code"] == "1780", "status"] = "unknown"
    table.to_csv(tmp_path / MEMBERSHIP_FILE, index=False)
    monkeypatch.setenv("GEORISK_DATA_DIR", str(tmp_path))
    assert membership_path() == (tmp_path / MEMBERSHIP_FILE, "data dir")
    a = attribute_point(13.50357, 59.3793)
    assert a.rescue_region_status is MembershipStatus.UNKNOWN
    assert a.rescue_region_confirmed is False


def test_broken_override_names_line_and_field(tmp_path, monkeypatch):
    (tmp_path / MEMBERSHIP_FILE).write_text(
        "municipality_code,municipality_name,county_code,status,rescue_service,basis\n"
        "1780,Karlstad,17,maybe,,x\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("GEORISK_DATA_DIR", str(tmp_path))
    with pytest.raises(ValidationError, match=r":2: status.*'maybe'"):
        membership_table()
    (tmp_path / MEMBERSHIP_FILE).write_text("municipality_code,status\n1780,confirmed\n")
    with pytest.raises(ValidationError, match="missing required columns: municipality_name"):
        membership_table()


def test_agrees_with_shared_evidence(shared_dir):
    shared = pd.read_csv(
        shared_dir / "data/admin/raddningsregion_bergslagen_members.csv", dtype=str
    )
    mapping = {
        "member_confirmed": "confirmed",
        "member_probable": "probable",
        "not_member_likely": "not_member",
        "unknown": "unknown",
    }
    ours = membership_table()
    for row in shared.itertuples():
        assert ours.loc[row.municipality_code, "status"] == mapping[row.rrb_status], row
    # Rows the evidence file does not list are the rest of Västra Götaland, outside RRB.
    extra = ours.drop(index=shared["municipality_code"])
    assert (extra["county_code"] == "14").all() and (extra["status"] == "not_member").all()

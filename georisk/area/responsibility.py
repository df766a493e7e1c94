"""Who is responsible where: police region, rescue service and rescue region, SOS Alarm.

Police regions follow counties by law, so a fixed table is exact. Membership of
Räddningsregion Bergslagen (RRB) is not published as a list anywhere; the shipped
table records the project's best evidence per municipality and is meant to be edited.
A file of the same name in ``GEORISK_DATA_DIR`` replaces it, so a centre can correct
it without a release.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path

import pandas as pd

from georisk.errors import FieldError, ValidationError
from georisk.settings import data_dir

MEMBERSHIP_FILE = "raddningsregion_bergslagen.csv"
RESCUE_REGION = "Räddningsregion Bergslagen"
SOS_ALARM = "SOS Alarm (112)"

#: County code → police region (the 2015 organisation: seven regions, whole counties).
POLICE_REGIONS: dict[str, str] = {
    "01": "Polisregion Stockholm",
    "09": "Polisregion Stockholm",
    "03": "Polisregion Mitt",
    "19": "Polisregion Mitt",
    "21": "Polisregion Mitt",
    "04": "Polisregion Öst",
    "05": "Polisregion Öst",
    "06": "Polisregion Öst",
    "07": "Polisregion Syd",
    "08": "Polisregion Syd",
    "10": "Polisregion Syd",
    "12": "Polisregion Syd",
    "13": "Polisregion Väst",
    "14": "Polisregion Väst",
    "17": "Polisregion Bergslagen",
    "18": "Polisregion Bergslagen",
    "20": "Polisregion Bergslagen",
    "22": "Polisregion Nord",
    "23": "Polisregion Nord",
    "24": "Polisregion Nord",
    "25": "Polisregion Nord",
}

MEMBERSHIP_COLUMNS = (
    "municipality_code",
    "municipality_name",
    "county_code",
    "status",
    "rescue_service",
    "basis",
)


class MembershipStatus(StrEnum):
    CONFIRMED = "confirmed"
    PROBABLE = "probable"
    NOT_MEMBER = "not_member"
    UNKNOWN = "unknown"

    @property
    def confirmed(self) -> bool:
        """Only a confirmed status is fact; every other one must be shown as unconfirmed."""
        return self is MembershipStatus.CONFIRMED


@dataclass(frozen=True)
class Responsibility:
    """The organisations answering for one municipality."""

    municipality_code: str
    police_region: str
    rescue_service: str | None
    rescue_region: str
    rescue_region_status: MembershipStatus
    rescue_region_basis: str
    sos: str = SOS_ALARM

    @property
    def membership_confirmed(self) -> bool:
        return self.rescue_region_status.confirmed


def membership_path() -> tuple[Path, str]:
    """The membership table in force and where it comes from ("data dir" or "package")."""
    directory = data_dir()
    if directory is not None and (directory / MEMBERSHIP_FILE).is_file():
        return directory / MEMBERSHIP_FILE, "data dir"
    with resources.as_file(resources.files("georisk.area") / "data" / MEMBERSHIP_FILE) as p:
        return Path(p), "package"


def membership_table() -> pd.DataFrame:
    """The membership table in force, validated; indexed by municipality code.

    Re-read when the file changes, so an edited override takes effect without a restart.
    """
    path, _ = membership_path()
    stat = path.stat()
    return _read_membership(str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=4)
def _read_membership(path: str, _mtime_ns: int, _size: int) -> pd.DataFrame:
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8")
    except (OSError, UnicodeDecodeError, pd.errors.ParserError) as exc:
        raise ValidationError.one(path, f"cannot read the membership table: {exc}") from exc
    missing = [c for c in MEMBERSHIP_COLUMNS if c not in table.columns]
    if missing:
        raise ValidationError.one(path, f"missing required columns: {', '.join(missing)}")
    errors: list[FieldError] = []
    allowed = {s.value for s in MembershipStatus}
    for i, row in table.iterrows():
        line = int(str(i)) + 2  # header is line 1
        code = row["municipality_code"]
        if not (len(code) == 4 and code.isdigit()):
            errors.append(
                FieldError(f"{path}:{line}: municipality_code", f"{code!r} is not 4 digits")
            )
        if row["status"] not in allowed:
            errors.append(
                FieldError(
                    f"{path}:{line}: status",
                    f"{row['status']!r} is not one of {', '.join(sorted(allowed))}",
                )
            )
    dupes = table["municipality_code"][table["municipality_code"].duplicated()].unique()
    if len(dupes):
        errors.append(FieldError(f"{path}: municipality_code", f"repeated: {', '.join(dupes)}"))
    if errors:
        raise ValidationError(errors)
    table = table[list(MEMBERSHIP_COLUMNS)].set_index("municipality_code")
    return table


def police_region(county_code: str) -> str:
    """The police region of a county; KeyError for a code that is no Swedish county."""
    return POLICE_REGIONS[county_code]


def responsibility(municipality_code: str) -> Responsibility:
    """Who answers for a municipality; a municipality missing from the table is 'unknown'."""
    table = membership_table()
    county = municipality_code[:2]
    if municipality_code in table.index:
        row = table.loc[municipality_code]
        status = MembershipStatus(row["status"])
        service, basis = row["rescue_service"] or None, row["basis"]
    else:
        status, service, basis = MembershipStatus.UNKNOWN, None, "not in the membership table"
    return Responsibility(
        municipality_code=municipality_code,
        police_region=police_region(county),
        rescue_service=service,
        rescue_region=RESCUE_REGION,
        rescue_region_status=status,
        rescue_region_basis=basis,
    )

"""The query parameters of the JSON API's operations, one model each.

`app.api` names the model in each route's declaration (`app.openapi.Api.route`), which
checks every request's query against it and documents it, so the parameters the API
takes and the ones its OpenAPI document lists are the same by construction. The kinds
of value (instants, intervals, boxes, vocabularies) are `georisk.queryparams`', shared
with the OGC API and the briefing export.
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import Field, model_validator

from georisk import queryparams as qp
from georisk.resources import params as resource_params
from georisk.store import Query
from georisk.store.base import SORTABLE
from georisk.timeutil import ACCEPTED_RANGE

_PER_PAGE = 100
_EVENTS_PER_PAGE = 1000


class RecordList(qp.QueryModel):
    """What every list of current records takes; each kind adds its own filters."""

    KIND: ClassVar[str]
    CATEGORY: ClassVar[str]  # the parameter that filters the kind's category

    bbox: qp.LonLatBox | None = Field(
        None, description="minLon,minLat,maxLon,maxLat (WGS84); 6 numbers give heights, "
        "which are ignored.")
    window: qp.Interval | None = Field(
        None, alias="datetime", description="An instant or an interval start/end (`..` "
        "for open), RFC 3339; selects records whose time span meets it.")
    agency: qp.Agencies = Field(frozenset(), description="Owning agencies, comma-separated.")
    classification: qp.Classifications = Field(
        frozenset(), description="Classifications, comma-separated.")
    q: qp.Text | None = Field(
        None, description="Case-insensitive text in the title, callsign or road.")
    limit: qp.Limit = Field(_PER_PAGE, description=f"Records per page (default {_PER_PAGE}).")
    cursor: str | None = Field(None, description="The `next` value of the previous page.")

    def selection(self) -> Query:
        """The store's query these parameters ask for (a filter not given: any value)."""
        given = dict(self)
        start, end = self.window or (None, None)
        return Query(
            self.KIND, bbox=self.bbox, start=start, end=end, status=given["status"],
            agency=self.agency, category=given[self.CATEGORY],
            classification=self.classification, severity=given.get("severity", frozenset()),
            county=given.get("county", frozenset()),
            municipality=given.get("municipality", frozenset()),
            text=self.q or None, sort=given["sortby"], limit=self.limit,
        )


def _sortby(kind: str) -> Any:
    names = ", ".join(SORTABLE[kind])
    return Field((), description=f"Order by, comma-separated, `-` for descending: {names}. "
                 "Default: the order records were created in.")


_COUNTY = Field(frozenset(), description="SCB county codes, comma-separated (e.g. 18,20).")
_MUNICIPALITY = Field(
    frozenset(), description="SCB municipality codes, comma-separated (e.g. 1880).")


class IncidentList(RecordList):
    KIND, CATEGORY = "incident", "type"
    type: qp.IncidentTypes = Field(frozenset(), description="Incident types, comma-separated.")
    severity: qp.Severities = Field(frozenset(), description="Severities, comma-separated.")
    status: qp.IncidentStatuses = Field(frozenset(), description="Statuses, comma-separated.")
    county: qp.CountyCodes = _COUNTY
    municipality: qp.MunicipalityCodes = _MUNICIPALITY
    sortby: qp.sort_keys(SORTABLE["incident"]) = _sortby("incident")  # type: ignore[valid-type]


class UnitList(RecordList):
    KIND, CATEGORY = "unit", "kind"
    kind: qp.UnitKinds = Field(frozenset(), description="Unit kinds, comma-separated.")
    status: qp.UnitStatuses = Field(frozenset(), description="Statuses, comma-separated.")
    sortby: qp.sort_keys(SORTABLE["unit"]) = _sortby("unit")  # type: ignore[valid-type]


class BlockageList(RecordList):
    KIND, CATEGORY = "blockage", "reason"
    reason: qp.BlockageReasons = Field(frozenset(), description="Reasons, comma-separated.")
    status: qp.BlockageStatuses = Field(frozenset(), description="Statuses, comma-separated.")
    county: qp.CountyCodes = _COUNTY
    municipality: qp.MunicipalityCodes = _MUNICIPALITY
    sortby: qp.sort_keys(SORTABLE["blockage"]) = _sortby("blockage")  # type: ignore[valid-type]


class Track(qp.QueryModel):
    window: qp.Interval | None = Field(
        None, alias="datetime", description="Interval start/end (RFC 3339, `..` open), or "
        "an instant.")
    limit: qp.Limit = Field(qp.MAX_LIMIT, description=f"Most points (default {qp.MAX_LIMIT}).")


class Journal(qp.QueryModel):
    after: qp.SeqNumber = Field(0, description="Your view's sequence number to continue "
                                "after (default 0).")
    limit: qp.Limit = Field(
        _EVENTS_PER_PAGE, description=f"Most events (default {_EVENTS_PER_PAGE}).")


class Moment(qp.QueryModel):
    at: qp.Instant = Field(description="The moment: RFC 3339 with a timezone, from "
                           f"{ACCEPTED_RANGE}.")



# The resources' parameters are the core's: `georisk coverage` reads its options with them.
Suggestions = resource_params.Suggestions
Brief = resource_params.Brief
Coverage = resource_params.Coverage
# -- the analyst's tables (`app.analysis`) --------------------------------------------------

_FORMAT = Field("json", description="`json` (columns and rows; hotspots: GeoJSON) or `csv`.")
_FROM = Field(None, alias="from", description="Records from this time (RFC 3339).")
_TO = Field(None, alias="to", description="Records before this time (RFC 3339).")
_TYPES = Field(frozenset(), description="Incident types, comma-separated.")
AnalysisFormat = qp.one_of(["json", "csv"])
HistoryKeys = qp.listed(qp.one_of(["county", "municipality", "cell", "hour", "weekday", "week",
                                   "date", "month", "season", "year", "type", "agency",
                                   "severity"]))


class AnalysisWindow(qp.QueryModel):
    """What every analysis table takes: a time window, counties and the format."""

    start: qp.Instant | None = _FROM
    end: qp.Instant | None = _TO
    county: qp.CountyCodes = _COUNTY
    format: AnalysisFormat = _FORMAT  # type: ignore[valid-type]

    @model_validator(mode="after")
    def _window(self) -> AnalysisWindow:
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise qp.Refused("to", "must be after from")
        return self


class AnalysisHistory(AnalysisWindow):
    by: HistoryKeys = Field(("week", "type"), description="Keys, comma-separated.")  # type: ignore[valid-type]
    type: qp.IncidentTypes = _TYPES


class AnalysisHotspots(AnalysisWindow):
    type: qp.IncidentTypes = _TYPES
    permutations: qp.whole(99, 1999) = Field(  # type: ignore[valid-type]
        499, description="Random deals of the incidents by population (default 499).")
    alpha: qp.one_of(["0.01", "0.05", "0.1"]) = Field(  # type: ignore[valid-type]
        "0.05", description="False discovery rate.")


class AnalysisForecast(AnalysisWindow):
    type: qp.IncidentTypes = _TYPES
    by: qp.one_of(["area", "county", "municipality"]) = Field(  # type: ignore[valid-type]
        "area", description="One series for the selection (`area`), or per county or "
        "municipality.")
    weeks: qp.whole(1, 52) = Field(13, description="Weeks ahead (default 13).")  # type: ignore[valid-type]


class AnalysisBlockages(AnalysisWindow):
    by: qp.listed(qp.one_of(["road", "reason", "county", "municipality"])) = Field(  # type: ignore[valid-type]
        ("road", "reason"), description="Keys, comma-separated.")


class AnalysisResponse(AnalysisWindow):
    type: qp.IncidentTypes = _TYPES
    by: qp.listed(qp.one_of(["agency", "unit_kind", "type", "county"])) = Field(  # type: ignore[valid-type]
        ("agency", "unit_kind"), description="Keys, comma-separated.")


class AnalysisAvailability(AnalysisWindow):
    every: qp.one_of(["hour", "day"]) = Field(  # type: ignore[valid-type]
        "day", description="One row per county and hour, or per county and day (mean).")

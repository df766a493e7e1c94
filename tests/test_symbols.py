"""Markers from one template: the tables pick the right parts, values are escaped, and the
page gets exactly what the legend draws from (the browser check is in test_livemap)."""

from __future__ import annotations

import json

from georisk.model import Agency, IncidentType, UnitKind, UnitStatus
from layers import incidents, units
from layers.symbols import Symbol


def test_an_incident_marker_shows_its_severity_type_and_agency() -> None:
    pale = incidents.symbol(IncidentType.TRAFFIC, 1, Agency.POLICE)
    dark = incidents.symbol(IncidentType.TRAFFIC, 5, Agency.RESCUE)
    assert f'fill="{incidents.SEVERITY_COLOURS[1]}"' in pale
    assert f'fill="{incidents.GLYPH_DARK}" fill-rule' in pale  # a dark glyph on a pale disc
    assert f'fill="{incidents.GLYPH_LIGHT}" fill-rule' in dark
    assert f'd="{incidents.GLYPHS[IncidentType.TRAFFIC]}"' in pale
    assert ">P</text>" in pale and ">R</text>" in dark
    assert 'width="20" height="20"' in incidents.symbol(IncidentType.FIRE, 3, Agency.SOS, 20)


def test_a_stale_unit_is_grey_whatever_its_status() -> None:
    fresh = units.symbol(Agency.RESCUE, UnitKind.TANKER, UnitStatus.ON_SCENE)
    stale = units.symbol(Agency.RESCUE, UnitKind.TANKER, UnitStatus.ON_SCENE, stale=True)
    assert f'fill="{units.STATUS_COLOURS[UnitStatus.ON_SCENE]}"' in fresh
    assert f'fill="{units.STALE_COLOUR}"' in stale
    assert units.STATUS_COLOURS[UnitStatus.ON_SCENE] not in stale
    assert ">TA</text>" in stale and units.SHAPES[Agency.RESCUE] in stale


def test_values_are_escaped_and_unknown_ones_fall_back() -> None:
    mark = Symbol('<svg width="{size}"><path fill="{fill}"/>{tag}</svg>', ("kind",),
                  {"kind": {"odd": {"fill": '"><script>', "tag": "<b>"}}},
                  {"fill": "#555", "tag": "?"})
    assert mark.draw(8, kind="odd") == (
        '<svg width="8"><path fill="&quot;&gt;&lt;script&gt;"/>&lt;b&gt;</svg>'
    )
    assert mark.draw(8, kind="unheard-of") == '<svg width="8"><path fill="#555"/>?</svg>'


def test_the_page_gets_the_template_and_tables_the_legend_uses() -> None:
    spec = json.loads(json.dumps(incidents.spec()))  # as the page's configuration holds it
    assert spec["template"] == incidents.MARKER.template
    assert spec["fields"] == ["type", "severity", "agency"]
    assert spec["parts"]["severity"]["4"]["fill"] == incidents.SEVERITY_COLOURS[4]
    assert set(spec["parts"]["type"]) == {str(t) for t in IncidentType}
    unit_spec = units.spec(600)
    assert unit_spec["staleAfterS"] == 600
    assert unit_spec["parts"]["age"] == {"stale": {"fill": units.STALE_COLOUR}}

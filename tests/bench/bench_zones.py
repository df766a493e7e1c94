"""Weather CSV of 100 stations × 184 days → fire-risk zones for the five counties.

    .venv/bin/python tests/bench/bench_zones.py

The area is the lon 11–17, lat 57.5–62.5 box around Dalarna, Värmland, Örebro,
Västmanland and Västra Götaland (no boundary data ships with the repository), at
2.5 km cells. The target is ≤ 10 s from CSV file to zones, in a fresh process, so
module imports and loading the compiled kernel count too.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

T_START = time.perf_counter()

import shapely  # noqa: E402

from georisk.firerisk.station_weather import daily_fire_weather, read_station_weather  # noqa: E402
from georisk.firerisk.synthetic import BERGSLAGEN_BBOX, station_weather_frame  # noqa: E402
from georisk.firerisk.zones import fire_risk_grid, point_risk, risk_zones  # noqa: E402

TARGET_S = 10.0


def main() -> int:
    imports = time.perf_counter() - T_START
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "weather.csv"
        station_weather_frame(100).to_csv(path, index=False)  # not timed: the input
        t0 = time.perf_counter()
        obs = read_station_weather(path)
        t1 = time.perf_counter()
        daily = daily_fire_weather(obs)
        t2 = time.perf_counter()
        risk = fire_risk_grid(daily, shapely.box(*BERGSLAGEN_BBOX), cell_size=2500.0)
        t3 = time.perf_counter()
        # The season's driest day (highest mean FWI) shows the most classes.
        driest = risk.dates[int(risk.values["fwi"].mean(axis=1).argmax())]
        zones = risk_zones(risk, driest)
        t4 = time.perf_counter()
        point_risk(risk, 15.2, 59.27, driest)
        t5 = time.perf_counter()
    total = imports + (t4 - t0)
    print(
        f"stations {daily.stations.shape[0]}, days {len(daily.dates)}, "
        f"cells {len(risk.grid.cells)} at 2.5 km, zones {len(zones)} "
        f"(classes {sorted(zones['class'].unique())}) on {driest}"
    )
    print(
        f"imports {imports:.2f} s | read CSV {t1 - t0:.2f} s | daily aggregation "
        f"{t2 - t1:.2f} s | grid + IDW + FWI season {t3 - t2:.2f} s | zones {t4 - t3:.2f} s"
        f" | point query {1000 * (t5 - t4):.1f} ms"
    )
    print(
        f"total CSV → zones (with imports): {total:.2f} s (target ≤ {TARGET_S:.0f} s): "
        f"{'OK' if total <= TARGET_S else 'TOO SLOW'}"
    )
    return 0 if total <= TARGET_S else 1


if __name__ == "__main__":
    sys.exit(main())

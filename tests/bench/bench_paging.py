"""Paging figures: what one page costs as the store grows (10,000, 50,000 and 1,000,000
open incidents, random places in the region, a third each of police, rescue and SOS).

For each size, medians of in-process calls:
* the store: the first page of ten in the default order, a page of ten after a cursor
  half-way through the store, both for a police viewer (the access policy's scope in
  the SQL), and one record by id;
* the service (the real app, a centre analyst's bearer token): the OGC API's
  ``items?limit=10``, ``items?limit=1000&bbox=`` (a full page of 1,000 from a 2° × 1.5°
  box) and one item.

A page should cost the same at every size (an index in the sort's order, keyset cursors);
the ratio of the 1,000,000 figure to the 10,000 one is printed beside each.

Run: ``.venv/bin/python -m tests.bench.bench_paging`` (stores are written once into
``bench-data/``; the million takes a few minutes the first time).
"""

from __future__ import annotations

import random
from pathlib import Path

from app import create_app
from georisk.access import Scope
from georisk.identity import Tokens
from georisk.model import Agency
from georisk.store import Query, SQLiteStore
from tests.bench.common import median_seconds, seed_incidents

DATA = Path(__file__).resolve().parent.parent.parent / "bench-data"
SIZES = (10_000, 50_000, 1_000_000)
BOX = "14.0,59.0,16.0,60.5"  # 3 square degrees: over 1,000 incidents at every size


def store_of(n: int) -> Path:
    DATA.mkdir(exist_ok=True)
    db = DATA / f"paging-{n}.db"
    if not db.exists():
        print(f"writing {db} ...", flush=True)
        partial = db.with_suffix(".partial")
        partial.unlink(missing_ok=True)
        store = SQLiteStore(partial)
        try:
            seed_incidents(store, n, random.Random(n), batch=20_000)
        finally:
            store.close()
        partial.rename(db)
    return db


def measure(n: int) -> dict[str, float]:
    db = store_of(n)
    police = Scope(Agency.POLICE)
    figures: dict[str, float] = {}
    store = SQLiteStore(db, create=False)
    try:
        middle = (f"inc-{n // 2}",)
        figures["store: first page of 10"] = median_seconds(
            lambda: store.query(Query("incident", limit=10, seen_by=police)), 200)
        figures["store: page of 10 half-way in"] = median_seconds(
            lambda: store.query(Query("incident", limit=10, seen_by=police, after=middle)), 200)
        figures["store: one record"] = median_seconds(
            lambda: store.get("incident", f"inc-{n // 3}"), 200)
    finally:
        store.close()
    token = Tokens(db).create(f"paging-analyst-{random.random()}", "centre", "analyst")[1]
    app = create_app({"DB": str(db), "TESTING": True})
    client = app.test_client()
    auth = {"Authorization": f"Bearer {token}"}
    items = "/ogc/collections/incidents/items"

    def get(url: str) -> None:
        answer = client.get(url, headers=auth)
        assert answer.status_code == 200, (url, answer.status_code)
        if "limit=1000" in url:
            assert answer.get_json()["numberReturned"] == 1000

    figures["service: items?limit=10"] = median_seconds(lambda: get(f"{items}?limit=10"), 50)
    figures["service: items?limit=1000&bbox"] = median_seconds(
        lambda: get(f"{items}?limit=1000&bbox={BOX}"), 10)
    figures["service: one item"] = median_seconds(lambda: get(f"{items}/inc-{n // 3}"), 50)
    return figures


def main() -> None:
    results = {n: measure(n) for n in SIZES}
    names = list(results[SIZES[0]])
    print(f"{'median, ms':<36}" + "".join(f"{n:>12,}" for n in SIZES) + "   1M / 10k")
    for name in names:
        row = [results[n][name] * 1000 for n in SIZES]
        print(f"{name:<36}" + "".join(f"{v:>12.3f}" for v in row) + f"   {row[-1] / row[0]:.2f}")


if __name__ == "__main__":
    main()

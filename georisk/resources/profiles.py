"""How fast each kind of unit travels: on the roads, off them, or (a helicopter) straight.

The road graph's speeds are planning figures per road class (`georisk.roads.network`),
the same for every vehicle. A fire engine is heavy and slower on a motorway; an
ambulance or a patrol car on blue lights is faster than the class speed. A profile
scales the class speed and caps it, so one graph serves every kind. The figures are
planning assumptions, stated in every answer, not measurements.
"""

from __future__ import annotations

from dataclasses import dataclass

from georisk.model import UnitKind

#: Straight-line speed off the network (a yard, a forest track, the last stretch on foot):
#: the leg from a unit to its nearest road and from the road to the incident.
ACCESS_KMH = 30.0


@dataclass(frozen=True)
class Profile:
    """A way of travelling: road speeds as ``factor`` × class speed, at most ``cap_kmh``;
    or, with ``straight_kmh``, a straight line at that speed after ``start_s``."""

    name: str
    factor: float = 1.0
    cap_kmh: float = 130.0
    straight_kmh: float | None = None
    start_s: float = 0.0

    @property
    def by_road(self) -> bool:
        return self.straight_kmh is None

    def describe(self) -> dict[str, float | str | None]:
        return {"profile": self.name, "factor": self.factor, "cap_kmh": self.cap_kmh,
                "straight_kmh": self.straight_kmh, "start_s": self.start_s}


HEAVY = Profile("heavy", factor=1.0, cap_kmh=90.0)
AMBULANCE = Profile("ambulance", factor=1.15, cap_kmh=130.0)
CAR = Profile("car", factor=1.2, cap_kmh=140.0)
#: Lift-off and climb take a few minutes; then a straight line at cruising speed.
HELICOPTER = Profile("helicopter", straight_kmh=220.0, start_s=300.0)

PROFILES: dict[UnitKind, Profile] = {
    UnitKind.ENGINE: HEAVY,
    UnitKind.TANKER: HEAVY,
    UnitKind.AERIAL: HEAVY,
    UnitKind.RESCUE: HEAVY,
    UnitKind.BOAT: HEAVY,  # on its trailer
    UnitKind.OTHER: HEAVY,
    UnitKind.AMBULANCE: AMBULANCE,
    UnitKind.PATROL: CAR,
    UnitKind.COMMAND: CAR,
    UnitKind.HELICOPTER: HELICOPTER,
}


def profile_of(kind: UnitKind | str) -> Profile:
    return PROFILES[UnitKind(kind)]

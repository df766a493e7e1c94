"""The operating area: boundaries, who is responsible where, and attributing points to them.

Importing this package is cheap; boundaries and trees load on first use and are cached.
"""

from georisk.area.attribution import Attribution, Method, attribute, attribute_point
from georisk.area.boundaries import OPERATING_COUNTY_CODES, counties, municipalities
from georisk.area.responsibility import MembershipStatus, Responsibility, responsibility

__all__ = [
    "OPERATING_COUNTY_CODES",
    "Attribution",
    "MembershipStatus",
    "Method",
    "Responsibility",
    "attribute",
    "attribute_point",
    "counties",
    "municipalities",
    "responsibility",
]

"""The answers' defaults and bounds, apart from the code that needs scipy, so that the
command line and the API's parameter models load without it."""

from __future__ import annotations

DEFAULT_K = 5  # units suggested
MAX_K = 50
DEFAULT_MINUTES = (10, 20, 30)  # isochrones
MAX_MINUTES = 120
DEFAULT_GAP_MINUTES = 20  # beyond this, a place is a coverage gap

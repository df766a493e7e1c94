"""georisk: the core library of a shared risk and resource picture.

No Flask and no folium here; `layers` and `app` build on this package.
"""

__version__ = "0.1.0"

"""Forest-fire risk: the Canadian FWI system, danger classes and risk zones.

``fwi`` holds the equations, ``classes`` the Swedish and EFFIS danger scales,
``station_table`` the cffdrs-style CSV behind ``georisk fwi``, ``station_weather``
and ``zones`` turn station observations into classified polygons for the map, and
``synthetic`` makes seeded season weather for demos. See docs/firerisk.md.
"""

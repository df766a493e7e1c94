"""Forest-fire risk: the Canadian FWI system, danger classes and risk zones.

``fwi`` holds the equations, ``classes`` the Swedish and EFFIS danger scales and
``zones`` turns station weather into classified polygons for the map.
"""

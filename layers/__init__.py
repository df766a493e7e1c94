"""Map layers: turn domain records into styled GeoJSON, folium layers and legend entries.

Depends on `georisk`, never on Flask.
"""

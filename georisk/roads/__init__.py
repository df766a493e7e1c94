"""Road network: an approximate schematic fallback, real imports, and the routing graph."""

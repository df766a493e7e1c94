"""Resources: travel times on the road network, suggested units, coverage and the risk
brief of a new incident. Core only (no Flask): the API, the stream and the CLI call it.
"""

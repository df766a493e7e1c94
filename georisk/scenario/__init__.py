"""A synthetic but plausible year of activity in the five counties, for demos and benchmarks.

Deterministic: the same seed and options give the same journal, byte for byte.
"""

from georisk.scenario.generate import (
    ACTOR,
    ScenarioOptions,
    ScenarioSummary,
    build,
    generate,
)

__all__ = ["ACTOR", "ScenarioOptions", "ScenarioSummary", "build", "generate"]

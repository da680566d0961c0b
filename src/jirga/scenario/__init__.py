"""Scenarios: actors, issues, stances and their evidence; the formats they are read from."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from jirga.scenario.formats import FORMATS, read_scenario, write_scenario
from jirga.scenario.model import Actor, Anchor, Evidence, Interval, Issue, Scenario, Source, Stance, Value

DEFAULT_SCENARIO = "afghanistan.yaml"


def default_scenario_path() -> Path:
    """The embedded Afghan peace process scenario (2018-2021) that ships with jirga."""
    return Path(str(resources.files("jirga.scenario") / "data" / DEFAULT_SCENARIO))


def load_scenario(path: str | Path | None = None) -> Scenario:
    """Read a scenario in any supported format; with no path, the embedded default."""
    return read_scenario(default_scenario_path() if path is None else path)


__all__ = [
    "FORMATS", "Actor", "Anchor", "Evidence", "Interval", "Issue", "Scenario", "Source", "Stance", "Value",
    "default_scenario_path", "load_scenario", "read_scenario", "write_scenario",
]

"""What happened: the outcome of each issue on its scale, for scoring forecasts in hindsight.

An outcome file is YAML (documented in docs/hindcast.md)::

    scenario: Afghan peace process 2018-2021
    outcomes:
      - issue: withdrawal
        value: 100
        date: 2021-08-30
        source: "US Department of Defense, press briefing, 30 August 2021"
        rationale: the last US troops left Kabul on the calendar deadline, no conditions applied
"""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

from pydantic import Field

from jirga.errors import JirgaError, ScenarioErrors
from jirga.scenario.model import Scenario, StrictModel
from jirga.scenario.native import field_name, line_of, read_text, validate_yaml


class Outcome(StrictModel):
    issue: str
    value: float
    date: dt.date
    source: str = Field(min_length=1)
    rationale: str = Field(min_length=1)


class Outcomes(StrictModel):
    scenario: str = ""
    outcomes: tuple[Outcome, ...]

    def for_issue(self, issue_id: str) -> Outcome | None:
        return next((outcome for outcome in self.outcomes if outcome.issue == issue_id), None)


def default_outcomes_path() -> Path:
    """The outcomes of 2021 for the embedded Afghan scenario."""
    return Path(str(resources.files("jirga.scenario") / "data" / "afghanistan-outcomes.yaml"))


def read_outcomes(path: str | Path | None, scenario: Scenario) -> Outcomes:
    """Read an outcome file and check it against the scenario's issues and scales."""
    path = Path(path) if path is not None else default_outcomes_path()
    document, outcomes = validate_yaml(read_text(path), path, Outcomes)
    problems: list[JirgaError] = []
    issues = {issue.id: issue for issue in scenario.issues}
    seen: set[str] = set()
    for index, outcome in enumerate(outcomes.outcomes):
        issue = issues.get(outcome.issue)
        if issue is None:
            problems.append(_problem(path, document, index, "issue", f"unknown issue {outcome.issue!r}"))
        elif not issue.lower <= outcome.value <= issue.upper:
            problems.append(_problem(path, document, index, "value", f"{outcome.value:g} lies outside the scale of {issue.id!r}"))
        if outcome.issue in seen:
            problems.append(_problem(path, document, index, "issue", f"second outcome for {outcome.issue!r}"))
        seen.add(outcome.issue)
    if problems:
        raise ScenarioErrors(problems)
    return outcomes


def _problem(path: Path, document: object, index: int, name: str, message: str) -> JirgaError:
    loc = ("outcomes", index, name)
    return JirgaError(message, file=path, line=line_of(document, loc), field=field_name(loc))

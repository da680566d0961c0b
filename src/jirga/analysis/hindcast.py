"""Hindcast: forecast as of each evidence date with only what was known then, score against outcomes.

For every date on which a source was published, every model forecasts the scenario as of that
date (:meth:`Scenario.current_stances`), and so do two naive baselines: the status quo (the
issue's ``status_quo``, when the scenario gives one) and the unweighted mean of the
participants' positions. Each forecast is scored by its absolute error in percent of the
issue's scale (the 0-100 scale's own units for the usual scale).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from jirga.forecast import ForecastResult, run_forecast
from jirga.models import Problem
from jirga.scenario.model import Scenario
from jirga.scenario.outcomes import Outcomes

STATUS_QUO = "status quo"
UNWEIGHTED_MEAN = "unweighted mean"
BASELINES = (STATUS_QUO, UNWEIGHTED_MEAN)
TREND_MARKS = {"toward": "↓", "away": "↑", "flat": "·"}
"""How tables mark a trend: closer to the outcome at the last date than at the first, farther, unchanged."""


@dataclass(frozen=True)
class Score:
    """One forecaster's forecast of one issue as of one date, against the outcome."""

    date: dt.date
    issue: str
    forecaster: str
    forecast: float
    outcome: float
    error: float
    """|forecast - outcome| in percent of the issue's scale."""


@dataclass(frozen=True)
class Hindcast:
    """Every score of a hindcast: the models and baselines (``forecasters``) on the issues that
    have an outcome, as of each evidence date."""

    scenario: str
    dates: tuple[dt.date, ...]
    forecasters: tuple[str, ...]
    issues: tuple[str, ...]
    scores: tuple[Score, ...]

    @cached_property
    def _by_key(self) -> dict[tuple[str, str, dt.date], Score]:
        """The scores by (forecaster, issue, date), built on first use (charts and tables look up every cell)."""
        index: dict[tuple[str, str, dt.date], Score] = {}
        for s in self.scores:
            index.setdefault((s.forecaster, s.issue, s.date), s)
        return index

    def score(self, forecaster: str, issue: str, date: dt.date) -> Score | None:
        """The score of ``forecaster`` on ``issue`` as of ``date`` (None: it made no forecast then)."""
        return self._by_key.get((forecaster, issue, date))

    def trend(self, forecaster: str, issue: str) -> str:
        """'toward' if the last forecast is closer to the outcome than the first, 'away' if farther."""
        errors = [s.error for s in self.scores if s.forecaster == forecaster and s.issue == issue]
        if len(errors) < 2 or abs(errors[-1] - errors[0]) < 1e-9:
            return "flat"
        return "toward" if errors[-1] < errors[0] else "away"

    def ranked(self) -> list[str]:
        """The forecasters by mean error at the last date, best first (those with no score last)."""
        errors = {name: self.mean_error(name) for name in self.forecasters}
        return sorted(self.forecasters, key=lambda name: (errors[name] is None, errors[name] or 0.0))

    def mean_error(self, forecaster: str, date: dt.date | None = None) -> float | None:
        """Mean error over issues at ``date`` (default: the last date)."""
        date = date or self.dates[-1]
        errors = [s.error for s in self.scores if s.forecaster == forecaster and s.date == date]
        return float(np.mean(errors)) if errors else None

    def to_json(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario,
            "dates": [date.isoformat() for date in self.dates],
            "forecasters": list(self.forecasters),
            "scores": [
                {
                    "date": s.date.isoformat(),
                    "issue": s.issue,
                    "forecaster": s.forecaster,
                    "forecast": s.forecast,
                    "outcome": s.outcome,
                    "error": s.error,
                }
                for s in self.scores
            ],
            "summary": [
                {
                    "forecaster": forecaster,
                    "mean_error_last": self.mean_error(forecaster),
                    "trends": {issue: self.trend(forecaster, issue) for issue in self.issues},
                }
                for forecaster in self.forecasters
            ],
        }


def evidence_dates(scenario: Scenario) -> tuple[dt.date, ...]:
    """The distinct publication dates of the scenario's sources, in order."""
    return tuple(sorted({source.date for source in scenario.sources if source.date is not None}))


AsOf = tuple[dt.date, Problem, list[str], ForecastResult | None]
"""A date, the scenario's problem as of it, the issues someone had a stance on by then, and
every model's forecast (None when there are no such issues)."""


def forecasts_as_of(
    scenario: Scenario,
    models: list[str],
    issues: list[str],
    dates: tuple[dt.date, ...],
    seed: int = 0,
    parameters: dict[str, Any] | None = None,
) -> Iterator[AsOf]:
    """As of each date: the scenario's problem, those of ``issues`` someone had a stance on by
    then, and every model's forecast of them (None when there are none), seeded as
    ``jirga forecast --as-of`` is. The one loop behind the hindcast and the report's history."""
    for date in dates:
        problem = Problem.from_scenario(scenario, date)
        known = [issue for issue in issues if problem.present[:, problem.issues.index(issue)].any()]
        result = run_forecast(scenario, models, known, parameters, as_of=date, seed=seed) if known else None
        yield date, problem, known, result


def hindcast(
    scenario: Scenario,
    outcomes: Outcomes,
    models: list[str],
    dates: tuple[dt.date, ...] | None = None,
    seed: int = 0,
    parameters: dict[str, Any] | None = None,
    forecasts: Iterable[AsOf] | None = None,
) -> Hindcast:
    """Forecast as of each date with each model (``parameters`` as :func:`run_forecast` takes
    them) and baseline, and score against ``outcomes``. ``forecasts`` are the models' forecasts
    as of the same dates (:func:`forecasts_as_of` of these models and at least the scored
    issues) when the caller has them already."""
    dates = dates or evidence_dates(scenario)
    issues = tuple(issue for issue in scenario.issues if outcomes.for_issue(issue.id) is not None)
    scored = [issue.id for issue in issues]
    if forecasts is None:
        forecasts = forecasts_as_of(scenario, models, scored, dates, seed, parameters)
    scores: list[Score] = []
    for date, problem, known, result in forecasts:
        if result is None:
            continue
        for issue in (scenario.issue(issue_id) for issue_id in known if issue_id in scored):
            column = problem.issues.index(issue.id)
            by_forecaster = {run.name: run.forecast(issue.id) for run in result.runs}
            by_forecaster[UNWEIGHTED_MEAN] = float(problem.position[problem.present[:, column], column].mean())
            if issue.status_quo is not None:
                by_forecaster[STATUS_QUO] = issue.status_quo
            outcome = outcomes.for_issue(issue.id).value
            for forecaster, value in by_forecaster.items():
                error = abs(value - outcome) * 100 / (issue.upper - issue.lower)
                scores.append(Score(date, issue.id, forecaster, value, outcome, error))
    return Hindcast(scenario.name, tuple(dates), (*models, *BASELINES), tuple(issue.id for issue in issues), tuple(scores))

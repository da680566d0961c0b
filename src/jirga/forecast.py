"""The Python API for a forecast: run several models on a scenario and read the results.

>>> from jirga.forecast import run_forecast
>>> from jirga.scenario import load_scenario
>>> result = run_forecast(load_scenario(), models=["compromise", "median"])
>>> result.runs[0].forecast("withdrawal")  # doctest: +SKIP
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import zlib
from dataclasses import dataclass, fields
from typing import Any

import numpy as np

from jirga import __version__
from jirga.errors import JirgaError
from jirga.models import Model, Problem, Trajectory, make_model, parameters
from jirga.models.base import Array, BoolArray
from jirga.scenario.model import Issue, Scenario

JSON_SCHEMA_VERSION = 1


def model_rng(seed: int, model_name: str) -> np.random.Generator:
    """A generator for one model: same seed and model, same draws, whatever else runs beside it."""
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(model_name.encode()),)))


@dataclass(frozen=True)
class ModelRun:
    model: Model
    trajectory: Trajectory
    present: BoolArray
    """``(n_actors, n_issues)``: which actor takes part on which issue."""

    @property
    def name(self) -> str:
        return self.model.name

    @property
    def title(self) -> str:
        return self.model.title

    def _column(self, issue_id: str) -> int:
        return self.trajectory.issues.index(issue_id)

    def forecast(self, issue_id: str) -> float:
        return float(self.trajectory.forecast[..., self._column(issue_id)])

    def rounds(self, issue_id: str) -> int:
        return int(self.trajectory.rounds[..., self._column(issue_id)])

    def issue_actors(self, issue_id: str) -> tuple[str, ...]:
        return tuple(actor for actor, row in zip(self.trajectory.actors, self.present[:, self._column(issue_id)]) if row)

    def issue_positions(self, issue_id: str) -> Array:
        """``(n_rounds + 1, n_participants)``: the participants' positions round by round."""
        column = self._column(issue_id)
        return self.trajectory.positions[:, self.present[:, column], column]


@dataclass(frozen=True)
class ForecastResult:
    scenario: Scenario
    issues: tuple[Issue, ...]
    runs: tuple[ModelRun, ...]
    as_of: dt.date | None
    left_out: tuple[str, ...]
    """Stances not used because all of their evidence postdates ``as_of``."""
    unheard: tuple[str, ...] = ()
    """Issues left out because nobody had a stance on them (by ``as_of``)."""

    @property
    def as_of_note(self) -> str:
        if self.as_of is None:
            note = "latest stances"
        else:
            note = f"{len(self.left_out)} later stances left out" if self.left_out else "no stance left out"
        return note + (f"; nobody has a stance on {', '.join(self.unheard)} yet" if self.unheard else "")

    def to_json(self, rounds: bool = False) -> dict[str, Any]:
        """The stable JSON form (schema version 1, documented in docs/cli.md)."""
        data: dict[str, Any] = {
            "schema": JSON_SCHEMA_VERSION,
            "jirga": __version__,
            "scenario": self.scenario.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "left_out": list(self.left_out),
            "unheard": list(self.unheard),
            "models": [{"name": run.name, "title": run.title, "parameters": _plain(parameters(run.model))} for run in self.runs],
            "issues": [],
        }
        for issue in self.issues:
            entry: dict[str, Any] = {
                "id": issue.id,
                "name": issue.name,
                "lower": issue.lower,
                "upper": issue.upper,
                "forecasts": [_forecast_entry(run, issue) for run in self.runs],
            }
            if rounds:
                entry["trajectories"] = {
                    run.name: {"actors": list(run.issue_actors(issue.id)), "positions": run.issue_positions(issue.id).tolist()}
                    for run in self.runs
                }
            data["issues"].append(entry)
        return data

    def to_csv(self, rounds: bool = False) -> str:
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\n")
        if rounds:
            writer.writerow(["issue", "model", "round", "actor", "position"])
            for issue in self.issues:
                for run in self.runs:
                    positions = run.issue_positions(issue.id)
                    for index, row in enumerate(positions):
                        for actor, value in zip(run.issue_actors(issue.id), row):
                            writer.writerow([issue.id, run.name, index, actor, repr(float(value))])
        else:
            writer.writerow(["issue", "model", "forecast", "label", "rounds"])
            for issue in self.issues:
                for run in self.runs:
                    value = run.forecast(issue.id)
                    writer.writerow([issue.id, run.name, repr(value), issue.label(value), run.rounds(issue.id)])
        return stream.getvalue()


def _forecast_entry(run: ModelRun, issue: Issue) -> dict[str, Any]:
    value = run.forecast(issue.id)
    return {"model": run.name, "value": value, "label": issue.label(value), "rounds": run.rounds(issue.id)}


def _plain(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value if isinstance(value, (int, float, str, bool, type(None))) else str(value) for key, value in values.items()}


def issue_columns(scenario: Scenario, chosen: list[str] | None) -> tuple[int, ...]:
    """The columns of the ``chosen`` issue ids in the scenario's order of issues (all of them when
    none are chosen); an unknown id is an error of ``--issue``."""
    known = [issue.id for issue in scenario.issues]
    unknown = [issue_id for issue_id in chosen or () if issue_id not in known]
    if unknown:
        raise JirgaError(f"unknown issue {unknown[0]!r} (known: {', '.join(sorted(known))})", field="--issue")
    return tuple(known.index(issue_id) for issue_id in chosen) if chosen else tuple(range(len(known)))


def heard_columns(
    scenario: Scenario, problem: Problem, issues: list[str] | None, as_of: dt.date | None
) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """The columns of the chosen issues (all by default) that someone has a stance on in
    ``problem`` (the scenario as of ``as_of``), and the ids of those nobody has a stance on yet:
    they are left out, unless asked for by name, which is an error."""
    columns = issue_columns(scenario, issues)
    heard = tuple(column for column in columns if problem.present[:, column].any())
    unheard = tuple(scenario.issues[column].id for column in columns if column not in heard)
    if unheard and issues:
        raise JirgaError(f"no actor has a stance on issue {unheard[0]!r} as of {as_of}", field="--as-of")
    if not heard:
        raise JirgaError(f"no actor has a stance on any issue as of {as_of}", field="--as-of")
    return heard, unheard


def run_forecast(
    scenario: Scenario,
    models: list[str],
    issues: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    seed: int = 0,
) -> ForecastResult:
    """Run each named model on ``scenario`` (as of a date if given) and collect the results.

    ``parameters`` go to every model that has a parameter of that name; a name no chosen
    model knows is an error. Issues nobody has a stance on (yet, as of the date) are left out
    of the result (``unheard``), unless they are asked for by name, which is an error.
    """
    parameters = parameters or {}
    problem = Problem.from_scenario(scenario, as_of)
    heard, unheard = heard_columns(scenario, problem, issues, as_of)
    chosen_issues = tuple(scenario.issues[column] for column in heard)
    used: set[str] = set()
    runs: list[ModelRun] = []
    for name in models:
        own = {item.name for item in fields(make_model(name))}  # type: ignore[arg-type]
        chosen = {key: value for key, value in parameters.items() if key in own}
        used |= chosen.keys()
        model = make_model(name, **chosen)
        trajectory = model.forecast(problem, model_rng(seed, name))
        runs.append(ModelRun(model, trajectory, problem.present))
    unused = set(parameters) - used
    if unused:
        raise JirgaError(f"no chosen model has a parameter {sorted(unused)[0]!r}", field="--param")
    left_out: tuple[str, ...] = ()
    if as_of is not None:
        dated = ((stance, scenario.stance_date(stance)) for stance in scenario.stances)
        left_out = tuple(f"{stance.actor}/{stance.issue} ({date})" for stance, date in dated if date is not None and date > as_of)
    return ForecastResult(scenario, chosen_issues, tuple(runs), as_of, left_out, unheard)

"""The one protocol every bargaining model follows, and the arrays it works on.

A model is a frozen dataclass whose fields are its parameters (as scikit-learn estimators
keep theirs in ``__init__``) and whose :meth:`Model.forecast` is a pure function of a
:class:`Problem` and a NumPy random generator, returning a :class:`Trajectory`.

Arrays may carry leading batch dimensions (``...``) so that Monte Carlo runs many perturbed
problems in one call; a model that cannot batch says so with ``batched = False`` and the
analysis loops for it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from jirga.scenario.model import Scenario

Array = NDArray[np.float64]
IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]


@dataclass(frozen=True)
class Problem:
    """The numbers of a scenario as arrays, actors along one axis and issues along the next.

    ``capability``, ``position`` and ``salience`` have shape ``(..., n_actors, n_issues)``;
    ``present[a, i]`` says whether actor ``a`` takes part on issue ``i`` (it has a stance).
    Absent cells hold capability 0, salience 0 and the issue's midpoint, so weighted sums
    ignore them; models that need only the participants use :meth:`issue`.
    """

    actors: tuple[str, ...]
    issues: tuple[str, ...]
    capability: Array
    position: Array
    salience: Array
    lower: Array
    upper: Array
    present: BoolArray

    @property
    def n_actors(self) -> int:
        return len(self.actors)

    @property
    def n_issues(self) -> int:
        return len(self.issues)

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.position.shape[:-2]

    @property
    def weight(self) -> Array:
        """Capability x salience, the weight of an actor's voice on an issue."""
        return self.capability * self.salience

    def issue(self, index: int) -> Problem:
        """The one-issue problem of issue ``index`` with only the actors that take part on it."""
        rows = np.flatnonzero(self.present[:, index])
        take = (Ellipsis, rows, slice(index, index + 1))
        return Problem(
            actors=tuple(self.actors[row] for row in rows),
            issues=(self.issues[index],),
            capability=self.capability[take],
            position=self.position[take],
            salience=self.salience[take],
            lower=self.lower[index : index + 1],
            upper=self.upper[index : index + 1],
            present=np.ones((rows.size, 1), dtype=bool),
        )

    def with_values(self, **arrays: Array) -> Problem:
        """A copy with some of ``capability``, ``position``, ``salience`` replaced (batch dims allowed)."""
        return replace(self, **arrays)

    @classmethod
    def from_scenario(cls, scenario: Scenario, as_of: dt.date | None = None) -> Problem:
        """The arrays of ``scenario`` with each actor's latest stance held by ``as_of``."""
        actors = tuple(actor.id for actor in scenario.actors)
        issues = tuple(issue.id for issue in scenario.issues)
        actor_row = {actor_id: row for row, actor_id in enumerate(actors)}
        issue_column = {issue_id: column for column, issue_id in enumerate(issues)}
        lower = np.array([issue.lower for issue in scenario.issues], dtype=float)
        upper = np.array([issue.upper for issue in scenario.issues], dtype=float)
        shape = (len(actors), len(issues))
        capability = np.zeros(shape)
        salience = np.zeros(shape)
        position = np.broadcast_to((lower + upper) / 2, shape).copy()
        present = np.zeros(shape, dtype=bool)
        for stance in scenario.current_stances(as_of):
            row, column = actor_row[stance.actor], issue_column[stance.issue]
            own = stance.capability if stance.capability is not None else scenario.actors[row].capability
            capability[row, column] = own.value
            position[row, column] = stance.position.value
            salience[row, column] = stance.salience.value
            present[row, column] = True
        return cls(actors, issues, capability, position, salience, lower, upper, present)


@dataclass(frozen=True)
class Trajectory:
    """What a model run produced.

    ``positions`` has shape ``(..., n_rounds + 1, n_actors, n_issues)``: round 0 is the input.
    A run that stops early (or an issue that converges before another) repeats its last state
    up to the longest run; ``rounds`` (shape ``(..., n_issues)``) says how many rounds each
    issue really took. ``forecast`` has shape ``(..., n_issues)``. ``diagnostics`` holds
    model-specific arrays and tables (documented by each model).
    """

    model: str
    actors: tuple[str, ...]
    issues: tuple[str, ...]
    positions: Array
    forecast: Array
    rounds: IntArray
    diagnostics: dict[str, Any] = field(default_factory=dict)

    @property
    def final_positions(self) -> Array:
        return self.positions[..., -1, :, :]


@runtime_checkable
class Model(Protocol):
    """A bargaining model: parameters as fields, a pure ``forecast``."""

    name: ClassVar[str]
    title: ClassVar[str]
    batched: ClassVar[bool]
    """Whether ``forecast`` accepts problems with leading batch dimensions."""

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory: ...


def parameters(model: Model) -> dict[str, Any]:
    """A model's parameters by name, as scikit-learn's ``get_params``."""
    return {item.name: getattr(model, item.name) for item in fields(model)}  # type: ignore[arg-type]


IssueRun = tuple[Array, Array, IntArray, dict[str, Any]]
"""What a one-issue kernel returns: ``(positions, forecast, rounds, diagnostics)``."""


def per_issue(
    model_name: str, problem: Problem, run_issue: Callable[[Problem, np.random.Generator], IssueRun], rng: np.random.Generator
) -> Trajectory:
    """Run a one-issue kernel on every issue (with its participants) and stitch the trajectories.

    ``run_issue(sub_problem, rng)`` returns ``(positions, forecast, rounds, diagnostics)`` with
    positions ``(..., n_rounds + 1, n_participants, 1)``. Absent actors keep their cell's
    placeholder position throughout.
    """
    runs = [run_issue(problem.issue(index), rng) for index in range(problem.n_issues)]
    longest = max(run[0].shape[-3] for run in runs)
    batch = problem.batch_shape
    positions = np.empty((*batch, longest, problem.n_actors, problem.n_issues))
    positions[...] = problem.position[..., None, :, :]
    forecast = np.empty((*batch, problem.n_issues))
    rounds = np.empty((*batch, problem.n_issues), dtype=np.int64)
    diagnostics: dict[str, Any] = {}
    for index, (issue_positions, issue_forecast, issue_rounds, issue_diagnostics) in enumerate(runs):
        rows = np.flatnonzero(problem.present[:, index])
        padded = _pad_rounds(issue_positions[..., 0], longest)
        positions[..., :, rows, index] = padded
        forecast[..., index] = issue_forecast
        rounds[..., index] = issue_rounds
        diagnostics[problem.issues[index]] = issue_diagnostics
    return Trajectory(model_name, problem.actors, problem.issues, positions, forecast, rounds, diagnostics)


def _pad_rounds(positions: Array, length: int) -> Array:
    """Repeat the last round of ``(..., n_rounds + 1, n)`` until it has ``length`` rounds."""
    missing = length - positions.shape[-2]
    if missing == 0:
        return positions
    last = np.repeat(positions[..., -1:, :], missing, axis=-2)
    return np.concatenate([positions, last], axis=-2)

"""The uncertain numbers of a scenario, and perturbed problems drawn from them.

Every capability, position and salience that enters a forecast is one *input*. Its interval
is the one the scenario gives it, or, for a number without one, a default interval of
relative half-width ``spread``:

- position: value ± spread × (upper − lower) of its issue, clipped to the scale;
- salience: value ± spread, clipped to [0, 1];
- capability: value × (1 ± spread), clipped at 0.

An actor's capability is one input shared by every issue it takes part on (unless a stance
gives its own, issue-specific capability, which is then an input of its own); positions and
saliences are one input per stance.

Draws are transforms of uniform numbers u in [0, 1):

- ``uniform``: x = low + u (high − low), flat over the interval;
- ``truncnorm``: a normal centred on the point value with σ = (high − low) / 4, truncated to
  the interval (a symmetric interval is then ± 2σ), by the inverse CDF
  x = value + σ Φ⁻¹(Φ(α) + u (Φ(β) − Φ(α))), α = (low − value)/σ, β = (high − value)/σ
  (the quantile function of :data:`scipy.stats.truncnorm`, written out because it is 20-30×
  faster on arrays; |α|, |β| ≤ 4 so the plain formula loses no precision).

The uniforms come from :func:`unit_draws`, which cuts the run axis into fixed blocks of
:data:`DRAW_BLOCK` runs with one generator each, so that run ``r`` always sees the same draws
whatever the batch size or the number of workers.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import Enum

import numpy as np
from numpy.typing import NDArray
from scipy.special import ndtr, ndtri

from jirga.errors import JirgaError
from jirga.models.base import Array, Problem
from jirga.scenario.model import Scenario, Value

KINDS = ("capability", "position", "salience")
"""The three arrays of a :class:`Problem` that carry uncertain numbers."""

DEFAULT_SPREAD = 0.1
DRAW_BLOCK = 256
"""Runs per input-draw generator: part of the seed's meaning, so never change it."""

INPUT_STREAM, MODEL_STREAM = 0, 1
"""The two families of child seeds: input draws by block, model draws by chunk."""


class Distribution(str, Enum):
    """How a number is drawn within its interval."""

    uniform = "uniform"
    truncnorm = "truncnorm"


def child_generator(seed: int, *path: int) -> np.random.Generator:
    """The generator of the child seed at ``path`` below ``seed``.

    ``SeedSequence(seed, spawn_key=path)`` is the very child that ``SeedSequence(seed).spawn``
    hands out at that index path (``spawn(n)[i].spawn(m)[j]`` has ``path == (i, j)``), made
    directly so that a worker can build chunk ``j``'s generator without spawning ``j`` others.
    """
    return np.random.default_rng(np.random.SeedSequence(seed, spawn_key=path))


def unit_draws(seed: int, start: int, stop: int, n_inputs: int) -> Array:
    """Uniform numbers in [0, 1) of shape ``(stop - start, n_inputs)`` for runs [start, stop).

    Block ``b`` (runs ``b*DRAW_BLOCK`` to ``(b+1)*DRAW_BLOCK``) always comes from the same
    generator, child ``(INPUT_STREAM, b)`` of ``seed``.
    """
    if stop <= start:
        return np.empty((0, n_inputs))
    first, last = start // DRAW_BLOCK, (stop - 1) // DRAW_BLOCK
    blocks = [child_generator(seed, INPUT_STREAM, block).random((DRAW_BLOCK, n_inputs)) for block in range(first, last + 1)]
    offset = first * DRAW_BLOCK
    return np.concatenate(blocks)[start - offset : stop - offset]


@dataclass(frozen=True)
class UncertainInputs:
    """The uncertain inputs of a problem: their names, point values, intervals and cells.

    ``cells[kind]`` is an ``(n_actors, n_issues)`` array giving, for each cell of that
    problem array, the index of the input that fills it, or -1 for an absent cell (which keeps
    the problem's placeholder).
    """

    problem: Problem
    names: tuple[str, ...]
    kinds: tuple[str, ...]
    point: Array
    low: Array
    high: Array
    cells: dict[str, NDArray[np.int64]]

    @property
    def size(self) -> int:
        return len(self.names)

    @classmethod
    def from_scenario(cls, scenario: Scenario, spread: float = DEFAULT_SPREAD, as_of: dt.date | None = None) -> UncertainInputs:
        """The inputs of ``scenario`` as of ``as_of`` (latest stances if None)."""
        if not spread >= 0:
            raise JirgaError(f"the default spread must be >= 0, got {spread}", field="--spread")
        problem = Problem.from_scenario(scenario, as_of)
        row = {actor.id: index for index, actor in enumerate(scenario.actors)}
        column = {issue.id: index for index, issue in enumerate(scenario.issues)}
        cells = {kind: np.full((problem.n_actors, problem.n_issues), -1, dtype=np.int64) for kind in KINDS}
        names: list[str] = []
        kinds: list[str] = []
        bounds: list[tuple[float, float, float]] = []

        def add(name: str, kind: str, value: Value, domain: tuple[float, float], width: float) -> int:
            names.append(name)
            kinds.append(kind)
            bounds.append(_bounds(value, domain, spread * width))
            return len(names) - 1

        shared: dict[str, int] = {}
        for stance in scenario.current_stances(as_of):
            actor, issue = stance.actor, scenario.issue(stance.issue)
            cell = (row[actor], column[issue.id])
            if stance.capability is not None:
                own = stance.capability
                cells["capability"][cell] = add(f"{actor}.{issue.id}.capability", "capability", own, (0.0, np.inf), own.value)
            else:
                if actor not in shared:
                    capability = scenario.actor(actor).capability
                    shared[actor] = add(f"{actor}.capability", "capability", capability, (0.0, np.inf), capability.value)
                cells["capability"][cell] = shared[actor]
            scale = issue.upper - issue.lower
            cells["position"][cell] = add(f"{actor}.{issue.id}.position", "position", stance.position, (issue.lower, issue.upper), scale)
            cells["salience"][cell] = add(f"{actor}.{issue.id}.salience", "salience", stance.salience, (0.0, 1.0), 1.0)
        low, point, high = (np.array(column_values, dtype=float) for column_values in zip(*bounds)) if bounds else (np.empty(0),) * 3
        outside = np.flatnonzero(~((low <= point) & (point <= high)))
        if outside.size:
            index = outside[0]
            raise JirgaError(f"interval [{low[index]:g}, {high[index]:g}] excludes the value {point[index]:g}", field=names[index])
        return cls(problem, tuple(names), tuple(kinds), point, low, high, cells)

    def values(self, units: Array, distribution: Distribution = Distribution.uniform) -> Array:
        """Input values ``(..., n_inputs)`` for uniforms ``units`` in [0, 1] of the same shape."""
        units = np.asarray(units, dtype=float)
        width = self.high - self.low
        if Distribution(distribution) is Distribution.uniform:
            return self.low + units * width
        spread = width / 4 > 0  # False also for widths so small that σ underflows
        sigma = np.where(spread, width / 4, 1.0)
        alpha, beta = ndtr((self.low - self.point) / sigma), ndtr((self.high - self.point) / sigma)
        drawn = self.point + sigma * ndtri(alpha + units * (beta - alpha))
        return np.where(spread, np.clip(drawn, self.low, self.high), self.point)

    def problem_for(self, values: Array) -> Problem:
        """The problem with every input set to ``values`` ``(..., n_inputs)``; batch dims lead."""
        values = np.asarray(values, dtype=float)
        arrays = {}
        for kind in KINDS:
            source = self.cells[kind]
            base = getattr(self.problem, kind)
            filled = values[..., np.maximum(source, 0)] if self.size else np.broadcast_to(base, (*values.shape[:-1], *base.shape))
            arrays[kind] = np.where(source >= 0, filled, base)
        return self.problem.with_values(**arrays)

    def draw(self, runs: int, seed: int, distribution: Distribution = Distribution.uniform, start: int = 0) -> Problem:
        """Runs ``start`` to ``start + runs`` of the perturbed problems seeded by ``seed``, batch dim first."""
        return self.problem_for(self.values(unit_draws(seed, start, start + runs, self.size), distribution))

    def select(self, kinds: tuple[str, ...]) -> NDArray[np.int64]:
        """Indices of the inputs of the given kinds (all when ``kinds`` is empty)."""
        unknown = [kind for kind in kinds if kind not in KINDS]
        if unknown:
            raise JirgaError(f"unknown input kind {unknown[0]!r} (known: {', '.join(KINDS)})", field="--vary")
        return np.array([index for index, kind in enumerate(self.kinds) if not kinds or kind in kinds], dtype=np.int64)


def _bounds(value: Value, domain: tuple[float, float], half_width: float) -> tuple[float, float, float]:
    """(low, point, high): the value's own interval, or point ± half_width; clipped to ``domain``."""
    if value.interval is not None:
        low, high = value.interval.low, value.interval.high
    else:
        low, high = value.value - half_width, value.value + half_width
    return max(low, domain[0]), value.value, min(high, domain[1])

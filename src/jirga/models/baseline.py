"""The two static baselines every bargaining forecast should beat.

Both read each issue on its own and move nobody: the trajectory is the input alone.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from jirga.models.base import Array, Problem, Trajectory


def effective_weight(problem: Problem) -> Array:
    """Capability x salience of the participants, or equal weights on an issue where all are 0."""
    weight = np.where(problem.present, problem.weight, 0.0)
    total = weight.sum(axis=-2, keepdims=True)
    return np.where(total > 0, weight, problem.present.astype(float))


def weighted_mean(position: Array, weight: Array) -> Array:
    """Σ_a w_a x_a / Σ_a w_a over the actor axis (-2); NaN where no actor takes part."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return (weight * position).sum(axis=-2) / weight.sum(axis=-2)


def weighted_median(position: Array, weight: Array) -> Array:
    """The position that splits the weight in half (Black 1948), over the actor axis (-2).

    Sort the positions, accumulate the weights, and take the first position whose cumulative
    weight reaches half the total. Tie rule: when the cumulative weight equals exactly half at
    x_k (within 1e-12 of the total), every point of [x_k, x_(k+1)] is a median and the forecast
    is their midpoint, so that the rule is symmetric under mirroring the scale.
    """
    order = np.argsort(position, axis=-2, kind="stable")
    sorted_position = np.take_along_axis(position, order, axis=-2)
    cumulative = np.cumsum(np.take_along_axis(weight, order, axis=-2), axis=-2)
    total = cumulative[..., -1:, :]
    tolerance = 1e-12 * total
    lower = np.argmax(cumulative >= total / 2 - tolerance, axis=-2)[..., None, :]
    upper = np.argmax(cumulative > total / 2 + tolerance, axis=-2)[..., None, :]
    low = np.take_along_axis(sorted_position, lower, axis=-2)
    high = np.take_along_axis(sorted_position, upper, axis=-2)
    return ((low + high) / 2)[..., 0, :]


def _static(name: str, problem: Problem, forecast: Array) -> Trajectory:
    return Trajectory(
        model=name,
        actors=problem.actors,
        issues=problem.issues,
        positions=problem.position[..., None, :, :].copy(),
        forecast=forecast,
        rounds=np.zeros(forecast.shape, dtype=np.int64),
    )


@dataclass(frozen=True)
class Compromise:
    """The compromise model: the capability x salience weighted mean of positions.

    F_i = Σ_a c_a s_ai x_ai / Σ_a c_a s_ai (Achen 2006, "Evaluating political decision-making
    models", in Thomson et al., The European Union Decides). An issue whose weights are all
    zero falls back to the unweighted mean of its participants. The mean is clipped to the
    issue's scale, which floating-point rounding can leave by one ulp.
    """

    name: ClassVar[str] = "compromise"
    title: ClassVar[str] = "Compromise (weighted mean)"
    batched: ClassVar[bool] = True

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        mean = weighted_mean(problem.position, effective_weight(problem))
        return _static(self.name, problem, np.clip(mean, problem.lower, problem.upper))


@dataclass(frozen=True)
class WeightedMedian:
    """The weighted median voter: the position at which capability x salience splits in half.

    Black's (1948) median voter theorem with votes weighted by c_a s_ai; see
    :func:`weighted_median` for the tie rule. Absent actors carry no weight; an issue nobody
    takes part in has no median (NaN), as the compromise has no mean there.
    """

    name: ClassVar[str] = "median"
    title: ClassVar[str] = "Weighted median"
    batched: ClassVar[bool] = True

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        median = weighted_median(problem.position, effective_weight(problem))
        return _static(self.name, problem, np.where(problem.present.any(axis=-2), median, np.nan))

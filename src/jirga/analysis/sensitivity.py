"""Which inputs move each issue's forecast: one-at-a-time swings and Sobol' indices.

The inputs are those of :class:`jirga.analysis.perturb.UncertainInputs` (each actor's
capability, and its position and salience on each issue), over the same intervals Monte Carlo
draws from.

- One at a time: each input in turn goes to the low and then the high end of its interval,
  every other input staying at its point value; the *swing* is F(high) − F(low) for each issue
  (the "tornado" ranking of decision analysis, e.g. Saltelli et al. 2008, *Global Sensitivity
  Analysis: The Primer*, ch. 1). It misses interactions and costs 2k + 1 forecasts.
- Sobol': the first-order index S1 (the share of the forecast's variance that an input explains
  alone) and the total index ST (its share including every interaction), estimated by Saltelli's
  scheme (Saltelli et al. 2010, *Comput. Phys. Commun.* 181: 259-270) with SALib: N (k + 2)
  forecasts from a scrambled Sobol' sequence, mapped through the chosen distribution, with
  bootstrap confidence intervals.

Both evaluate their problems in chunks on local processes or a Dask cluster, like Monte Carlo.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jirga.analysis.montecarlo import DEFAULT_BATCH_SIZE, forecast_values, point_forecast
from jirga.analysis.parallel import run_chunks
from jirga.analysis.perturb import MODEL_STREAM, Distribution, UncertainInputs, child_generator
from jirga.errors import JirgaError
from jirga.models import Model
from jirga.models.base import Array

DEFAULT_SAMPLES = 256


@dataclass(frozen=True)
class EvaluationJob:
    inputs: UncertainInputs
    model: Model
    seed: int


@dataclass(frozen=True)
class ValuesChunk:
    index: int
    values: Array
    """``(n, n_inputs)``: the inputs of each problem to forecast."""


def forecast_values_chunk(job: EvaluationJob, chunk: ValuesChunk) -> Array:
    """Forecasts ``(n, n_issues)`` of the chunk's problems; model draws from child ``(MODEL_STREAM, index)``."""
    return forecast_values(job.inputs, job.model, chunk.values, child_generator(job.seed, MODEL_STREAM, chunk.index))


def forecast_all(
    inputs: UncertainInputs,
    model: Model,
    values: Array,
    seed: int,
    *,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> Array:
    """Forecasts ``(n, n_issues)`` of the problems with inputs ``values`` ``(n, n_inputs)``, in chunks."""
    if batch_size <= 0:
        raise JirgaError(f"the batch size must be positive, got {batch_size}", field="--batch-size")
    chunks = [ValuesChunk(index, values[start : start + batch_size]) for index, start in enumerate(range(0, len(values), batch_size))]
    progress = on_progress or (lambda count: None)
    results = run_chunks(
        forecast_values_chunk, EvaluationJob(inputs, model, seed), chunks,
        workers=workers, scheduler=scheduler, on_done=lambda chunk: progress(len(chunk.values)),
    )
    return np.concatenate(results)


@dataclass(frozen=True)
class Ranking:
    """The inputs of one issue, most influential first."""

    issue: str
    inputs: tuple[str, ...]
    scores: tuple[float, ...]


@dataclass(frozen=True)
class OneAtATimeResult:
    issues: tuple[str, ...]
    model: Model
    names: tuple[str, ...]
    low: Array
    high: Array
    """``(k,)``: the ends of each varied input's interval."""
    point: Array
    """``(n_issues,)``: the forecast with every input at its point value."""
    at_low: Array
    at_high: Array
    """``(k, n_issues)``: the forecasts with input ``j`` at its low (high) end."""

    def only(self, columns: tuple[int, ...]) -> OneAtATimeResult:
        """The result for the issues of these columns alone."""
        chosen = list(columns)
        return replace(
            self, issues=tuple(self.issues[column] for column in chosen), point=self.point[chosen],
            at_low=self.at_low[:, chosen], at_high=self.at_high[:, chosen],
        )

    @property
    def swing(self) -> Array:
        """``(k, n_issues)``: F(high) − F(low)."""
        return self.at_high - self.at_low

    def rankings(self, top: int | None = None) -> list[Ranking]:
        """Per issue, the inputs by decreasing |swing| (ties keep the inputs' order)."""
        return _rank(self.issues, self.names, self.swing, np.abs(self.swing), top)

    def to_json(self) -> dict[str, Any]:
        return {
            "method": "one-at-a-time",
            "model": self.model.name,
            "point": dict(zip(self.issues, self.point.tolist())),
            "inputs": [
                {
                    "name": name,
                    "low": float(self.low[index]),
                    "high": float(self.high[index]),
                    "at_low": dict(zip(self.issues, self.at_low[index].tolist())),
                    "at_high": dict(zip(self.issues, self.at_high[index].tolist())),
                }
                for index, name in enumerate(self.names)
            ],
        }


def one_at_a_time(
    inputs: UncertainInputs,
    model: Model,
    *,
    seed: int = 0,
    vary: tuple[str, ...] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> OneAtATimeResult:
    """Swing each input of the kinds in ``vary`` (all when empty) across its interval alone."""
    selected = inputs.select(vary)
    k = selected.size
    values = np.repeat(inputs.point[None, :], 2 * k, axis=0)
    values[np.arange(k), selected] = inputs.low[selected]
    values[k + np.arange(k), selected] = inputs.high[selected]
    forecasts = forecast_all(
        inputs, model, values, seed, batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=on_progress
    )
    point = point_forecast(model, inputs.problem, seed)
    return OneAtATimeResult(
        inputs.problem.issues, model, tuple(inputs.names[index] for index in selected),
        inputs.low[selected], inputs.high[selected], point, forecasts[:k], forecasts[k:],
    )


@dataclass(frozen=True)
class SobolResult:
    issues: tuple[str, ...]
    model: Model
    names: tuple[str, ...]
    samples: int
    runs: int
    first: Array
    first_confidence: Array
    total: Array
    total_confidence: Array
    """``(k, n_issues)``: S1, ST and the half-widths of their 95% bootstrap intervals.
    An issue whose forecast does not vary at all has every index 0."""

    def only(self, columns: tuple[int, ...]) -> SobolResult:
        """The result for the issues of these columns alone."""
        chosen = list(columns)
        return replace(
            self, issues=tuple(self.issues[column] for column in chosen), first=self.first[:, chosen],
            first_confidence=self.first_confidence[:, chosen], total=self.total[:, chosen], total_confidence=self.total_confidence[:, chosen],
        )

    def rankings(self, top: int | None = None) -> list[Ranking]:
        """Per issue, the inputs by decreasing total index ST."""
        return _rank(self.issues, self.names, self.total, self.total, top)

    def to_json(self) -> dict[str, Any]:
        issues = self.issues
        return {
            "method": "sobol",
            "model": self.model.name,
            "samples": self.samples,
            "runs": self.runs,
            "inputs": [
                {
                    "name": name,
                    "S1": dict(zip(issues, self.first[index].tolist())),
                    "S1_conf": dict(zip(issues, self.first_confidence[index].tolist())),
                    "ST": dict(zip(issues, self.total[index].tolist())),
                    "ST_conf": dict(zip(issues, self.total_confidence[index].tolist())),
                }
                for index, name in enumerate(self.names)
            ],
        }


def sobol(
    inputs: UncertainInputs,
    model: Model,
    samples: int = DEFAULT_SAMPLES,
    *,
    seed: int = 0,
    distribution: Distribution = Distribution.uniform,
    vary: tuple[str, ...] = (),
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> SobolResult:
    """Sobol' indices of every issue's forecast for the inputs of the kinds in ``vary``.

    ``samples`` (N, a power of 2) is the base sample size; the cost is N (k + 2) forecasts.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    if samples < 2 or samples & (samples - 1):
        raise JirgaError(f"the number of samples must be a power of 2 (at least 2), got {samples}", field="--samples")
    selected = inputs.select(vary)
    k = selected.size
    if k == 0:
        raise JirgaError("no input to vary", field="--vary")
    salib_problem = {"num_vars": k, "names": [inputs.names[index] for index in selected], "bounds": [[0.0, 1.0]] * k}
    units = sobol_sample.sample(salib_problem, samples, calc_second_order=False, seed=seed)
    full_units = np.full((len(units), inputs.size), 0.5)
    full_units[:, selected] = units
    values = np.where(np.isin(np.arange(inputs.size), selected), inputs.values(full_units, distribution), inputs.point)
    forecasts = forecast_all(
        inputs, model, values, seed, batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=on_progress
    )
    n_issues = forecasts.shape[1]
    indices = {name: np.zeros((k, n_issues)) for name in ("S1", "S1_conf", "ST", "ST_conf")}
    for column in range(n_issues):
        output = forecasts[:, column]
        if np.ptp(output) == 0:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            analysis = sobol_analyze.analyze(salib_problem, output, calc_second_order=False, num_resamples=100, seed=seed)
        for name in indices:
            indices[name][:, column] = np.nan_to_num(analysis[name])
    return SobolResult(
        inputs.problem.issues, model, tuple(salib_problem["names"]), samples, len(units),
        indices["S1"], indices["S1_conf"], indices["ST"], indices["ST_conf"],
    )


def _rank(issues: tuple[str, ...], names: tuple[str, ...], scores: Array, keys: Array, top: int | None) -> list[Ranking]:
    rankings = []
    for column, issue in enumerate(issues):
        order = np.argsort(-keys[:, column], kind="stable")[:top]
        rankings.append(Ranking(issue, tuple(names[index] for index in order), tuple(float(scores[index, column]) for index in order)))
    return rankings

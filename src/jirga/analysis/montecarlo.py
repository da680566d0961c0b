"""Monte Carlo: forecast many perturbed versions of a scenario and summarise the spread.

Run ``r`` draws its inputs from the uniforms of :func:`jirga.analysis.perturb.unit_draws`, so
its problem depends on the seed alone. Runs are cut into chunks of ``batch_size`` (chunk ``k``
holds runs ``k*batch_size`` to ``(k+1)*batch_size``); a model that draws random numbers uses
the generator of child seed ``(MODEL_STREAM, k)``. The cut depends on neither the number of
workers nor where they run, so neither changes a number; for models that draw nothing the
batch size does not either.

A batched model forecasts a whole chunk in one call (the perturbed problems stacked on a
leading batch axis); any other model is called run by run.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from jirga import __version__
from jirga.analysis.parallel import run_chunks
from jirga.analysis.perturb import DEFAULT_SPREAD, MODEL_STREAM, Distribution, UncertainInputs, child_generator, unit_draws
from jirga.errors import JirgaError
from jirga.forecast import _plain, model_rng
from jirga.models import Model, Problem, parameters
from jirga.models.base import Array
from jirga.scenario.model import Issue, Scenario

JSON_SCHEMA_VERSION = 1
DEFAULT_BATCH_SIZE = 1000
DEFAULT_BINS = 10


def point_forecast(model: Model, problem: Problem, seed: int) -> Array:
    """``(n_issues,)``: the model's forecast of the unperturbed problem, its generator seeded as
    ``jirga forecast --seed`` seeds it."""
    return np.asarray(model.forecast(problem, model_rng(seed, model.name)).forecast)


def forecast_values(inputs: UncertainInputs, model: Model, values: Array, rng: np.random.Generator) -> Array:
    """Forecasts ``(n, n_issues)`` of the problems with inputs ``values`` ``(n, n_inputs)``."""
    if model.batched:
        return np.asarray(model.forecast(inputs.problem_for(values), rng).forecast).reshape(len(values), -1)
    return np.array([model.forecast(inputs.problem_for(row), rng).forecast for row in values]).reshape(len(values), -1)


@dataclass(frozen=True)
class MonteCarloJob:
    """Everything a worker needs to compute any chunk of runs."""

    inputs: UncertainInputs
    model: Model
    seed: int
    distribution: Distribution


@dataclass(frozen=True)
class RunChunk:
    index: int
    start: int
    stop: int

    @property
    def size(self) -> int:
        return self.stop - self.start


def run_chunks_of(runs: int, batch_size: int) -> list[RunChunk]:
    """Runs [0, runs) cut into consecutive chunks of ``batch_size`` (the last may be shorter)."""
    return [RunChunk(index, start, min(start + batch_size, runs)) for index, start in enumerate(range(0, runs, batch_size))]


def forecast_chunk(job: MonteCarloJob, chunk: RunChunk) -> Array:
    """The forecasts ``(chunk.size, n_issues)`` of the chunk's runs."""
    values = job.inputs.values(unit_draws(job.seed, chunk.start, chunk.stop, job.inputs.size), job.distribution)
    return forecast_values(job.inputs, job.model, values, child_generator(job.seed, MODEL_STREAM, chunk.index))


@dataclass(frozen=True)
class IssueSummary:
    """The distribution of one issue's forecast over the runs."""

    issue: Issue
    point: float
    """The forecast of the unperturbed scenario."""
    mean: float
    std: float
    median: float
    p5: float
    p95: float
    edges: tuple[float, ...]
    counts: tuple[int, ...]
    """Histogram over the issue's scale: ``counts[j]`` runs fell in [edges[j], edges[j+1])."""

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.issue.id,
            "name": self.issue.name,
            "lower": self.issue.lower,
            "upper": self.issue.upper,
            "point": self.point,
            "mean": self.mean,
            "std": self.std,
            "median": self.median,
            "p5": self.p5,
            "p95": self.p95,
            "histogram": {"edges": list(self.edges), "counts": list(self.counts)},
        }


@dataclass(frozen=True)
class MonteCarloResult:
    scenario: Scenario
    issues: tuple[Issue, ...]
    """The issues of the forecasts' columns: the scenario's, or those :meth:`only` keeps."""
    model: Model
    seed: int
    distribution: Distribution
    spread: float
    as_of: dt.date | None
    point: Array
    """``(n_issues,)``: the forecast of the unperturbed scenario."""
    forecasts: Array
    """``(runs, n_issues)``: every run's forecast."""

    @property
    def runs(self) -> int:
        return self.forecasts.shape[0]

    def only(self, columns: tuple[int, ...]) -> MonteCarloResult:
        """The result for the issues of these columns alone."""
        chosen = list(columns)
        return replace(self, issues=tuple(self.issues[column] for column in chosen), point=self.point[chosen], forecasts=self.forecasts[:, chosen])

    def summary(self, bins: int = DEFAULT_BINS) -> list[IssueSummary]:
        """Per issue: mean, standard deviation, median, 5th and 95th percentiles (linear
        interpolation, numpy's default) and a histogram of ``bins`` equal bins over the scale."""
        summaries = []
        p5, median, p95 = np.percentile(self.forecasts, [5, 50, 95], axis=0)
        for column, issue in enumerate(self.issues):
            counts, edges = np.histogram(self.forecasts[:, column], bins=bins, range=(issue.lower, issue.upper))
            summaries.append(
                IssueSummary(
                    issue=issue,
                    point=float(self.point[column]),
                    mean=float(self.forecasts[:, column].mean()),
                    std=float(self.forecasts[:, column].std()),
                    median=float(median[column]),
                    p5=float(p5[column]),
                    p95=float(p95[column]),
                    edges=tuple(float(edge) for edge in edges),
                    counts=tuple(int(count) for count in counts),
                )
            )
        return summaries

    def to_json(self, every_run: bool = True, bins: int = DEFAULT_BINS) -> dict[str, Any]:
        """The summary and (unless ``every_run`` is False) each run's forecast, issues in column order."""
        data: dict[str, Any] = {
            "schema": JSON_SCHEMA_VERSION,
            "jirga": __version__,
            "scenario": self.scenario.name,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "model": {"name": self.model.name, "title": self.model.title, "parameters": _plain(parameters(self.model))},
            "runs": self.runs,
            "seed": self.seed,
            "distribution": self.distribution.value,
            "spread": self.spread,
            "issues": [summary.to_json() for summary in self.summary(bins)],
        }
        if every_run:
            data["forecasts"] = self.forecasts.tolist()
        return data

    def to_csv(self) -> str:
        """One row per run: ``run`` then the forecast of each issue (full precision)."""
        stream = io.StringIO()
        writer = csv.writer(stream, lineterminator="\n")
        writer.writerow(["run", *(issue.id for issue in self.issues)])
        for run, row in enumerate(self.forecasts):
            writer.writerow([run, *(repr(float(value)) for value in row)])
        return stream.getvalue()


def run_montecarlo(
    scenario: Scenario,
    model: Model,
    runs: int,
    seed: int = 0,
    *,
    distribution: Distribution = Distribution.uniform,
    spread: float = DEFAULT_SPREAD,
    as_of: dt.date | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    workers: int | None = None,
    scheduler: str | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> MonteCarloResult:
    """Forecast ``runs`` perturbed versions of ``scenario`` with ``model``.

    ``on_progress(n)`` is called with the number of runs of each chunk as it finishes.
    """
    if runs <= 0:
        raise JirgaError(f"the number of runs must be positive, got {runs}", field="--runs")
    if batch_size <= 0:
        raise JirgaError(f"the batch size must be positive, got {batch_size}", field="--batch-size")
    inputs = UncertainInputs.from_scenario(scenario, spread, as_of)
    job = MonteCarloJob(inputs, model, seed, Distribution(distribution))
    progress = on_progress or (lambda runs_done: None)
    chunks = run_chunks_of(runs, batch_size)
    forecasts = run_chunks(
        forecast_chunk, job, chunks, workers=workers, scheduler=scheduler, on_done=lambda chunk: progress(chunk.size)
    )
    point = point_forecast(model, inputs.problem, seed)
    return MonteCarloResult(scenario, scenario.issues, model, seed, Distribution(distribution), spread, as_of, point, np.concatenate(forecasts))

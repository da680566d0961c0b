"""The analysis sections of the report: Monte Carlo spread, sensitivity tornadoes, what-ifs.

Each function runs one analysis of :mod:`jirga.analysis` for every model of a forecast (with
that model's parameters, the forecast's date and the given seed) and returns a :class:`Section` of
charts and tables. The web app reuses the summaries through :func:`montecarlo_tables`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import plotly.graph_objects as go

from jirga.analysis.montecarlo import DEFAULT_BATCH_SIZE, MonteCarloResult, run_montecarlo
from jirga.analysis.perturb import DEFAULT_SPREAD, UncertainInputs
from jirga.analysis.sensitivity import OneAtATimeResult, one_at_a_time
from jirga.analysis.whatif import Patch, compare
from jirga.forecast import ForecastResult
from jirga.report import figures
from jirga.report.build import Section, environment, figure_html
from jirga.scenario.model import Scenario

Progress = Callable[[str, int, int], None]
"""``progress(what, done, total)``: called as an analysis advances."""


def input_label(scenario: Scenario, name: str, shown_issue: str | None = None) -> str:
    """``"PAK.withdrawal.position"`` -> ``"Pakistan: position on Withdrawal"`` (names as
    :class:`UncertainInputs` gives them: ``actor.capability`` or ``actor.issue.quantity``);
    the issue is left out when it is ``shown_issue``, the one the chart is about."""
    parts = name.split(".")
    actors = {actor.id: actor.name for actor in scenario.actors}
    issues = {issue.id: issue.name for issue in scenario.issues}
    actor = actors.get(parts[0], parts[0])
    if len(parts) == 2:
        return f"{actor}: {parts[1]}"
    if parts[1] == shown_issue:
        return f"{actor}: {parts[2]}"
    return f"{actor}: {parts[2]} on {issues.get(parts[1], parts[1])}"


def run_montecarlo_all(
    result: ForecastResult,
    runs: int,
    *,
    seed: int = 0,
    spread: float = DEFAULT_SPREAD,
    workers: int | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    progress: Progress | None = None,
) -> list[MonteCarloResult]:
    """Monte Carlo of ``runs`` perturbed scenarios for every model of ``result``."""
    return [
        run_montecarlo(
            result.scenario, run.model, runs, seed, spread=spread, as_of=result.as_of, workers=workers, batch_size=batch_size,
            on_progress=_tally(progress, f"Monte Carlo: {run.title}", runs),
        )
        for run in result.runs
    ]


def _tally(progress: Progress | None, what: str, total: int) -> Callable[[int], None]:
    """An ``on_progress(n)`` callback for the analysis functions that reports the running sum."""
    done = 0

    def advance(count: int) -> None:
        nonlocal done
        done += count
        if progress is not None:
            progress(what, done, total)

    return advance


def montecarlo_tables(result: ForecastResult, simulations: Sequence[MonteCarloResult]) -> list[dict[str, Any]]:
    """Per issue: every model's point forecast and the mean, median and 5-95% range of its runs."""
    summaries = [{summary.issue.id: summary for summary in simulation.summary()} for simulation in simulations]
    tables = []
    for issue in result.issues:
        rows = []
        for run, by_issue in zip(result.runs, summaries):
            summary = by_issue[issue.id]
            rows.append({"model": run.name, "title": run.title, "point": summary.point, "mean": summary.mean, "median": summary.median, "p5": summary.p5, "p95": summary.p95, "std": summary.std})
        tables.append({"issue": issue, "rows": rows})
    return tables


def montecarlo_figure(result: ForecastResult, simulations: Sequence[MonteCarloResult], issue_id: str) -> go.Figure:
    """One violin per model: the forecasts of issue ``issue_id`` over every Monte Carlo run."""
    column = [issue.id for issue in result.scenario.issues].index(issue_id)
    issue = result.scenario.issue(issue_id)
    samples = {run.name: simulation.forecasts[:, column] for run, simulation in zip(result.runs, simulations)}
    return figures.distribution_chart(issue, samples, [run.title for run in result.runs])


def montecarlo_section(result: ForecastResult, simulations: Sequence[MonteCarloResult]) -> Section:
    tables = montecarlo_tables(result, simulations)
    charts = {table["issue"].id: figure_html(montecarlo_figure(result, simulations, table["issue"].id), f"figure-montecarlo-{table['issue'].id}") for table in tables}
    first = simulations[0]
    html = environment().get_template("montecarlo.html.j2").render(tables=tables, charts=charts)
    note = (
        f"{first.runs} runs per model, seed {first.seed}: every capability, position and salience drawn "
        f"{first.distribution.value}ly within its interval (± {first.spread:g} of its range where the scenario gives none)."
    )
    return Section("Monte Carlo: how far each forecast can move", html, note, anchor="montecarlo")


def run_sensitivity_all(result: ForecastResult, *, seed: int = 0, spread: float = DEFAULT_SPREAD, workers: int | None = None, progress: Progress | None = None) -> list[OneAtATimeResult]:
    """One-at-a-time swings of every input for every model of ``result``."""
    inputs = UncertainInputs.from_scenario(result.scenario, spread, result.as_of)
    return [
        one_at_a_time(inputs, run.model, seed=seed, workers=workers, on_progress=_tally(progress, f"Sensitivity: {run.title}", 2 * inputs.size))
        for run in result.runs
    ]


def sensitivity_section(result: ForecastResult, swings: Sequence[OneAtATimeResult], top: int = 8) -> Section:
    """A tornado per model and issue: the ``top`` inputs whose swing moves the forecast most."""
    panels = []
    for run, swing in zip(result.runs, swings):
        charts = []
        index = {name: position for position, name in enumerate(swing.names)}
        for column, ranking in enumerate(swing.rankings(top)):
            chosen = [index[name] for name, score in zip(ranking.inputs, ranking.scores) if score != 0]
            if not chosen:
                continue
            issue = result.scenario.issue(ranking.issue)
            figure = figures.tornado_chart(
                issue.name,
                [input_label(result.scenario, swing.names[item], issue.id) for item in chosen],
                swing.at_low[chosen, column],
                swing.at_high[chosen, column],
                float(swing.point[column]),
            )
            charts.append(figure_html(figure, f"figure-tornado-{run.name}-{issue.id}"))
        panels.append({"title": run.title, "charts": charts})
    html = environment().get_template("sensitivity.html.j2").render(panels=panels)
    note = (
        "One input at a time goes to the low, then the high end of its interval while every other stays at its value; "
        f"the bars span the two forecasts, largest swing on top (the {top} largest per issue; inputs that move nothing are left out)."
    )
    return Section("Sensitivity: which numbers matter", html, note, anchor="sensitivity")


def whatif_rows(result: ForecastResult, patches: Sequence[Patch], seed: int = 0) -> list[dict[str, Any]]:
    """Per issue, per model: the base forecast and each patch's forecast and difference."""
    comparisons = [compare(result.scenario, list(patches), run.model, seed=seed, as_of=result.as_of) for run in result.runs]
    issues = [issue.id for issue in result.scenario.issues]
    rows = []
    for issue in result.issues:
        column = issues.index(issue.id)
        cells = []
        for comparison in comparisons:
            base = float(comparison.base.forecast[column])
            cells.append({"base": base, "variants": [_variant_cell(variant.forecast, column, base) for variant in comparison.variants]})
        rows.append({"issue": issue, "cells": cells})
    return rows


def whatif_section(result: ForecastResult, patches: Sequence[Patch], seed: int = 0) -> Section:
    """Every patch's forecast beside the base forecast, model by model."""
    rows = whatif_rows(result, patches, seed)
    html = environment().get_template("whatif.html.j2").render(patches=patches, runs=result.runs, rows=rows)
    return Section("What if: patched scenarios side by side", html, "Each patch is applied to the scenario and forecast by every model; Δ is the change from the base forecast.", anchor="whatif")


def _variant_cell(forecast: np.ndarray, column: int, base: float) -> dict[str, float | None]:
    value = float(forecast[column])
    if not np.isfinite(value):  # the patch removed every participant of the issue
        return {"value": None, "difference": None}
    return {"value": value, "difference": value - base}

"""The report's sections on time: how positions moved between the articles' dates (with each
model's forecast as of each date), and the hindcast against what happened.

Both use the scenario as of each evidence date (:meth:`Scenario.current_stances`) and the same
forecasts, made once (:func:`time_forecasts`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import plotly.graph_objects as go

from jirga.analysis.hindcast import BASELINES, TREND_MARKS, AsOf, Hindcast, evidence_dates, forecasts_as_of
from jirga.analysis.hindcast import hindcast as run_hindcast
from jirga.forecast import ForecastResult
from jirga.report import figures
from jirga.report.build import Section, environment, figure_html
from jirga.scenario.model import Issue, Scenario
from jirga.scenario.outcomes import Outcomes

ModelForecasts = dict[str, dict[str, list[float | None]]]
"""``forecasts[issue][model]``: the model's forecast as of each date (None: nobody had a stance yet)."""


@dataclass(frozen=True)
class Step:
    """One dated stance of an actor on an issue: where its position stood from ``date`` on."""

    date: dt.date
    position: float
    label: str
    """The words of the nearest labelled point of the scale."""
    quote: str
    """The first quote behind the position ("" without evidence)."""
    source: str
    """Where the quote comes from: its source's title, else its document id."""


def position_steps(scenario: Scenario, issue: Issue, dates: tuple[dt.date, ...]) -> dict[str, list[Step]]:
    """Each actor's positions on ``issue`` as they changed up to the last of ``dates``, oldest first.

    A stance known from the start (undated) counts from the first date; a stance known after
    the last date is left out. Consecutive stances at the same position are kept: each is a new
    article confirming it, with its own quote.
    """
    first, last = dates[0], dates[-1]
    titles = {source.id: source.title for source in scenario.sources if source.title}
    steps: dict[str, list[Step]] = {}
    for stance in scenario.stances:
        if stance.issue != issue.id:
            continue
        date = scenario.stance_date(stance) or first
        if date > last:
            continue
        value, evidence = stance.position.value, stance.position.evidence
        quote, source = (evidence[0].quote, titles.get(evidence[0].document, evidence[0].document)) if evidence else ("", "")
        steps.setdefault(stance.actor, []).append(Step(max(date, first), value, issue.label(value), quote, source))
    return {actor: sorted(rows, key=lambda step: step.date) for actor, rows in steps.items()}


def model_forecasts(forecasts: list[AsOf], models: list[str], issues: list[str]) -> ModelForecasts:
    """Every model's forecast of each of ``issues`` as of each date of ``forecasts`` (what
    :func:`forecasts_as_of` gives; None where nobody had a stance on the issue yet)."""
    history: ModelForecasts = {issue: {model: [] for model in models} for issue in issues}
    for _, _, known, result in forecasts:
        for issue in issues:
            for model in models:
                value = result.runs[models.index(model)].forecast(issue) if result is not None and issue in known else None
                history[issue][model].append(value)
    return history


@dataclass(frozen=True)
class History:
    """What "How positions moved" shows: the evidence dates, every model's forecast of each
    issue as of each date, and one chart per issue."""

    dates: tuple[dt.date, ...]
    forecasts: ModelForecasts
    charts: dict[str, go.Figure]
    """``charts[issue id]``."""


def position_history(result: ForecastResult, forecasts: list[AsOf]) -> History | None:
    """Per issue, each actor's dated positions as steps and every model's forecast as of each
    evidence date up to the report's date (from ``forecasts``, see :func:`time_forecasts`);
    None with fewer than two dates."""
    scenario = result.scenario
    shown = [entry for entry in forecasts if result.as_of is None or entry[0] <= result.as_of]
    dates = tuple(entry[0] for entry in shown)
    if len(dates) < 2:
        return None
    models = [run.name for run in result.runs]
    history = model_forecasts(shown, models, [issue.id for issue in result.issues])
    titles = {run.name: run.title for run in result.runs}
    charts = {
        issue.id: figures.history_chart(issue, dates, _named(scenario, position_steps(scenario, issue, dates)), history[issue.id], titles)
        for issue in result.issues
    }
    return History(dates, history, charts)


def history_section(result: ForecastResult, history: History) -> Section:
    """"How positions moved": per issue, the chart and the table of forecasts as of each date."""
    charts = [
        {"issue": issue, "figure": figure_html(history.charts[issue.id], f"figure-history-{issue.id}"), "forecasts": history.forecasts[issue.id]}
        for issue in result.issues
    ]
    titles = {run.name: run.title for run in result.runs}
    html = environment().get_template("history.html.j2").render(charts=charts, dates=history.dates, titles=titles)
    note = (
        "Each actor's position as the articles of each date state it (a step where a later article records a change; "
        "hover a point for the quote behind it), and each model's forecast of the scenario as of each date (dashed), "
        "made with only the stances known by then."
    )
    return Section("How positions moved", html, note, "history")


def _named(scenario: Scenario, steps: dict[str, list[Step]]) -> list[tuple[str, str, list[dt.date], list[float], list[str]]]:
    """Per actor with steps, in the scenario's order (each actor keeping its colour): name, colour,
    the steps' dates and positions, and each step's hover text with the quote behind it."""
    lines = []
    for row, actor in enumerate(scenario.actors):
        if actor.id not in steps:
            continue
        rows = steps[actor.id]
        texts = [
            f"{actor.name}, {step.date:%d %b %Y}: {step.position:g} ({step.label or 'no label'})"
            + (f"<br>“{figures.wrap_label(step.quote, 70, most=6)}”<br>({step.source})" if step.quote else "")
            for step in rows
        ]
        lines.append((actor.name, figures.actor_colour(row), [step.date for step in rows], [step.position for step in rows], texts))
    return lines


def hindcast_charts(hindcast: Hindcast, scenario: Scenario, titles: dict[str, str]) -> dict[str, go.Figure]:
    """``errors``: a heat map of each forecaster's error per issue at the last date (best first);
    ``mean``: each forecaster's mean error over issues as of each date."""
    names = {forecaster: titles.get(forecaster, forecaster) for forecaster in hindcast.forecasters}
    ranked = hindcast.ranked()
    issues = [scenario.issue(issue_id) for issue_id in hindcast.issues]
    return {
        "errors": figures.hindcast_heatmap(hindcast, [names[forecaster] for forecaster in ranked], ranked, issues),
        "mean": figures.hindcast_mean_chart(hindcast, names, BASELINES),
    }


def hindcast_section(hindcast: Hindcast, outcomes: Outcomes, scenario: Scenario, titles: dict[str, str]) -> Section:
    """"Hindcast": the error of every model and baseline per issue as of each date, the outcomes
    with their sources, the tables of ``jirga hindcast`` and every score it gives."""
    names = {forecaster: titles.get(forecaster, forecaster) for forecaster in hindcast.forecasters}
    issues = [scenario.issue(issue_id) for issue_id in hindcast.issues]
    charts = {name: figure_html(figure, f"figure-hindcast-{name}") for name, figure in hindcast_charts(hindcast, scenario, titles).items()}
    html = environment().get_template("hindcast.html.j2").render(
        hindcast=hindcast,
        last=hindcast.dates[-1],
        ranked=hindcast.ranked(),
        names=names,
        issues=issues,
        outcomes=[(issue, outcomes.for_issue(issue.id)) for issue in issues],
        marks=TREND_MARKS,
        charts=charts,
    )
    note = (
        "Every model and two naive baselines forecast the scenario as of each evidence date, with only the stances known then, "
        "scored by the absolute error in % of each issue's scale against the outcome. The same numbers as jirga hindcast prints."
    )
    return Section("Hindcast: the forecasts against what happened", html, note, "hindcast")


def time_forecasts(result: ForecastResult, outcomes: Outcomes | None, seed: int, parameters: dict[str, Any] | None) -> list[AsOf]:
    """The result's models' forecasts of every issue as of each evidence date, made once for both
    sections: every date for a hindcast, else the dates up to the result's."""
    scenario = result.scenario
    dates = tuple(date for date in evidence_dates(scenario) if outcomes is not None or result.as_of is None or date <= result.as_of)
    models = [run.name for run in result.runs]
    return list(forecasts_as_of(scenario, models, [issue.id for issue in scenario.issues], dates, seed, parameters))


def _scored(result: ForecastResult, outcomes: Outcomes | None, forecasts: list[AsOf]) -> Hindcast | None:
    """The hindcast of the result's models against ``outcomes``; None without outcomes or scores."""
    if outcomes is None:
        return None
    scored = run_hindcast(result.scenario, outcomes, [run.name for run in result.runs], forecasts=forecasts)
    return scored if scored.scores else None


def time_sections(
    result: ForecastResult, outcomes: Outcomes | None = None, seed: int = 0, parameters: dict[str, Any] | None = None
) -> list[Section]:
    """The sections on time that have data: "How positions moved" (two evidence dates or more)
    and, with ``outcomes``, the hindcast of the result's models; ``seed`` and ``parameters``
    should be those the result was forecast with."""
    forecasts = time_forecasts(result, outcomes, seed, parameters)
    scored = _scored(result, outcomes, forecasts)
    history = position_history(result, forecasts)
    sections = [history_section(result, history)] if history is not None else []
    if scored is not None and outcomes is not None:
        sections.append(hindcast_section(scored, outcomes, result.scenario, {run.name: run.title for run in result.runs}))
    return sections


def time_charts(
    result: ForecastResult, outcomes: Outcomes | None = None, seed: int = 0, parameters: dict[str, Any] | None = None
) -> dict[str, go.Figure]:
    """The same charts by name, for slides: ``history-<issue id>``, ``hindcast-errors``, ``hindcast-mean``."""
    forecasts = time_forecasts(result, outcomes, seed, parameters)
    scored = _scored(result, outcomes, forecasts)
    history = position_history(result, forecasts)
    charts = {f"history-{issue}": chart for issue, chart in history.charts.items()} if history is not None else {}
    if scored is not None:
        titles = {run.name: run.title for run in result.runs}
        charts |= {f"hindcast-{name}": chart for name, chart in hindcast_charts(scored, result.scenario, titles).items()}
    return charts

"""Assemble the HTML report: forecasts, figures, evidence and (where it has run) analysis.

The report is one self-contained file: Plotly's JavaScript is embedded once in the page
head, so the file opens offline. Sections whose data are missing (no dynamic model, no
evidence, no analysis) are left out rather than shown empty.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote as url_quote

import plotly.graph_objects as go
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs

from jirga import __version__
from jirga.files import atomic_write_text
from jirga.forecast import ForecastResult, run_forecast
from jirga.models import MODELS, Problem
from jirga.report import figures
from jirga.report.evidence import quote_span, store_events, stored_document
from jirga.scenario.checks import numbers
from jirga.scenario.model import Evidence, Scenario, Value
from jirga.scenario.outcomes import Outcomes

PLOTLY_CONFIG = {"displaylogo": False, "responsive": True, "toImageButtonOptions": {"format": "png", "scale": 2}}


@dataclass(frozen=True)
class Quote:
    """One piece of evidence, ready to show: the quote, where it comes from, a link to it."""

    quote: str
    rationale: str
    document: str
    title: str
    date: dt.date | None
    link: str
    judgement: bool
    anchor: str = ""
    """The id of the quote's mark in the report's copy of its document ("" when the report has none)."""


@dataclass(frozen=True)
class GroundedNumber:
    """A number of the scenario (a capability, position or salience) and the quotes behind it."""

    actor: str
    """The name of the actor the number belongs to (the report groups by it)."""
    actor_id: str
    issue_id: str | None
    """The issue of a stance's number; None for an actor's own capability."""
    subject: str
    quantity: str
    value: str
    quotes: tuple[Quote, ...]


@dataclass(frozen=True)
class SourceText:
    """A quoted document as the report shows it: its text cut into ``(text, mark id)`` pieces,
    where a non-empty mark id is a quoted passage that evidence links to."""

    name: str
    title: str
    date: dt.date | None
    url: str
    pieces: tuple[tuple[str, str], ...]


@dataclass
class Section:
    """A chart or table of the analysis, rendered in its own block of the report."""

    title: str
    html: str
    note: str = ""
    anchor: str = ""
    """The id of its block, for links from the page's navigation."""


@dataclass
class ReportData:
    """Everything the template shows; built by :func:`report_data`."""

    scenario: Scenario
    result: ForecastResult
    figures: dict[str, str]
    forecast_rows: list[dict[str, Any]]
    grounded: list[GroundedNumber]
    analysis: list[Section] = field(default_factory=list)
    sources: list[SourceText] = field(default_factory=list)


def sentence_link(url: str, quote: str) -> str:
    """A link that scrolls to the quote in the page: a URL text fragment (``#:~:text=start,end``).

    Text fragments are specified by WICG's "Text Fragments" draft and followed by Chromium
    and Safari; other browsers open the page at its top. Long quotes are matched by their
    first and last five words.
    """
    if not url:
        return ""
    words = quote.split()
    if len(words) > 12:
        fragment = f"{_fragment_text(' '.join(words[:5]))},{_fragment_text(' '.join(words[-5:]))}"
    else:
        fragment = _fragment_text(" ".join(words))
    return f"{url.split('#')[0]}#:~:text={fragment}"


def _fragment_text(text: str) -> str:
    return url_quote(text, safe="").replace("-", "%2D")


def grounded_numbers(scenario: Scenario, anchors: dict[tuple[str, str], str] | None = None) -> list[GroundedNumber]:
    """Every number that has evidence, with its quotes, in the order of the scenario file;
    ``anchors[(document, quote)]`` is the quote's mark in the report's copy of the document."""
    anchors = anchors or {}
    sources = {source.id: source for source in scenario.sources}
    actors = {actor.id: actor.name for actor in scenario.actors}
    issues = {issue.id: issue.name for issue in scenario.issues}
    grounded = []
    for loc, value in numbers(scenario):
        if not value.evidence:
            continue
        collection, index, quantity = loc[0], int(loc[1]), str(loc[2])
        if collection == "actors":
            actor_id, issue_id = scenario.actors[index].id, None
            actor = subject = scenario.actors[index].name
        else:
            stance = scenario.stances[index]
            actor_id, issue_id = stance.actor, stance.issue
            dated = f", {stance.date}" if stance.date else ""
            actor = actors.get(stance.actor, stance.actor)
            subject = f"{actor} on {issues.get(stance.issue, stance.issue)}{dated}"
        quotes = tuple(_quote(item, sources.get(item.document), anchors.get((item.document, item.quote), "")) for item in value.evidence)
        grounded.append(GroundedNumber(actor, actor_id, issue_id, subject, quantity, _value_text(value), quotes))
    return grounded


def _quote(item: Evidence, source: Any, anchor: str) -> Quote:
    url = source.url if source is not None else ""
    return Quote(
        anchor=anchor,
        quote=item.quote,
        rationale=item.rationale,
        document=item.document,
        title=(source.title if source is not None and source.title else item.document),
        date=item.date or (source.date if source is not None else None),
        link=sentence_link(url, item.quote),
        judgement=item.judgement,
    )


def source_texts(scenario: Scenario, store: str | Path) -> tuple[dict[tuple[str, str], str], list[SourceText]]:
    """The quoted documents that the evidence store holds, each quote marked where it occurs.

    Returns the mark of every ``(document, quote)`` found and the documents' texts. A quote
    that overlaps an earlier marked one links to that mark.
    """
    quoted: dict[str, list[str]] = {}
    for _, value in numbers(scenario):
        for item in value.evidence:
            quoted.setdefault(item.document, []).append(item.quote)
    anchors: dict[tuple[str, str], str] = {}
    texts = []
    numbering = itertools.count()
    for document, quotes in quoted.items():
        stored = stored_document(store, document)
        if stored is None:
            continue
        marks: dict[tuple[int, int], str] = {}
        for quote in quotes:
            span = quote_span(stored.text, quote)
            if span is not None:
                if span not in marks:
                    marks[span] = f"quote-{next(numbering)}"
                anchors[(document, quote)] = marks[span]
        pieces: list[tuple[str, str]] = []
        cursor, alias, last = 0, {}, ""
        for (start, end), mark in sorted(marks.items()):
            if start < cursor:
                alias[mark] = last
                continue
            pieces += [(stored.text[cursor:start], ""), (stored.text[start:end], mark)]
            cursor, last = end, mark
        pieces.append((stored.text[cursor:], ""))
        for key, mark in anchors.items():
            anchors[key] = alias.get(mark, mark)
        texts.append(SourceText(stored.name, stored.title or stored.name, stored.date, stored.url, tuple(pieces)))
    return anchors, texts


def _value_text(value: Value) -> str:
    text = f"{value.value:g}"
    if value.interval is not None:
        text += f" [{value.interval.low:g}, {value.interval.high:g}]"
    return text


def timeline_events(scenario: Scenario) -> list[tuple[dt.date, str, str]]:
    """Dated moments of the scenario: each dated stance (on its actor's lane) and each dated source."""
    actors = {actor.id: actor.name for actor in scenario.actors}
    events = []
    for stance in scenario.stances:
        if stance.date is None:
            continue
        issue = scenario.issue(stance.issue)
        label = issue.label(stance.position.value)
        events.append(
            (stance.date, actors.get(stance.actor, stance.actor), f"{issue.name}: {stance.position.value:g}" + (f" ({label})" if label else ""))
        )
    for source in scenario.sources:
        if source.date is not None:
            events.append((source.date, "sources", source.title or source.id))
    return sorted(events)


def figure_html(figure: go.Figure, div_id: str) -> str:
    """A figure as a ``<div>`` and its script, without Plotly's JavaScript (embedded once per page)."""
    return figure.to_html(full_html=False, include_plotlyjs=False, div_id=div_id, config=PLOTLY_CONFIG)


def report_figures(result: ForecastResult, store: str | Path | None = None) -> dict[str, go.Figure]:
    """The report's charts by name: ``capability``, ``issue-<id>``, ``rounds-<id>`` (dynamic
    models only) and ``timeline`` (when something is dated: stances, sources, and the dated
    events of the evidence ``store`` if one is given)."""
    scenario = result.scenario
    problem = Problem.from_scenario(scenario, result.as_of)
    charts = {"capability": figures.capability_chart(scenario)}
    for issue in result.issues:
        charts[f"issue-{issue.id}"] = figures.issue_chart(result, issue, problem)
        trajectory = figures.trajectory_chart(result, issue)
        if trajectory is not None:
            charts[f"rounds-{issue.id}"] = trajectory
    events = timeline_events(scenario) + (store_events(store, scenario) if store is not None else [])
    if events:
        used = {lane for _, lane, _ in events}
        lanes = [lane for lane in ("sources", "events") if lane in used] + [actor.name for actor in scenario.actors if actor.name in used]
        charts["timeline"] = figures.timeline_chart(events, lanes)
    return charts


def report_data(result: ForecastResult, analysis: list[Section] | None = None, store: str | Path | None = None) -> ReportData:
    """The figures and tables of the report for one forecast; with an evidence ``store``, its
    dated events join the timeline and the quoted documents it holds are copied in, every
    quote marked, so that the evidence links to its sentence without leaving the file."""
    charts = {name: figure_html(figure, f"figure-{name}") for name, figure in report_figures(result, store).items()}
    anchors, sources = source_texts(result.scenario, store) if store is not None else ({}, [])
    rows = [
        {
            "issue": issue,
            "forecasts": [
                {"model": run.name, "value": run.forecast(issue.id), "label": issue.label(run.forecast(issue.id)), "rounds": run.rounds(issue.id)}
                for run in result.runs
            ],
        }
        for issue in result.issues
    ]
    return ReportData(result.scenario, result, charts, rows, grounded_numbers(result.scenario, anchors), analysis or [], sources)


@cache
def environment() -> Environment:
    environment = Environment(loader=PackageLoader("jirga.report", "templates"), autoescape=select_autoescape(["html", "j2"]))
    environment.filters["number"] = lambda value: f"{value:.1f}"
    return environment


def render_report(data: ReportData) -> str:
    """The report as one HTML page with Plotly's JavaScript inline."""
    template = environment().get_template("report.html.j2")
    stances = {(stance.actor, stance.issue): stance for stance in data.scenario.current_stances(data.result.as_of)}
    return template.render(
        data=data,
        scenario=data.scenario,
        result=data.result,
        stances=stances,
        plotly_js=get_plotlyjs(),
        version=__version__,
        model_colour=figures.model_colour,
    )


def build_report(
    scenario: Scenario,
    *,
    models: list[str] | None = None,
    parameters: dict[str, Any] | None = None,
    as_of: dt.date | None = None,
    seed: int = 0,
    analysis: list[Section] | None = None,
    outcomes: Outcomes | None = None,
) -> str:
    """Forecast ``scenario`` with each model (all registered by default) and render the report,
    with how positions moved over the evidence dates and, given ``outcomes``, the hindcast."""
    from jirga.report.history import time_sections  # it builds on this module

    result = run_forecast(scenario, models=models or list(MODELS), parameters=parameters, as_of=as_of, seed=seed)
    return render_report(report_data(result, time_sections(result, outcomes, seed, parameters) + (analysis or [])))


def write_report(path: str | Path, html: str) -> None:
    """Write the report atomically: the old file or the complete new one, never half of one."""
    atomic_write_text(path, html)

"""Plotly figures of a scenario and its forecasts, shared by the HTML report and the web app.

Every function returns a :class:`plotly.graph_objects.Figure`; the report embeds them as HTML
and the web app sends them as JSON to ``Plotly.react``. Colours are fixed per model and per
actor so that a model keeps its colour from chart to chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from jirga.analysis.hindcast import Hindcast
from jirga.forecast import ForecastResult
from jirga.models import Problem
from jirga.scenario.model import Issue, Scenario

MODEL_COLOURS = ("#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf")
ACTOR_COLOURS = (
    "#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac",
    "#499894", "#d37295", "#b6992d", "#86bcb6", "#79706e", "#fabfd2",
)
FONT = {"family": "system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif", "size": 13}


def model_colour(index: int) -> str:
    return MODEL_COLOURS[index % len(MODEL_COLOURS)]


def actor_colour(index: int) -> str:
    return ACTOR_COLOURS[index % len(ACTOR_COLOURS)]


def _layout(figure: go.Figure, height: int, **extra: object) -> go.Figure:
    settings: dict[str, object] = {"margin": {"l": 10, "r": 20, "t": 40, "b": 10}, "font": FONT}
    figure.update_layout(height=height, plot_bgcolor="white", paper_bgcolor="white", **{**settings, **extra})
    return figure


def capability_chart(scenario: Scenario) -> go.Figure:
    """Actors ordered by capability (horizontal bars), with the uncertainty interval where given."""
    actors = sorted(scenario.actors, key=lambda actor: actor.capability.value)
    values = [actor.capability.value for actor in actors]
    plus = [(actor.capability.interval.high - actor.capability.value) if actor.capability.interval else 0.0 for actor in actors]
    minus = [(actor.capability.value - actor.capability.interval.low) if actor.capability.interval else 0.0 for actor in actors]
    figure = go.Figure(
        go.Bar(
            x=values,
            y=[f"{actor.name} · {actor.capability.value:g}" for actor in actors],
            orientation="h",
            marker_color="#4e79a7",
            error_x={"type": "data", "array": plus, "arrayminus": minus, "visible": any(plus) or any(minus), "color": "#555"},
            customdata=[actor.kind.value for actor in actors],
            hovertemplate="%{y} (%{customdata})<extra></extra>",
        )
    )
    figure.update_xaxes(title_text="capability", gridcolor="#eee", rangemode="tozero")
    return _layout(figure, 90 + 28 * len(actors), title={"text": "Actors by capability", "x": 0})


def _padded(issue: Issue) -> list[float]:
    """The issue's scale with 3% room each side, so markers at the ends are not cut in half."""
    room = 0.03 * (issue.upper - issue.lower)
    return [issue.lower - room, issue.upper + room]


def scale_ticks(issue: Issue) -> dict[str, object]:
    """Axis ticks at the issue's labelled anchors (value and words), or plain numbers without."""
    if not issue.anchors:
        return {}
    return {
        "tickmode": "array",
        "tickvals": [anchor.value for anchor in issue.anchors],
        "ticktext": [f"{anchor.value:g}<br>{wrap_label(anchor.label)}" for anchor in issue.anchors],
    }


def wrap_label(text: str, width: int = 22, most: int = 2) -> str:
    """Break a label into at most ``most`` lines of about ``width`` characters for a tick
    (Plotly does not wrap); a longer label ends in '…' (the full words show on hover)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > most:
        lines = lines[:most]
        lines[-1] = lines[-1][: width - 1].rstrip(" ,;") + "…"
    return "<br>".join(lines)


def _interval_bars(intervals: Sequence[object], values: Sequence[float]) -> dict[str, object]:
    """Plotly error bars drawing each uncertainty interval (None: no bar) around its value."""
    plus = [interval.high - value if interval is not None else 0.0 for interval, value in zip(intervals, values)]
    minus = [value - interval.low if interval is not None else 0.0 for interval, value in zip(intervals, values)]
    return {"type": "data", "array": plus, "arrayminus": minus, "visible": any(plus) or any(minus), "color": "#555", "thickness": 1.5}


def issue_chart(result: ForecastResult, issue: Issue, problem: Problem | None = None) -> go.Figure:
    """Each participant's position on the issue's scale, marker area ∝ capability x salience,
    with every model's forecast as a labelled vertical line."""
    problem = problem or Problem.from_scenario(result.scenario, result.as_of)
    column = problem.issues.index(issue.id)
    rows = [row for row in np.flatnonzero(problem.present[:, column])]
    rows.sort(key=lambda row: problem.position[row, column])
    names = {actor.id: actor.name for actor in result.scenario.actors}
    weight = problem.weight[:, column]
    largest = max(float(weight[rows].max()) if rows else 0.0, 1e-12)
    sizes = [8 + 34 * float(np.sqrt(weight[row] / largest)) for row in rows]
    intervals = {
        stance.actor: stance.position.interval
        for stance in result.scenario.current_stances(result.as_of)
        if stance.issue == issue.id and stance.position.interval is not None
    }
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(
            x=[problem.position[row, column] for row in rows],
            y=[names[problem.actors[row]] for row in rows],
            mode="markers",
            name="actors",
            cliponaxis=False,
            error_x=_interval_bars([intervals.get(problem.actors[row]) for row in rows], [problem.position[row, column] for row in rows]),
            marker={"size": sizes, "color": [actor_colour(row) for row in rows], "opacity": 0.85, "line": {"width": 1, "color": "#333"}},
            customdata=[
                [problem.capability[row, column], problem.salience[row, column], issue.label(problem.position[row, column])]
                for row in rows
            ],
            hovertemplate="%{y}: position %{x:.1f} (%{customdata[2]})<br>capability %{customdata[0]:g}, "
            "salience %{customdata[1]:.2f}<extra></extra>",
            showlegend=False,
        )
    )
    forecast_lines = []
    for index, run in enumerate(result.runs):
        value = run.forecast(issue.id)
        line = {"color": model_colour(index), "width": 2, "dash": "dash"}
        forecast_lines.append({"type": "line", "xref": "x", "yref": "paper", "x0": value, "x1": value, "y0": 0, "y1": 1, "line": line})
        figure.add_trace(
            go.Scatter(x=[value], y=[None], mode="lines", line=line, name=f"{run.title}: {value:.1f} ({issue.label(value) or 'no label'})")
        )
    figure.update_layout(shapes=forecast_lines)  # one update: add_vline per model is slow
    figure.update_xaxes(range=_padded(issue), title_text=None, gridcolor="#eee", zeroline=False, automargin=True, **scale_ticks(issue))
    figure.update_yaxes(gridcolor="#f3f3f3")
    return _layout(
        figure,
        170 + 34 * len(rows) + 22 * len(result.runs),
        title={"text": "Positions (marker area ∝ capability × salience) and forecasts", "x": 0, "font": {"size": 14}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.28, "x": 0},
        margin={"l": 10, "r": 70, "t": 40, "b": 10 + 22 * len(result.runs)},
    )


def trajectory_chart(result: ForecastResult, issue: Issue) -> go.Figure | None:
    """Round-by-round positions of the participants under every model that moves them
    (one panel per model); None when every model is static on this issue."""
    moving = [(index, run) for index, run in enumerate(result.runs) if run.rounds(issue.id) > 0]
    if not moving:
        return None
    names = {actor.id: actor.name for actor in result.scenario.actors}
    order = {actor.id: row for row, actor in enumerate(result.scenario.actors)}
    titles = [wrap_label(run.title, 34) for _, run in moving]
    figure = make_subplots(rows=1, cols=len(moving), shared_yaxes=True, subplot_titles=titles, horizontal_spacing=0.04)
    figure.update_annotations(font_size=12)
    for panel, (index, run) in enumerate(moving, start=1):
        positions = run.issue_positions(issue.id)
        rounds = list(range(positions.shape[0]))
        for column, actor in enumerate(run.issue_actors(issue.id)):
            figure.add_trace(
                go.Scatter(
                    x=rounds,
                    y=positions[:, column],
                    mode="lines+markers" if len(rounds) < 25 else "lines",
                    name=names.get(actor, actor),
                    legendgroup=actor,
                    showlegend=panel == 1,
                    line={"color": actor_colour(order.get(actor, 0)), "width": 1.6},
                    marker={"size": 4},
                    hovertemplate=f"{names.get(actor, actor)}, round %{{x}}: %{{y:.1f}}<extra>{run.title}</extra>",
                ),
                row=1,
                col=panel,
            )
        value = run.forecast(issue.id)
        figure.add_trace(
            go.Scatter(
                x=[rounds[0], rounds[-1]],
                y=[value, value],
                mode="lines",
                line={"color": model_colour(index), "dash": "dash", "width": 2},
                name=f"forecast {value:.1f}",
                showlegend=False,
                hovertemplate=f"{run.title} forecast {value:.1f}<extra></extra>",
            ),
            row=1,
            col=panel,
        )
        figure.update_xaxes(title_text="round", gridcolor="#eee", row=1, col=panel)
    figure.update_yaxes(range=_padded(issue), gridcolor="#eee", automargin=True, title_text=f"position ({issue.lower:g}-{issue.upper:g})", row=1, col=1)
    return _layout(figure, 380, margin={"l": 10, "r": 20, "t": 60, "b": 10})


def distribution_chart(issue: Issue, samples: dict[str, np.ndarray], titles: Sequence[str] | None = None) -> go.Figure:
    """Monte Carlo distribution of each model's forecast on one issue: one violin per model."""
    figure = go.Figure()
    for index, (name, values) in enumerate(samples.items()):
        label = titles[index] if titles else name
        figure.add_trace(
            go.Violin(
                x=np.asarray(values, dtype=float),
                name=label,
                orientation="h",
                line_color=model_colour(index),
                box_visible=True,
                meanline_visible=True,
                points=False,
                spanmode="hard",
            )
        )
    figure.update_xaxes(range=_padded(issue), gridcolor="#eee", automargin=True, **scale_ticks(issue))
    figure.update_yaxes(autorange="reversed")
    return _layout(figure, 100 + 60 * len(samples), showlegend=False, margin={"l": 10, "r": 70, "t": 10, "b": 10})


def tornado_chart(title: str, labels: Sequence[str], low: Sequence[float], high: Sequence[float], base: float) -> go.Figure:
    """Sensitivity tornado: for each input (given most influential first, drawn on top), the
    forecasts with the input at the low and at the high end of its interval, as bars from the
    base forecast."""
    order = list(reversed(range(len(labels))))  # Plotly draws the first category at the bottom
    figure = go.Figure()
    for name, values, colour in (("input at its low end", low, "#4e79a7"), ("input at its high end", high, "#e15759")):
        ordered = np.asarray(values, dtype=float)[order]
        figure.add_trace(
            go.Bar(
                y=[labels[index] for index in order],
                x=ordered - base,
                base=base,
                orientation="h",
                name=name,
                marker_color=colour,
                opacity=0.85,
                customdata=ordered,
                hovertemplate="%{y}: forecast %{customdata:.1f}<extra>" + name + "</extra>",
            )
        )
    figure.add_vline(x=base, line={"color": "#333", "width": 1})
    figure.update_xaxes(title_text=f"forecast (base {base:.1f})", gridcolor="#eee")
    figure.update_yaxes(automargin=True)
    return _layout(
        figure,
        130 + 24 * len(labels),
        title={"text": title, "x": 0, "font": {"size": 14}},
        barmode="overlay",
        legend={"orientation": "h", "y": -0.25, "x": 0},
        margin={"l": 10, "r": 20, "t": 40, "b": 60},
    )


def timeline_chart(events: Sequence[tuple[dt.date, str, str]], lanes: Sequence[str] | None = None) -> go.Figure:
    """Dated events ``(date, lane, text)`` on one lane per actor (``lanes`` top to bottom, else
    sorted); events of one lane and day share a marker that grows with their number."""
    lanes = list(lanes) if lanes is not None else sorted({lane for _, lane, _ in events})
    grouped: dict[tuple[dt.date, str], list[str]] = {}
    for date, lane, text in events:
        grouped.setdefault((date, lane), []).append(text)
    keys = sorted(grouped)
    figure = go.Figure(
        go.Scatter(
            x=[date for date, _ in keys],
            y=[lane for _, lane in keys],
            mode="markers",
            marker={
                "size": [8 + 4 * min(len(grouped[key]), 6) for key in keys],
                "color": [actor_colour(lanes.index(lane)) for _, lane in keys],
                "line": {"width": 1, "color": "#333"},
            },
            text=["<br>".join(grouped[key][:12]) + (f"<br>… and {len(grouped[key]) - 12} more" if len(grouped[key]) > 12 else "") for key in keys],
            hovertemplate="%{x|%d %b %Y}, %{y}:<br>%{text}<extra></extra>",
        )
    )
    first, last = keys[0][0], keys[-1][0]
    room = max(dt.timedelta(days=15), (last - first) / 20)
    figure.update_xaxes(gridcolor="#eee", type="date", range=[first - room, last + room], tickformat="%b %Y")
    figure.update_yaxes(categoryorder="array", categoryarray=list(reversed(lanes)), range=[-0.7, len(lanes) - 0.3])
    return _layout(figure, 100 + 30 * len(lanes), margin={"l": 10, "r": 20, "t": 10, "b": 10})


def history_chart(
    issue: Issue,
    dates: Sequence[dt.date],
    actors: Sequence[tuple[str, str, Sequence[dt.date], Sequence[float], Sequence[str]]],
    forecasts: dict[str, Sequence[float | None]],
    titles: dict[str, str],
) -> go.Figure:
    """Each actor's position over time as a step line, held to the last date (``actors``: name,
    colour, the dates its position changed or was restated, the positions, a hover text per
    point), and every model's forecast as of each date as a dashed line."""
    figure = go.Figure()
    last = dates[-1]
    for name, colour, changed, positions, texts in actors:
        figure.add_trace(
            go.Scatter(
                x=[*changed, last],
                y=[*positions, positions[-1]],
                mode="lines+markers",
                line={"shape": "hv", "color": colour, "width": 2},
                marker={"size": [9] * len(changed) + [0], "color": colour, "line": {"width": 1, "color": "#333"}},
                name=name,
                legendgroup="actors",
                legendgrouptitle_text="actors",
                text=[*texts, f"{name}: still {positions[-1]:g} on {last:%d %b %Y}"],
                hovertemplate="%{text}<extra></extra>",
            )
        )
    for index, (model, values) in enumerate(forecasts.items()):
        figure.add_trace(
            go.Scatter(
                x=list(dates),
                y=list(values),
                mode="lines+markers",
                line={"color": model_colour(index), "dash": "dash", "width": 2.5},
                marker={"symbol": "diamond", "size": 8},
                name=f"{titles.get(model, model)} forecast",
                legendgroup="models",
                legendgrouptitle_text="forecast as of each date",
                hovertemplate=f"{titles.get(model, model)}, as of %{{x|%d %b %Y}}: forecast %{{y:.1f}}<extra></extra>",
            )
        )
    room = max(dt.timedelta(days=20), (last - dates[0]) / 25)
    figure.update_xaxes(type="date", range=[dates[0] - room, last + room], gridcolor="#eee", **_date_ticks(dates))
    figure.update_yaxes(range=_padded(issue), gridcolor="#eee", automargin=True, zeroline=False, **scale_ticks(issue))
    legend = {"groupclick": "toggleitem", "font": {"size": 12}}
    return _layout(figure, 460, hovermode="closest", legend=legend, margin={"l": 10, "r": 10, "t": 20, "b": 10})


def _date_ticks(dates: Sequence[dt.date]) -> dict[str, object]:
    """A tick at each date, month over year, upright (dates months apart stay readable)."""
    return {"tickvals": list(dates), "ticktext": [f"{date:%d %b}<br>{date:%Y}" for date in dates], "tickangle": 0}


def hindcast_heatmap(hindcast: Hindcast, names: Sequence[str], forecasters: Sequence[str], issues: Sequence[Issue]) -> go.Figure:
    """Error (% of scale) of each forecaster (rows, best first) on each issue at the last date."""
    last = hindcast.dates[-1]
    errors = [
        [None if (score := hindcast.score(forecaster, issue.id, last)) is None else score.error for issue in issues]
        for forecaster in forecasters
    ]
    figure = go.Figure(
        go.Heatmap(
            z=errors,
            x=[wrap_label(issue.name, 16) for issue in issues],
            y=list(names),
            zmin=0,
            zmax=100,
            colorscale=[[0, "#f7fbff"], [0.25, "#fdd49e"], [0.6, "#ef6548"], [1, "#7f0000"]],
            text=[["–" if value is None else f"{value:.0f}" for value in row] for row in errors],
            texttemplate="%{text}",
            colorbar={"title": {"text": "error, %"}, "thickness": 12},
            hovertemplate="%{y} on %{x}: error %{z:.1f}% of the scale<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", automargin=True)
    figure.update_xaxes(side="top", automargin=True, tickangle=0)
    return _layout(figure, 120 + 34 * len(forecasters), margin={"l": 10, "r": 10, "t": 10, "b": 10})


def hindcast_mean_chart(hindcast: Hindcast, names: dict[str, str], baselines: Sequence[str]) -> go.Figure:
    """Each forecaster's mean error over issues as of each evidence date (baselines dotted)."""
    dates = list(hindcast.dates)
    figure = go.Figure()
    for index, forecaster in enumerate(hindcast.forecasters):
        baseline = forecaster in baselines
        figure.add_trace(
            go.Scatter(
                x=dates,
                y=[hindcast.mean_error(forecaster, date) for date in dates],
                mode="lines+markers",
                name=names[forecaster],
                line={"color": "#777" if baseline else model_colour(index), "dash": ("dot" if index % 2 else "dashdot") if baseline else "solid"},
                hovertemplate=f"{names[forecaster]}, as of %{{x|%d %b %Y}}: mean error %{{y:.1f}}%<extra></extra>",
            )
        )
    figure.update_xaxes(type="date", gridcolor="#eee", **_date_ticks(dates))
    figure.update_yaxes(title_text="mean error, % of scale", rangemode="tozero", gridcolor="#eee")
    title = {"text": "Mean error over issues as of each date", "x": 0, "font": {"size": 14}}
    return _layout(figure, 360, title=title, margin={"l": 10, "r": 10, "t": 40, "b": 10})

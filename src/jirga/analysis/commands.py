"""The command-line side of the analysis: ``jirga montecarlo``, ``jirga sensitivity``, ``jirga whatif``.

:func:`register` adds the three commands to the ``jirga`` Typer app. Progress bars and
messages go to standard error, so that ``--format json`` or ``csv`` on standard output stays
clean; files are written only once the whole job is done, atomically.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from enum import Enum
from pathlib import Path
from typing import Annotated, Optional

import numpy as np
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn
from rich.table import Table

from jirga.analysis.montecarlo import DEFAULT_BATCH_SIZE, DEFAULT_BINS, IssueSummary, MonteCarloResult, run_montecarlo
from jirga.analysis.parallel import SCHEDULER_VARIABLE
from jirga.analysis.perturb import DEFAULT_SPREAD, KINDS, Distribution, UncertainInputs
from jirga.analysis.sensitivity import DEFAULT_SAMPLES, OneAtATimeResult, SobolResult, one_at_a_time, sobol
from jirga.analysis.whatif import Variant, WhatIf, compare, load_patch, resolve_patch
from jirga.errors import JirgaError
from jirga.files import atomic_write_text
from jirga.forecast import heard_columns
from jirga.models import Model, Problem, make_model
from jirga.options import AsOfOption, IssuesOption, ModelOption, OutputFormat, ParamOption, ScenarioArgument, SeedOption, as_date, parse_parameters
from jirga.scenario import Scenario, load_scenario

console = Console()
messages = Console(stderr=True)

BARS = " ▁▂▃▄▅▆▇█"


class Method(str, Enum):
    oat = "oat"
    sobol = "sobol"


class Report(str, Enum):
    table = "table"
    json = "json"


DistributionOption = Annotated[
    Distribution, typer.Option("--distribution", help="How numbers are drawn within their intervals.")
]
SpreadOption = Annotated[
    float,
    typer.Option("--spread", help="Default relative half-width for numbers without an interval (see docs/analysis.md)."),
]
BatchOption = Annotated[int, typer.Option("--batch-size", help="Runs per chunk of work (one batched model call).")]
WorkersOption = Annotated[Optional[int], typer.Option("--workers", help="Local worker processes. Default: all cores.")]
SchedulerOption = Annotated[
    Optional[str],
    typer.Option("--scheduler", help=f"Dask scheduler tcp://HOST:PORT to run on (default: ${SCHEDULER_VARIABLE}, else local)."),
]


def _model(name: str, params: list[str] | None) -> Model:
    return make_model(name, **parse_parameters(params))


def _shown_columns(scenario: Scenario, issues: list[str] | None, as_of: dt.date | None) -> tuple[int, ...]:
    """The columns of the issues to report: the chosen ones (all by default) that someone has a
    stance on by ``as_of``. The others are named on standard error, as ``jirga forecast`` does."""
    columns, unheard = heard_columns(scenario, Problem.from_scenario(scenario, as_of), issues, as_of)
    if unheard:
        messages.print(f"[dim]left out: nobody has a stance on {', '.join(unheard)}{f' as of {as_of}' if as_of else ''}[/dim]")
    return columns


@contextmanager
def _progress(total: int, what: str) -> Iterator[Callable[[int], None]]:
    """A Rich progress bar on standard error; yields the function that advances it.

    The bar redraws from the main thread as work completes (no refresh thread), so that local
    worker processes can be forked safely (see :func:`jirga.analysis.parallel._start_method`).
    """
    columns = (TextColumn(f"{what}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(), TimeRemainingColumn())
    with Progress(*columns, console=messages, transient=True, auto_refresh=False) as progress:
        task = progress.add_task(what, total=total)

        def advance(done: int) -> None:
            progress.advance(task, done)
            progress.refresh()

        yield advance


def montecarlo(
    scenario: ScenarioArgument = None,
    model: ModelOption = "compromise",
    param: ParamOption = None,
    issue: IssuesOption = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Number of perturbed scenarios.")] = 1000,
    seed: SeedOption = 0,
    distribution: DistributionOption = Distribution.uniform,
    spread: SpreadOption = DEFAULT_SPREAD,
    as_of: AsOfOption = None,
    bins: Annotated[int, typer.Option("--bins", help="Histogram bins over each issue's scale.")] = DEFAULT_BINS,
    output: Annotated[OutputFormat, typer.Option("--format", "-f", help="table: the summary; json: summary and every run; csv: every run.")] = OutputFormat.table,
    save: Annotated[
        Optional[Path], typer.Option("--output", "-o", help="Also write every run's forecast to this .json or .csv file.")
    ] = None,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Forecast many perturbed versions of a scenario: mean, median, 5-95% interval and histogram per issue."""
    if bins < 1:
        raise JirgaError(f"the number of bins must be at least 1, got {bins}", field="--bins")
    if save is not None and save.suffix.lower() not in (".json", ".csv"):
        raise JirgaError("the output file ends in .json or .csv", file=save, field="--output")
    loaded = load_scenario(scenario)
    columns = _shown_columns(loaded, issue, as_date(as_of))
    chosen = _model(model, param)
    if runs <= 0:
        raise JirgaError(f"the number of runs must be positive, got {runs}", field="--runs")
    with _progress(runs, f"{chosen.name}: runs") as advance:
        result = run_montecarlo(
            loaded, chosen, runs, seed, distribution=distribution, spread=spread, as_of=as_date(as_of),
            batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=advance,
        ).only(columns)
    if save is not None:
        text = json.dumps(result.to_json(bins=bins)) if save.suffix.lower() == ".json" else result.to_csv()
        atomic_write_text(save, text)
        messages.print(f"wrote {result.runs} runs to {save}")
    if output is OutputFormat.json:
        sys.stdout.write(json.dumps(result.to_json(bins=bins)) + "\n")
    elif output is OutputFormat.csv:
        sys.stdout.write(result.to_csv())
    else:
        _print_montecarlo(result, bins)


def _histogram(counts: tuple[int, ...]) -> str:
    peak = max(counts) or 1
    return "".join(BARS[int(np.ceil(count / peak * (len(BARS) - 1)))] for count in counts)


def _print_montecarlo(result: MonteCarloResult, bins: int) -> None:
    table = Table(title=f"{result.scenario.name}: {result.model.title}, {result.runs} runs", title_justify="left")
    table.add_column("issue", no_wrap=True)
    for column in ("point", "mean", "median", "5%", "95%"):
        table.add_column(column, justify="right", no_wrap=True, min_width=5)
    table.add_column("histogram", no_wrap=True)
    for summary in result.summary(bins):
        issue = summary.issue
        table.add_row(
            issue.id,
            *(f"{number:.1f}" for number in (summary.point, summary.mean, summary.median, summary.p5, summary.p95)),
            _histogram(summary.counts),
        )
    console.print(table)
    console.print(
        f"[dim]seed {result.seed}, {result.distribution.value} draws, default spread {result.spread:g}; "
        f"histogram: {bins} equal bins over each scale[/dim]"
    )


def sensitivity(
    scenario: ScenarioArgument = None,
    model: ModelOption = "compromise",
    param: ParamOption = None,
    issue: IssuesOption = None,
    method: Annotated[Method, typer.Option("--method", help="oat: one at a time (2k+1 forecasts); sobol: Sobol' indices (N(k+2)).")] = Method.oat,
    samples: Annotated[int, typer.Option("--samples", "-n", help="Sobol' base sample N (a power of 2).")] = DEFAULT_SAMPLES,
    vary: Annotated[
        Optional[list[str]], typer.Option("--vary", help=f"Only inputs of this kind (repeatable): {', '.join(KINDS)}.")
    ] = None,
    top: Annotated[int, typer.Option("--top", help="Inputs to show per issue.")] = 5,
    seed: SeedOption = 0,
    distribution: DistributionOption = Distribution.uniform,
    spread: SpreadOption = DEFAULT_SPREAD,
    as_of: AsOfOption = None,
    output: Annotated[Report, typer.Option("--format", "-f", help="Output format.")] = Report.table,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Rank the inputs (capability, position, salience of each actor) that move each issue's forecast most."""
    if top < 1:
        raise JirgaError(f"--top must be at least 1, got {top}", field="--top")
    loaded = load_scenario(scenario)
    columns = _shown_columns(loaded, issue, as_date(as_of))
    chosen = _model(model, param)
    kinds = tuple(vary or ())
    inputs = UncertainInputs.from_scenario(loaded, spread, as_date(as_of))
    varied = inputs.select(kinds).size
    result: OneAtATimeResult | SobolResult
    if method is Method.oat:
        with _progress(2 * varied, f"{chosen.name}: one at a time") as advance:
            result = one_at_a_time(
                inputs, chosen, seed=seed, vary=kinds,
                batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=advance,
            )
    else:
        if samples < 2 or samples & (samples - 1):
            raise JirgaError(f"the number of samples must be a power of 2 (at least 2), got {samples}", field="--samples")
        with _progress(samples * (varied + 2), f"{chosen.name}: Sobol'") as advance:
            result = sobol(
                inputs, chosen, samples, seed=seed, distribution=distribution, vary=kinds, batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=advance,
            )
    result = result.only(columns)
    if output is Report.json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
        return
    _print_sensitivity(loaded, result, top)


def _print_sensitivity(scenario: Scenario, result: OneAtATimeResult | SobolResult, top: int) -> None:
    oat = isinstance(result, OneAtATimeResult)
    index = {name: position for position, name in enumerate(result.names)}
    for column, ranking in enumerate(result.rankings(top)):
        issue = scenario.issue(ranking.issue)
        if oat:
            title = f"{issue.name} [dim]({issue.id})[/dim]: forecast {result.point[column]:.1f}, swing of each input over its interval"
        else:
            title = f"{issue.name} [dim]({issue.id})[/dim]: Sobol' indices, N = {result.samples}, {result.runs} runs"
        table = Table(title=title, title_justify="left")
        table.add_column("rank", justify="right")
        table.add_column("input")
        if oat:
            for heading in ("interval", "at low", "at high", "swing"):
                table.add_column(heading, justify="right")
        else:
            for heading in ("ST", "± 95%", "S1", "± 95%"):
                table.add_column(heading, justify="right")
        for rank, name in enumerate(ranking.inputs, start=1):
            row = index[name]
            if oat:
                cells = (
                    f"[{result.low[row]:g}, {result.high[row]:g}]",
                    f"{result.at_low[row, column]:.1f}",
                    f"{result.at_high[row, column]:.1f}",
                    f"{result.swing[row, column]:+.2f}",
                )
            else:
                cells = tuple(
                    f"{value:.3f}"
                    for value in (
                        result.total[row, column], result.total_confidence[row, column],
                        result.first[row, column], result.first_confidence[row, column],
                    )
                )
            table.add_row(str(rank), name, *cells)
        console.print(table)


def whatif(
    base: Annotated[str, typer.Argument(help="Base scenario file, or 'default' for the embedded Afghan scenario.")],
    patches: Annotated[
        list[str], typer.Argument(help="Patch files (YAML), or names of the patches shipped with jirga.", show_default=False)
    ],
    model: ModelOption = "compromise",
    param: ParamOption = None,
    issue: IssuesOption = None,
    runs: Annotated[int, typer.Option("--runs", "-n", help="Also run Monte Carlo with this many runs per scenario (0: point forecasts only).")] = 0,
    seed: SeedOption = 0,
    distribution: DistributionOption = Distribution.uniform,
    spread: SpreadOption = DEFAULT_SPREAD,
    as_of: AsOfOption = None,
    output: Annotated[Report, typer.Option("--format", "-f", help="Output format.")] = Report.table,
    batch_size: BatchOption = DEFAULT_BATCH_SIZE,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
) -> None:
    """Forecast a base scenario and each patched version side by side, with the differences."""
    if runs < 0:
        raise JirgaError(f"the number of runs must not be negative, got {runs}", field="--runs")
    loaded = load_scenario(None if base == "default" and not Path(base).exists() else Path(base))
    columns = _shown_columns(loaded, issue, as_date(as_of))
    chosen = _model(model, param)
    read = [load_patch(resolve_patch(patch)) for patch in patches]
    with _progress(len(read) + 1, f"{chosen.name}: scenarios") as advance:
        result = compare(
            loaded, read, chosen, seed=seed, as_of=as_date(as_of), runs=runs, distribution=distribution, spread=spread,
            batch_size=batch_size, workers=workers, scheduler=scheduler, on_progress=advance,
        ).only(columns)
    if output is Report.json:
        sys.stdout.write(json.dumps(result.to_json()) + "\n")
        return
    _print_whatif(result)


def _print_whatif(result: WhatIf) -> None:
    table = Table(title=f"{result.base.scenario.name}: {result.model.title}", title_justify="left")
    table.add_column("issue")
    table.add_column("base", justify="right")
    for number, variant in enumerate(result.variants, start=1):
        table.add_column(f"({number})", justify="right")
        table.add_column("Δ", justify="right")
    for column, issue in enumerate(result.issues):
        cells = [_cell(result.base, column)]
        for variant in result.variants:
            difference = variant.forecast[column] - result.base.forecast[column]
            cells += [_cell(variant, column), "—" if not np.isfinite(difference) else f"{difference:+.1f}"]
        table.add_row(issue.id, *cells)
    console.print(table)
    for number, variant in enumerate(result.variants, start=1):
        console.print(f"({number}) {variant.label}")
    if result.base.spread is not None:
        console.print("[dim]cells: the point forecast over the Monte Carlo 5-95% interval[/dim]")


def _cell(variant: Variant, column: int) -> str:
    value = variant.forecast[column]
    text = "—" if not np.isfinite(value) else f"{value:.1f}"
    if variant.spread is not None:
        summary: IssueSummary = variant.spread[column]
        text += f"\n[dim]{summary.p5:.0f}–{summary.p95:.0f}[/dim]"
    return text


def register(app: typer.Typer) -> None:
    """Add ``montecarlo``, ``sensitivity`` and ``whatif`` to the ``jirga`` app."""
    app.command()(montecarlo)
    app.command()(sensitivity)
    app.command()(whatif)

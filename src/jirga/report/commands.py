"""``jirga report``: write the HTML report of a scenario, or its charts as PNG or PDF.

Only typer and rich load with the CLI; plotly and jinja2 load when the command runs.
"""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from rich.console import Console

from jirga.models import MODELS
from jirga.options import AsOfOption, ModelsOption, ScenarioArgument, SeedOption, as_date

if TYPE_CHECKING:
    from jirga.forecast import ForecastResult
    from jirga.report.build import Section


class ReportFormat(str, Enum):
    html = "html"
    png = "png"
    pdf = "pdf"


def report(
    scenario: ScenarioArgument = None,
    out: Annotated[
        Optional[Path], typer.Option("--out", "-o", help="HTML file to write; for png/pdf, the folder of charts.", show_default="report.html or report-charts/")
    ] = None,
    output_format: Annotated[ReportFormat, typer.Option("--format", "-f", help="html: one self-contained page; png/pdf: one file per chart (needs kaleido).")] = ReportFormat.html,
    model: ModelsOption = None,
    as_of: AsOfOption = None,
    seed: SeedOption = 0,
    runs: Annotated[int, typer.Option("--runs", help="Monte Carlo runs per model (0: no Monte Carlo section).", min=0)] = 0,
    sensitivity: Annotated[bool, typer.Option("--sensitivity", help="Add one-at-a-time sensitivity tornadoes for every model.")] = False,
    patch: Annotated[
        Optional[list[str]], typer.Option("--patch", help="What-if patch file, or the name of a shipped patch (repeatable).")
    ] = None,
    workers: Annotated[Optional[int], typer.Option("--workers", help="Processes for Monte Carlo and sensitivity.", show_default="all cores")] = None,
    store: Annotated[
        Optional[Path], typer.Option("--store", help="Evidence store (from jirga ingest): its events join the timeline, its texts the quotes.")
    ] = None,
    outcomes: Annotated[
        Optional[Path],
        typer.Option("--outcomes", help="Outcome file (YAML): adds the hindcast. Default: the embedded scenario's outcomes of 2021 for it, none otherwise."),
    ] = None,
) -> None:
    """Write a report of a scenario: actors, issues, every model's forecast and trajectory, the evidence."""
    from jirga.errors import JirgaError
    from jirga.forecast import run_forecast  # plotly and jinja load only when a report is made
    from jirga.report.build import render_report, report_data, report_figures, write_report
    from jirga.report.export import export_charts
    from jirga.report.history import time_charts, time_sections
    from jirga.scenario import load_scenario
    from jirga.scenario.outcomes import read_outcomes

    loaded = load_scenario(scenario)
    if store is not None and not store.is_file():
        raise JirgaError("no evidence store here: run `jirga ingest` first", file=store, field="--store")
    known = read_outcomes(outcomes, loaded) if outcomes is not None or scenario is None else None
    result = run_forecast(loaded, models=model or list(MODELS), as_of=as_date(as_of), seed=seed)
    console = Console(stderr=True)
    if output_format is ReportFormat.html:
        sections = time_sections(result, known, seed) + _analysis_sections(result, runs, sensitivity, patch or [], seed, workers, console)
        target = out or Path("report.html")
        write_report(target, render_report(report_data(result, sections, store)))
        console.print(f"wrote {target} ({target.stat().st_size / 1e6:.1f} MB, opens offline)")
    else:
        paths = export_charts(report_figures(result, store) | time_charts(result, known, seed), out or Path("report-charts"), output_format.value)
        console.print(f"wrote {len(paths)} {output_format.value.upper()} charts to {paths[0].parent}")


def _analysis_sections(
    result: ForecastResult, runs: int, sensitivity: bool, patches: list[str], seed: int, workers: int | None, console: Console
) -> list[Section]:
    """The Monte Carlo, sensitivity and what-if sections asked for, with a progress bar."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from jirga.analysis.whatif import apply_patch, load_patch, resolve_patch
    from jirga.report import analysis

    loaded_patches = [load_patch(resolve_patch(item)) for item in patches]
    for patch in loaded_patches:  # a patch that does not fit the scenario fails before any long run
        apply_patch(result.scenario, patch)
    sections: list[Section] = []
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, object] = {}

        def progress(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = bar.add_task(what, total=total)
            bar.update(tasks[what], completed=done)

        if runs:
            simulations = analysis.run_montecarlo_all(result, runs, seed=seed, workers=workers, progress=progress)
            sections.append(analysis.montecarlo_section(result, simulations))
        if sensitivity:
            swings = analysis.run_sensitivity_all(result, seed=seed, workers=workers, progress=progress)
            sections.append(analysis.sensitivity_section(result, swings))
    if loaded_patches:
        sections.append(analysis.whatif_section(result, loaded_patches, seed))
    return sections

"""The ``jirga`` command line: forecast, validate, convert and show scenarios.

Every command that takes a scenario defaults to the embedded Afghan peace process scenario.
Bad input ends with one line on standard error (``file:line: field: message``) and exit code 2.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from rich.console import Console
from rich.table import Table
from ruamel.yaml import YAML

from jirga import __version__
from jirga.errors import JirgaError, ScenarioErrors
from jirga.forecast import ForecastResult, ModelRun, run_forecast
from jirga.models import MODELS
from jirga.models.exchange import EXCHANGE_COLUMNS, EXTERNALITY_KINDS, ExchangeModel, exchange_report
from jirga.options import (
    AsOfOption, IssuesOption, ModelsOption, OutputFormat, ParamOption, ScenarioArgument, SeedOption, as_date, parse_parameters,
)
from jirga.scenario import FORMATS, Scenario, load_scenario, read_scenario, write_scenario
from jirga.scenario.checks import check_evidence
from jirga.scenario.native import field_name

app = typer.Typer(
    name="jirga",
    help="Model and forecast multi-party negotiations and peace processes from the news.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    context_settings={"help_option_names": ["-h", "--help"]},
)
console = Console()
errors = Console(stderr=True)


FormatOption = Annotated[OutputFormat, typer.Option("--format", "-f", help="Output format.")]


def _version(show: bool) -> None:
    if show:
        console.print(f"jirga {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")] = False,
) -> None:
    """Model and forecast multi-party negotiations and peace processes from the news."""


@app.command()
def forecast(
    scenario: ScenarioArgument = None,
    model: ModelsOption = None,
    issue: IssuesOption = None,
    output: FormatOption = OutputFormat.table,
    param: ParamOption = None,
    rounds: Annotated[bool, typer.Option("--rounds", help="Also show every actor's position in every round.")] = False,
    as_of: AsOfOption = None,
    seed: SeedOption = 0,
    exchanges: Annotated[
        bool, typer.Option("--exchanges", help="Exchange model: who gave what to whom per round, and the externalities.")
    ] = False,
) -> None:
    """Forecast every issue of a scenario with each bargaining model."""
    loaded = load_scenario(scenario)
    # The exchange model's kernel is compiled on its first run (about 20 s) and cached after.
    with errors.status("Running the models..."):
        result = run_forecast(
            loaded,
            models=model or list(MODELS),
            issues=issue,
            parameters=parse_parameters(param),
            as_of=as_date(as_of),
            seed=seed,
        )
    if exchanges:
        _print_exchanges(result, output)
    elif output is OutputFormat.json:
        console.print_json(json.dumps(result.to_json(rounds=rounds)))
    elif output is OutputFormat.csv:
        sys.stdout.write(result.to_csv(rounds=rounds))
    else:
        _print_forecast(result, rounds)


# --- exchange model: --exchanges (issue 8) -------------------------------------------------
def _print_exchanges(result: ForecastResult, output: OutputFormat) -> None:
    """The exchanges and externalities of every exchange-model run, in the chosen format."""
    runs = [run for run in result.runs if run.name == ExchangeModel.name]
    if not runs:
        raise JirgaError("--exchanges needs the exchange model (--model exchange)", field="--exchanges")
    reports = [(run, *exchange_report(run.trajectory)) for run in runs]
    if output is OutputFormat.json:
        data = [{"model": run.name, "exchanges": rows, "externalities": totals} for run, rows, totals in reports]
        console.print_json(json.dumps(data[0] if len(data) == 1 else data))
        return
    if output is OutputFormat.csv:
        stream = io.StringIO()
        writer = csv.DictWriter(stream, fieldnames=[*EXCHANGE_COLUMNS, *EXTERNALITY_KINDS], lineterminator="\n")
        writer.writeheader()
        for _, rows, _ in reports:
            writer.writerows({key: repr(value) if isinstance(value, float) else value for key, value in row.items()} for row in rows)
        sys.stdout.write(stream.getvalue())
        return
    for run, rows, totals in reports:
        for round_number in sorted({row["round"] for row in rows}):
            table = Table(title=f"{run.title}: exchanges of round {round_number}", title_justify="left")
            for name in ("#", "first actor moves", "second actor moves in return", "gain", "ext. +", "ext. −"):
                table.add_column(name, justify="left" if "moves" in name else "right")
            for row in (row for row in rows if row["round"] == round_number):
                positive = row["inner_positive"] + row["outer_positive"]
                negative = row["inner_negative"] + row["outer_negative"]
                table.add_row(
                    str(row["order"]) + ("" if row["listed"] else "*"),
                    f"{row['actor_i']} on {row['supply_i']} {row['x_i']:.1f} → {row['y_i']:.1f}",
                    f"{row['actor_j']} on {row['supply_j']} {row['x_j']:.1f} → {row['y_j']:.1f}",
                    f"{row['gain']:.4f}",
                    f"{positive:.3f}",
                    f"{negative:.3f}",
                )
            console.print(table)
        table = Table(title=f"{run.title}: externalities by actor and round", title_justify="left")
        for name in ("round", "actor", *EXTERNALITY_KINDS):
            table.add_column(name.replace("_", " "), justify="left" if name == "actor" else "right")
        for total in totals:
            table.add_row(str(total["round"]), total["actor"], *(f"{total[kind]:.3f}" for kind in EXTERNALITY_KINDS))
        console.print(table)
    console.print("[dim]Each row: the first actor moves on its issue toward the second, who moves on the other issue in return. "
                  "* = undone by decide's tie quirk, not in decide's exchange list.[/dim]")


def _print_forecast(result: ForecastResult, rounds: bool) -> None:
    title = result.scenario.name + (f" (as of {result.as_of})" if result.as_of else "")
    for issue in result.issues:
        table = Table(title=f"{issue.name} [dim]({issue.id}, {issue.lower:g}-{issue.upper:g})[/dim]", title_justify="left")
        table.add_column("model")
        table.add_column("forecast", justify="right")
        table.add_column("meaning on the scale")
        table.add_column("rounds", justify="right")
        for run in result.runs:
            value = run.forecast(issue.id)
            table.add_row(run.title, f"{value:.1f}", issue.label(value), str(run.rounds(issue.id)))
        console.print(table)
        if rounds:
            for run in result.runs:
                console.print(_rounds_table(run, issue.id))
    console.print(f"[dim]{title}: {len(result.scenario.actors)} actors, {len(result.issues)} issues, {result.as_of_note}[/dim]")


def _rounds_table(run: ModelRun, issue_id: str) -> Table:
    positions = run.issue_positions(issue_id)
    table = Table(title=f"{run.title}: positions by round on {issue_id}", title_justify="left")
    table.add_column("actor")
    for index in range(positions.shape[0]):
        table.add_column(str(index), justify="right")
    for row, actor in enumerate(run.issue_actors(issue_id)):
        table.add_row(actor, *(f"{value:.1f}" for value in positions[:, row]))
    return table


@app.command()
def validate(
    file: Annotated[Path, typer.Argument(help="Scenario file to check.")],
    corpus: Annotated[
        Optional[Path], typer.Option("--corpus", help="Folder of source documents named <document id>.txt to check quotes against.")
    ] = None,
    store: Annotated[
        Optional[Path], typer.Option("--store", help="Evidence store (from jirga ingest) to check quotes against.")
    ] = None,
    require_evidence: Annotated[bool, typer.Option(help="Require evidence behind every number.")] = True,
) -> None:
    """Check a scenario: ids, ranges, evidence, and that every quote occurs in its document."""
    scenario = read_scenario(file)
    document_text = _corpus_reader(corpus) if corpus is not None else _store_reader(store) if store is not None else None
    problems = check_evidence(scenario, document_text)
    if not require_evidence:
        problems = [problem for problem in problems if not problem[1].startswith("no evidence")]
    if problems:
        lines = _evidence_lines(file, problems)
        raise ScenarioErrors([JirgaError(message, file=file, line=line, field=field) for line, field, message in lines])
    checked = "quotes checked against " + ("the corpus" if corpus else "the store") if document_text else "quotes not checked (no --corpus or --store)"
    console.print(f"[green]ok[/green] {file}: {len(scenario.actors)} actors, {len(scenario.issues)} issues, {len(scenario.stances)} stances; {checked}")


def _store_reader(path: Path):
    from jirga.evidence.store import open_store

    with open_store(path, read_only=True):  # a clear error now if the store is missing or broken
        pass

    def document_text(document_id: str) -> str | None:
        from jirga.evidence.store import document_text as stored_text

        return stored_text(path, document_id)

    return document_text


def _corpus_reader(folder: Path):
    if not folder.is_dir():
        raise JirgaError("not a folder", file=folder, field="--corpus")

    def document_text(document_id: str) -> str | None:
        path = folder / f"{document_id}.txt"
        return path.read_text(encoding="utf-8") if path.is_file() else None

    return document_text


def _evidence_lines(file: Path, problems: list) -> list[tuple[int | None, str, str]]:
    from jirga.scenario.native import line_of

    document = YAML(typ="rt").load(file.read_text(encoding="utf-8")) if file.suffix in (".yaml", ".yml") else None
    return [(line_of(document, loc) if document is not None else None, field_name(loc), message) for loc, message in problems]


@app.command()
def convert(
    source: Annotated[Path, typer.Argument(help="Scenario to read (format from its name and content).")],
    target: Annotated[Path, typer.Argument(help="File to write (format from its name, or --to).")],
    to: Annotated[Optional[str], typer.Option("--to", help=f"Output format: {', '.join(FORMATS)}.")] = None,
) -> None:
    """Convert a scenario between formats (YAML, KTAB SMP CSV, decide CSV). The write is atomic."""
    write_scenario(read_scenario(source), target, to)
    console.print(f"wrote {target}")


@app.command()
def show(
    scenario: ScenarioArgument = None,
    evidence: Annotated[bool, typer.Option("--evidence/--no-evidence", help="Show the quotes behind each number.")] = True,
    as_of: Annotated[
        Optional[dt.datetime], typer.Option("--as-of", formats=["%Y-%m-%d"], help="Show the stances held on this date.")
    ] = None,
    history: Annotated[
        bool, typer.Option("--history", help="Also show, per issue, every actor's position on each date a stance is known from.")
    ] = False,
) -> None:
    """Show a scenario's actors, issues and stances with the evidence behind each number."""
    loaded = load_scenario(scenario)
    _show(loaded, evidence, as_date(as_of), history)


def _show(scenario: Scenario, evidence: bool, as_of: dt.date | None, history: bool = False) -> None:
    if as_of is not None:
        later = sum(1 for stance in scenario.stances if (scenario.stance_date(stance) or dt.date.min) > as_of)
        held = f" — stances held on {as_of} ({later} later stance{'s' if later != 1 else ''} left out)"
    else:
        held = f" — as of {scenario.as_of}" if scenario.as_of else ""
    console.print(f"[bold]{scenario.name}[/bold]{held}")
    if scenario.description:
        console.print(scenario.description)
    actors = Table(title="Actors", title_justify="left")
    for column in ("id", "name", "kind", "capability"):
        actors.add_column(column, justify="right" if column == "capability" else "left")
    for actor in scenario.actors:
        actors.add_row(actor.id, actor.name, actor.kind.value, _value_text(actor.capability))
    console.print(actors)
    for issue in scenario.issues:
        console.print(f"\n[bold]{issue.name}[/bold] [dim]({issue.id}, {issue.lower:g}-{issue.upper:g})[/dim] {issue.description}")
        console.print("  scale: " + "; ".join(f"{anchor.value:g} = {anchor.label}" for anchor in issue.anchors))
        stances = Table(show_header=True)
        for column in ("actor", "date", "position", "salience", "evidence"):
            stances.add_column(column, overflow="fold")
        for stance in sorted(scenario.current_stances(as_of), key=lambda item: item.actor):
            if stance.issue != issue.id:
                continue
            quotes = "\n".join(f"“{item.quote}” ({item.document})" for item in stance.position.evidence + stance.salience.evidence)
            stances.add_row(
                stance.actor,
                str(scenario.stance_date(stance) or ""),
                _value_text(stance.position),
                _value_text(stance.salience),
                quotes if evidence else "",
            )
        console.print(stances)
        if history:
            console.print(_history_table(scenario, issue.id, as_of))


def _history_table(scenario: Scenario, issue_id: str, as_of: dt.date | None) -> Table | str:
    """Each actor's position on the issue as held on every date a stance became known (up to
    ``as_of``): bold where a stance of that date states it, dim where an earlier one still holds."""
    dates = sorted(
        {
            date
            for stance in scenario.stances
            if stance.issue == issue_id and (date := scenario.stance_date(stance)) is not None and (as_of is None or date <= as_of)
        }
    )
    if not dates:
        return "[dim]positions over time: no dated stance on this issue[/dim]"
    table = Table(title="positions over time", title_justify="left")
    table.add_column("actor")
    for date in dates:
        table.add_column(str(date), justify="right")
    for actor in scenario.actors:
        held = [scenario.stance(actor.id, issue_id, date) for date in dates]
        if not any(held):
            continue
        cells = []
        for stance, date in zip(held, dates):
            if stance is None:
                cells.append("[dim]–[/dim]")
            else:
                style = "bold" if scenario.stance_date(stance) == date else "dim"
                cells.append(f"[{style}]{stance.position.value:g}[/{style}]")
        table.add_row(actor.id, *cells)
    return table


def _value_text(value: Any) -> str:
    text = f"{value.value:g}"
    if value.interval is not None:
        text += f" [{value.interval.low:g}, {value.interval.high:g}]"
    return text


@app.command()
def hindcast(
    scenario: ScenarioArgument = None,
    outcomes: Annotated[
        Optional[Path], typer.Option("--outcomes", help="Outcome file (YAML). Default: the embedded scenario's outcomes of 2021.")
    ] = None,
    model: Annotated[Optional[list[str]], typer.Option("--model", "-m", help="Model to score (repeatable). Default: all.")] = None,
    output: FormatOption = OutputFormat.table,
    seed: SeedOption = 0,
) -> None:
    """Forecast as of each evidence date and score every model and naive baseline against what happened."""
    from jirga.analysis.hindcast import hindcast as run_hindcast
    from jirga.scenario.outcomes import read_outcomes

    if scenario is not None and outcomes is None:
        raise JirgaError("give --outcomes for a scenario other than the embedded one", field="--outcomes")
    loaded = load_scenario(scenario)
    result = run_hindcast(loaded, read_outcomes(outcomes, loaded), model or list(MODELS), seed=seed)
    if output is OutputFormat.json:
        console.print_json(json.dumps(result.to_json()))
        return
    if output is OutputFormat.csv:
        sys.stdout.write("date,issue,forecaster,forecast,outcome,error\n")
        for score in result.scores:
            sys.stdout.write(f"{score.date},{score.issue},{score.forecaster},{score.forecast!r},{score.outcome!r},{score.error!r}\n")
        return
    _print_hindcast(result)


def _print_hindcast(result: Any) -> None:
    from jirga.analysis.hindcast import TREND_MARKS

    last = result.dates[-1]
    ranked = result.ranked()
    table = Table(
        title=f"Error as of {last}, % of each issue's scale",
        caption="↓ closer to the outcome than at the first date, ↑ farther, · unchanged",
        title_justify="left",
    )
    table.add_column("forecaster")
    for issue in result.issues:
        table.add_column(issue, justify="right")
    table.add_column("mean", justify="right")
    for forecaster in ranked:
        cells = []
        for issue in result.issues:
            score = result.score(forecaster, issue, last)
            cells.append("–" if score is None else f"{score.error:.0f} {TREND_MARKS[result.trend(forecaster, issue)]}")
        mean = result.mean_error(forecaster)
        table.add_row(forecaster, *cells, "–" if mean is None else f"{mean:.1f}")
    console.print(table)
    by_date = Table(title="Mean error over issues as of each evidence date", title_justify="left")
    by_date.add_column("forecaster")
    for date in result.dates:
        by_date.add_column(str(date), justify="right")
    for forecaster in ranked:
        means = [result.mean_error(forecaster, date) for date in result.dates]
        by_date.add_row(forecaster, *("–" if mean is None else f"{mean:.1f}" for mean in means))
    console.print(by_date)


# --- report and web app (issue 9): the commands live in their packages -------------------
from jirga.report.commands import report as _report  # noqa: E402
from jirga.web.commands import serve as _serve  # noqa: E402

app.command("report")(_report)
app.command("serve")(_serve)


# --- evidence (issue 3): jirga ingest / evidence / timeline / actors / suggest ---------------
from jirga.evidence.commands import register as _register_evidence  # noqa: E402

_register_evidence(app)


# --- uncertainty, sensitivity and what-if (issue 4): jirga montecarlo / sensitivity / whatif ---
from jirga.analysis.commands import register as _register_analysis  # noqa: E402

_register_analysis(app)


def main() -> None:
    """Entry point: run the app and turn :class:`JirgaError` into one line on stderr and exit 2."""
    try:
        app(standalone_mode=False)
    except JirgaError as error:
        errors.print(f"[red]error:[/red] {error}", highlight=False, soft_wrap=True)
        if isinstance(error, ScenarioErrors) and len(error.errors) > 1:
            for other in error.errors[1:]:
                errors.print(f"       {other}", highlight=False, soft_wrap=True)
        sys.exit(2)
    except typer.Exit as done:
        sys.exit(done.exit_code)
    except typer.Abort:
        errors.print("aborted")
        sys.exit(130)
    except Exception as error:  # click's usage errors
        import click

        if isinstance(error, click.ClickException):
            error.show()
            sys.exit(error.exit_code)
        raise

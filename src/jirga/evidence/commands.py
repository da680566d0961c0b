"""The evidence commands: jirga ingest, evidence, timeline, actors and suggest."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from ruamel.yaml import YAML

from jirga.errors import JirgaError
from jirga.evidence import DEFAULT_STORE
from jirga.files import atomic_write_text
from jirga.scenario import Scenario, default_scenario_path, load_scenario

if TYPE_CHECKING:
    from jirga.evidence.ingest import Metadata
    from jirga.evidence.store import Store

# spaCy, DuckDB and the extraction modules load inside the commands that use them, so that
# registering these commands costs the rest of the command line nothing.

console = Console()
StoreOption = Annotated[Path, typer.Option("--store", help="The evidence store (DuckDB file).")]
SKIPPED_EXIT_CODE = 1
"""``jirga ingest`` exits 1 when it skipped some files (and 2, as every command, on bad input)."""


class Kind(str, Enum):
    quote = "quote"
    event = "event"
    stance = "stance"


def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Text (.txt, .md), HTML or JSONL files, or folders of them.")],
    store: StoreOption = Path(DEFAULT_STORE),
    meta: Annotated[
        Optional[Path], typer.Option("--meta", help="YAML list of {id, title, publisher, date, url}, or a scenario whose sources give them. Default: the embedded scenario's sources.")
    ] = None,
    gazetteer: Annotated[Optional[Path], typer.Option("--gazetteer", help="YAML file of extra actor aliases (same shape as the shipped one).")] = None,
    processes: Annotated[Optional[int], typer.Option("--processes", help="spaCy worker processes (default: 2 for 64+ documents on 2+ cores).")] = None,
) -> None:
    """Read articles into the evidence store and extract actors, quotes, events and stances."""
    from jirga.evidence.gazetteer import Gazetteer
    from jirga.evidence.ingest import ingest as ingest_documents, read_metadata

    metadata: dict[str, Metadata] = read_metadata(meta if meta is not None else default_scenario_path())
    known = Gazetteer.default() if gazetteer is None else Gazetteer.from_yaml(gazetteer, Gazetteer.default())
    columns = (TextColumn("ingesting"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("ingest", total=None)
        report = ingest_documents(
            paths, store, gazetteer=known, metadata=metadata, processes=processes,
            on_progress=lambda done, total: progress.update(task, completed=done, total=total),
        )
    console.print(f"added {len(report.added)} documents ({report.words:,} words), {len(report.unchanged)} already in {store}")
    for name, other, similarity in report.near_duplicates:
        console.print(f"[yellow]near duplicate[/yellow] {name} ~ {other} (estimated Jaccard similarity {similarity:.2f})")
    for skipped in report.skipped:
        console.print(f"[red]skipped[/red] {skipped}", highlight=False, soft_wrap=True)
    if report.skipped:
        console.print(f"{len(report.skipped)} skipped")
        raise typer.Exit(SKIPPED_EXIT_CODE)


def _rows(store: Store) -> list[dict[str, Any]]:
    """Every quote, event and stance with its sentence (or quoted words) and their character span,
    document and date (the event's date, else the document's)."""
    return store.query(
        """
        SELECT 'quote' AS kind, q.actor, q.text AS sentence,
               coalesce(q.speaker, '?') || coalesce(' (' || q.role || ')', '') || coalesce(' ' || q.verb, '') AS detail,
               d.name AS document, d.date AS date, 1 AS polarity, q.text AS object_text, q.start, q."end"
        FROM quotes q JOIN documents d ON d.id = q.document_id
        UNION ALL
        SELECT 'event', e.source, substr(d.text, e.start + 1, e."end" - e.start), e.category || ' ' || e.source || ' -> ' || e.target
               || coalesce(' at ' || e.place, '') || coalesce(' on ' || e.date_text, ''), d.name, coalesce(e.date, d.date), 1,
               substr(d.text, e.start + 1, e."end" - e.start), e.start, e."end"
        FROM events e JOIN documents d ON d.id = e.document_id
        UNION ALL
        SELECT 'stance', s.actor, substr(d.text, s.start + 1, s."end" - s.start),
               s.verb || CASE WHEN s.polarity < 0 THEN ' (against)' ELSE '' END,
               d.name, d.date, s.polarity, s.object_text, s.start, s."end"
        FROM stances s JOIN documents d ON d.id = s.document_id
        ORDER BY document, kind
        """
    )


def linked_rows(store: Store, scenario: Scenario, embeddings: bool = False) -> tuple[list[dict[str, Any]], str]:
    """Every quote, event and stance of the store linked to the scenario's issues (``issue``, ``position``),
    and how they were linked. ``embeddings`` adds sentence embeddings when the model is installed."""
    from jirga.evidence.embeddings import load_encoder
    from jirga.evidence.stances import StanceLinker

    rows = _rows(store)
    linker = StanceLinker(scenario.issues, load_encoder() if embeddings else None)
    links = linker.link([(row["sentence"], row["object_text"], row["polarity"]) for row in rows])
    for row, link in zip(rows, links):
        row["issue"] = link.issue if link else None
        row["position"] = link.position if link else None
    return rows, linker.method


EmbeddingsOption = Annotated[
    bool, typer.Option("--embeddings", help="Link to issues with all-MiniLM-L6-v2 sentence embeddings too (when installed; slower).")
]


def evidence(
    store: StoreOption = Path(DEFAULT_STORE),
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only this actor id.")] = None,
    issue: Annotated[Optional[str], typer.Option("--issue", help="Only evidence linked to this issue id (of --scenario).")] = None,
    kind: Annotated[Optional[Kind], typer.Option("--kind", help="Only quotes, events or stances.")] = None,
    since: Annotated[Optional[dt.datetime], typer.Option("--since", formats=["%Y-%m-%d"], help="Only evidence dated on or after.")] = None,
    scenario: Annotated[Optional[Path], typer.Option("--scenario", help="Scenario whose issues evidence is linked to. Default: the embedded one.")] = None,
    embeddings: EmbeddingsOption = False,
) -> None:
    """List the quotes, events and stances found, with their sentence and document."""
    loaded = load_scenario(scenario)
    if issue is not None and issue not in {item.id for item in loaded.issues}:
        raise JirgaError(f"unknown issue {issue!r} (known: {', '.join(item.id for item in loaded.issues)})", field="--issue")
    from jirga.evidence.store import open_store

    with open_store(store, read_only=True) as opened:
        rows, method = linked_rows(opened, loaded, embeddings)
    selected = [
        row for row in rows
        if (actor is None or row["actor"] == actor) and (issue is None or row["issue"] == issue)
        and (kind is None or row["kind"] == kind.value) and (since is None or (row["date"] is not None and row["date"] >= since.date()))
    ]
    table = Table(title=f"{len(selected)} pieces of evidence in {store} (issues linked by {method})", title_justify="left", show_lines=True)
    for column in ("kind", "actor", "issue", "date", "detail", "sentence", "document"):
        table.add_column(column, overflow="fold")
    for row in selected:
        issue_text = "" if row["issue"] is None else row["issue"] + ("" if row["position"] is None else f" ≈{row['position']:g}")
        table.add_row(
            row["kind"], row["actor"] or "?", issue_text, str(row["date"] or ""), row["detail"] or "", row["sentence"], row["document"]
        )
    console.print(table)


def timeline(
    store: StoreOption = Path(DEFAULT_STORE),
    actor: Annotated[Optional[str], typer.Option("--actor", help="Only events with this actor as source or target.")] = None,
) -> None:
    """Print the dated events in date order (relative dates resolved against the document date, marked ~)."""
    from jirga.evidence.store import open_store

    with open_store(store, read_only=True) as opened:
        rows = opened.query(
            """
            SELECT e.date, e.date_text, e.date_precision, e.date_relative, e.category, e.source, e.target, e.place,
                   substr(d.text, e.start + 1, e."end" - e.start) AS sentence, d.name AS document
            FROM events e JOIN documents d ON d.id = e.document_id
            WHERE e.date IS NOT NULL AND (? IS NULL OR e.source = ? OR e.target = ?)
            ORDER BY e.date, d.name, e.start
            """,
            [actor, actor, actor],
        )
    table = Table(title=f"{len(rows)} dated events", title_justify="left", show_lines=True)
    for column in ("date", "event", "place", "sentence", "document"):
        table.add_column(column, overflow="fold")
    for row in rows:
        date = _date_text(row["date"], row["date_precision"]) + (" ~" if row["date_relative"] else "")
        table.add_row(date, f"{row['category']} {row['source']} -> {row['target']}", row["place"] or "", row["sentence"], row["document"])
    console.print(table)
    console.print("[dim]~ : a relative date (\"on Thursday\", \"last month\") resolved against the document's date[/dim]")


def _date_text(date: dt.date, precision: str | None) -> str:
    return {"year": f"{date:%Y}", "month": f"{date:%Y-%m}"}.get(precision or "day", date.isoformat())


def actors(store: StoreOption = Path(DEFAULT_STORE)) -> None:
    """Print the canonical actors with their mention counts, and the names no alias resolved."""
    from jirga.evidence.store import open_store

    with open_store(store, read_only=True) as opened:
        counts = opened.query(
            """SELECT actor, count(*) AS mentions, count(DISTINCT document_id) AS documents FROM mentions
               WHERE actor IS NOT NULL GROUP BY actor ORDER BY mentions DESC"""
        )
        unresolved = opened.query(
            """SELECT text, label, count(*) AS mentions FROM mentions WHERE actor IS NULL AND NOT place AND label <> 'EXCLUDED'
               GROUP BY text, label ORDER BY mentions DESC, text"""
        )
    from jirga.evidence.gazetteer import Gazetteer

    names = Gazetteer.default().names
    table = Table(title="Canonical actors", title_justify="left")
    for column in ("actor", "name", "mentions", "documents"):
        table.add_column(column, justify="right" if column in ("mentions", "documents") else "left")
    for row in counts:
        table.add_row(row["actor"], names.get(row["actor"], ""), str(row["mentions"]), str(row["documents"]))
    console.print(table)
    title = f"Unresolved names ({len(unresolved)}): add them to a gazetteer file (--gazetteer) if they are actors"
    other = Table(title=title, title_justify="left")
    for column in ("name", "entity", "mentions"):
        other.add_column(column)
    for row in unresolved:
        other.add_row(row["text"], row["label"], str(row["mentions"]))
    console.print(other)


def suggest(
    scenario: Annotated[Optional[Path], typer.Argument(help="Scenario to suggest stances for. Default: the embedded one.", show_default=False)] = None,
    store: StoreOption = Path(DEFAULT_STORE),
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="Write the suggestions as YAML stances (with evidence) to this file.")] = None,
    per_pair: Annotated[int, typer.Option("--evidence", help="Evidence sentences to show per actor and issue.")] = 3,
    embeddings: EmbeddingsOption = False,
) -> None:
    """Propose, for each actor and issue, evidence sentences and a position and salience range."""
    loaded = load_scenario(scenario)
    from jirga.evidence.store import open_store

    with open_store(store, read_only=True) as opened:
        rows, method = linked_rows(opened, loaded, embeddings)
    suggestions = suggest_stances(loaded, rows, per_pair)
    table = Table(title=f"Suggested stances for {loaded.name} from {store} (issues linked by {method})", title_justify="left", show_lines=True)
    for column in ("actor", "issue", "position", "salience", "evidence"):
        table.add_column(column, overflow="fold")
    for item in suggestions:
        position = "–" if item["position"] is None else f"{item['position'][0]:g}–{item['position'][1]:g}"
        quotes = "\n".join(f"“{row['sentence']}” ({row['document']})" for row in item["evidence"])
        table.add_row(item["actor"], item["issue"], position, f"{item['salience'][0]:.2f}–{item['salience'][1]:.2f}", quotes)
    console.print(table)
    if output is not None:
        atomic_write_text(output, _suggestions_yaml(suggestions))
        console.print(f"wrote {output}: review each stance before copying it into the scenario")


def suggest_stances(scenario: Scenario, rows: list[dict[str, Any]], per_pair: int = 3) -> list[dict[str, Any]]:
    """For each (actor, issue) with linked evidence: the evidence, a position range and a salience range.

    Position range: the lowest and highest positions the linked sentences suggest (anchors
    whose labels they echo, mirrored for opposition); None when no sentence echoes an anchor.
    Salience range: attention share s = (sentences on this issue) / (sentences on the actor's
    most discussed issue), widened to [s - 0.15, s + 0.15] within [0, 1]: a heuristic for the analyst.
    """
    actor_ids = {actor.id for actor in scenario.actors}
    by_pair: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    seen: set[tuple[str, str, str, str]] = set()
    for row in rows:
        key = (row["actor"], row["issue"], row["document"], row["sentence"])
        if row["actor"] in actor_ids and row["issue"] is not None and key not in seen:  # one row per sentence
            seen.add(key)
            by_pair[(row["actor"], row["issue"])].append(row)
    busiest = Counter()
    for (actor, _), items in by_pair.items():
        busiest[actor] = max(busiest[actor], len(items))
    suggestions = []
    for (actor, issue), items in sorted(by_pair.items()):
        positions = [row["position"] for row in items if row["position"] is not None]
        share = len(items) / busiest[actor]
        suggestions.append({
            "actor": actor, "issue": issue,
            "position": (min(positions), max(positions)) if positions else None,
            "salience": (round(max(0.0, share - 0.15), 2), round(min(1.0, share + 0.15), 2)),
            "evidence": items[:per_pair],
        })
    return suggestions


def _suggestions_yaml(suggestions: list[dict[str, Any]]) -> str:
    import io

    stances = []
    for item in suggestions:
        evidence = [
            {"document": row["document"], "quote": row["sentence"],
             "rationale": f"suggested by jirga from this {row['kind']} ({row['detail']})",
             **({"date": row["date"]} if row["date"] else {}), "start": row["start"], "end": row["end"]}
            for row in item["evidence"]
        ]
        low, high = item["position"] if item["position"] is not None else (None, None)
        position: dict[str, Any] = {"value": None if low is None else (low + high) / 2, "evidence": evidence}
        if low is not None:
            position["interval"] = [low, high]
        salience_low, salience_high = item["salience"]
        stances.append({
            "actor": item["actor"], "issue": item["issue"], "position": position,
            "salience": {"value": round((salience_low + salience_high) / 2, 2), "interval": [salience_low, salience_high]},
        })
    stream = io.StringIO()
    yaml = YAML()
    yaml.default_flow_style = False
    yaml.width = 10_000  # one line per quote: easier to check against the source
    yaml.dump({"stances": stances}, stream)
    return "# Suggested by `jirga suggest`: positions with value null need the analyst's reading.\n" + stream.getvalue()


def register(app: typer.Typer) -> None:
    """Add the evidence commands to the ``jirga`` app."""
    for command in (ingest, evidence, timeline, actors, suggest):
        app.command(command.__name__)(command)

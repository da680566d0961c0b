"""The "table" CSV format: one row per actor (and issue), the plain table of the EUM literature.

Columns (a header line names them, in any order, case-insensitive)::

    actor,capability,position,salience[,issue][,lower][,upper]

as in Bueno de Mesquita (1994, p. 78) and Scholz, Calbert & Smith (2011), Table 1. Reading:

* ``actor`` is the actor's name; its id is the name with every run of characters other than
  letters, digits, ``_ . -`` replaced by ``_``. ``issue`` likewise; without an ``issue``
  column there is one issue, named after the file.
* ``salience`` is a fraction in [0, 1], or a percentage in [0, 100] when any value exceeds 1
  (then every value is divided by 100).
* ``lower`` and ``upper`` give the issue's scale and must agree on every row of an issue;
  without them the scale runs from the smallest to the largest position of the issue.
* An actor on several issues takes its capability from its first row; a row with another
  capability keeps it as that stance's own capability.

Writing gives one row per actor and issue (the latest stance), with ids, saliences as
fractions and the ``issue``, ``lower`` and ``upper`` columns; names, evidence, intervals and
dates are not kept. Every error names the file, the line and the column.
"""

from __future__ import annotations

import csv
import io
import math
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from jirga.errors import JirgaError
from jirga.scenario.model import Actor, Issue, Scenario, Stance, Value, identifier
from jirga.scenario.native import read_text

REQUIRED = ("actor", "capability", "position", "salience")
OPTIONAL = ("issue", "lower", "upper")
WRITTEN = ("actor", "issue", "capability", "position", "salience", "lower", "upper")


def sniff(head: str) -> bool:
    """Whether the first line is a table header: all of REQUIRED, nothing beyond OPTIONAL."""
    first = next((line for line in head.lstrip("\ufeff").splitlines() if line.strip()), "")
    columns = {name.strip().lower() for name in next(csv.reader([first]), [])}
    return set(REQUIRED) <= columns <= set(REQUIRED) | set(OPTIONAL)


def read_table(path: str | Path) -> Scenario:
    """Read a table CSV file into a scenario; a :class:`JirgaError` names the line and column."""
    path = Path(path)
    return parse_table(read_text(path), path)


def parse_table(text: str, path: str | Path = "<string>") -> Scenario:
    path = Path(path)
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")), strict=True)
    columns: dict[str, int] | None = None
    rows: list[_Row] = []
    try:
        for cells in reader:
            if not any(cell.strip() for cell in cells):
                continue
            if columns is None:
                columns = _columns(cells, path, reader.line_num)
            else:
                rows.append(_row(cells, columns, path, reader.line_num))
    except csv.Error as error:
        raise JirgaError(f"not a readable CSV line: {error}", file=path, line=reader.line_num) from None
    if columns is None:
        raise JirgaError("empty file: expected the header " + ",".join(REQUIRED), file=path, line=1)
    if not rows:
        raise JirgaError("no rows below the header", file=path, line=reader.line_num + 1)
    return _scenario(rows, "issue" in columns, path)


def dump_table(scenario: Scenario) -> str:
    """The scenario as a table CSV (see the module docstring for what is kept)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(WRITTEN)
    for stance in scenario.current_stances():
        actor, issue = scenario.actor(stance.actor), scenario.issue(stance.issue)
        capability = stance.capability if stance.capability is not None else actor.capability
        numbers = (capability.value, stance.position.value, stance.salience.value, issue.lower, issue.upper)
        writer.writerow((actor.id, issue.id, *(repr(value) for value in numbers)))
    return buffer.getvalue()


@dataclass(frozen=True)
class _Row:
    line: int
    actor: str
    issue: str | None
    capability: float
    position: float
    salience: float
    lower: float | None
    upper: float | None


def _columns(header: list[str], path: Path, line: int) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, raw in enumerate(header):
        name = raw.strip().lower()
        if name not in REQUIRED + OPTIONAL:
            known = ", ".join(REQUIRED + OPTIONAL)
            raise JirgaError(f"unknown column (known: {known})", file=path, line=line, field=raw.strip() or f"column {index + 1}")
        if name in columns:
            raise JirgaError("column named twice", file=path, line=line, field=name)
        columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            raise JirgaError(f"missing column (the header needs {', '.join(REQUIRED)})", file=path, line=line, field=name)
    if ("lower" in columns) != ("upper" in columns):
        missing = "upper" if "lower" in columns else "lower"
        raise JirgaError("lower and upper come together", file=path, line=line, field=missing)
    return columns


def _row(cells: list[str], columns: dict[str, int], path: Path, line: int) -> _Row:
    if len(cells) > len(columns) and any(cell.strip() for cell in cells[len(columns):]):
        raise JirgaError(f"{len(cells)} cells but {len(columns)} columns", file=path, line=line)
    texts: dict[str, str] = {}
    numbers: dict[str, float] = {}
    for name, index in columns.items():
        cell = cells[index].strip() if index < len(cells) else ""
        if not cell:
            raise JirgaError("empty cell", file=path, line=line, field=name)
        if name in ("actor", "issue"):
            texts[name] = cell
        else:
            numbers[name] = _number(cell, name, path, line)
    return _Row(
        line, texts["actor"], texts.get("issue"), numbers["capability"], numbers["position"], numbers["salience"],
        numbers.get("lower"), numbers.get("upper"),
    )


def _number(cell: str, name: str, path: Path, line: int) -> float:
    try:
        number = float(cell)
    except ValueError:
        raise JirgaError(f"not a number: {cell!r}", file=path, line=line, field=name) from None
    if not math.isfinite(number):
        raise JirgaError(f"must be finite, got {cell!r}", file=path, line=line, field=name)
    if name in ("capability", "salience") and number < 0:
        raise JirgaError(f"must be >= 0, got {cell}", file=path, line=line, field=name)
    if name == "salience" and number > 100:
        message = f"a salience is a fraction in [0, 1] or a percentage in [0, 100], got {cell}"
        raise JirgaError(message, file=path, line=line, field=name)
    return number


def _identifier(text: str, names: dict[str, str], path: Path, line: int, field: str) -> str:
    """The id made from the name ``text``; ``names`` maps the ids made so far to their names."""
    made = identifier(text)
    if not made:
        raise JirgaError(f"{text!r} has no letter or digit to make an id from", file=path, line=line, field=field)
    known = names.setdefault(made, text)
    if known != text:
        raise JirgaError(f"{text!r} and {known!r} would both get the id {made!r}", file=path, line=line, field=field)
    return made


def _scenario(rows: list[_Row], has_issue_column: bool, path: Path) -> Scenario:
    percent = any(row.salience > 1 for row in rows)
    default_issue = path.stem or "issue"
    issue_rows: dict[str, list[_Row]] = {}
    issue_names: dict[str, str] = {}
    actor_names: dict[str, str] = {}
    actors: dict[str, Actor] = {}
    stances: list[Stance] = []
    seen: dict[tuple[str, str], int] = {}
    for row in rows:
        issue_name = row.issue if has_issue_column and row.issue is not None else default_issue
        issue_id = _identifier(issue_name, issue_names, path, row.line, "issue")
        actor_id = _identifier(row.actor, actor_names, path, row.line, "actor")
        if (actor_id, issue_id) in seen:
            message = f"second row of {row.actor!r} on {issue_name!r} (first on line {seen[actor_id, issue_id]})"
            raise JirgaError(message, file=path, line=row.line, field="actor")
        seen[actor_id, issue_id] = row.line
        issue_rows.setdefault(issue_id, []).append(row)
        if actor_id not in actors:
            actors[actor_id] = Actor(id=actor_id, name=row.actor, capability=Value(value=row.capability))
        own = Value(value=row.capability) if row.capability != actors[actor_id].capability.value else None
        stances.append(
            Stance(
                actor=actor_id,
                issue=issue_id,
                position=Value(value=row.position),
                salience=Value(value=row.salience / 100 if percent else row.salience),
                capability=own,
            )
        )
    issues = [_issue(issue_id, issue_names[issue_id], members, path) for issue_id, members in issue_rows.items()]
    try:
        return Scenario(name=path.stem or "table", actors=tuple(actors.values()), issues=tuple(issues), stances=tuple(stances))
    except ValidationError as error:
        raise JirgaError(f"not a valid scenario: {error.errors()[0]['msg']}", file=path) from None


def _issue(issue_id: str, name: str, rows: list[_Row], path: Path) -> Issue:
    """The issue's scale: the lower/upper columns (the same on every row) or the positions' range."""
    first = rows[0]
    if first.lower is not None and first.upper is not None:
        for row in rows:
            for field, value, expected in (("lower", row.lower, first.lower), ("upper", row.upper, first.upper)):
                if value != expected:
                    message = f"{value:g} differs from {expected:g} on line {first.line} for the same issue"
                    raise JirgaError(message, file=path, line=row.line, field=field)
        lower, upper = first.lower, first.upper
        if not lower < upper:
            raise JirgaError(f"lower ({lower:g}) must be below upper ({upper:g})", file=path, line=first.line, field="upper")
        for row in rows:
            if not lower <= row.position <= upper:
                message = f"{row.position:g} lies outside the scale [{lower:g}, {upper:g}]"
                raise JirgaError(message, file=path, line=row.line, field="position")
    else:
        lower = min(row.position for row in rows)
        upper = max(row.position for row in rows)
        if lower == upper:
            raise JirgaError(
                f"every position on {name!r} is {lower:g}, so the scale cannot be taken from the data: add lower and upper columns",
                file=path, line=first.line, field="position",
            )
    return Issue(id=issue_id, name=name, lower=lower, upper=upper)

"""decide-exchange-model's input format: one row per fact, its kind in the first cell.

The files are delimited text (tab, semicolon or comma: the character after the first row kind;
strings may be quoted with ' or "), with these row kinds:

- ``#A  id  full name  comment``: an actor;
- ``#P  id  name  description``: an issue (decide reads everything after the id as description);
- ``#M  issue  value  meaning``: a point of an issue's scale; the smallest and the largest are
  its bounds (0 and 100 when an issue has no ``#M`` row);
- ``#D  actor  issue  position  salience  power  comment``: an actor's stance on an issue (a
  comment ``date=YYYY-MM-DD`` dates it: jirga's dated stances; decide keeps the last row);
- ``#/`` comment, ``#O`` a line describing the scenario.

How decide's numbers map onto a :class:`~jirga.scenario.model.Scenario`:

- positions stay on the issue's own scale; ``#M`` rows with a meaning become issue anchors;
- power is per actor *and* issue: it becomes :attr:`Stance.capability` wherever it differs from
  the actor's capability, which is the power the actor has on most of its issues (decide
  accepts 0-100; jirga only requires it to be >= 0, so a file with larger capabilities reads
  here but not in decide);
- salience: decide uses it as written (it accepts 0-100). Files use 0-1 or 0-100, so a file
  whose largest salience exceeds 1 is read as 0-100 and divided by 100;
- ids become jirga identifiers (runs of other characters turn into ``_``); the original id is
  kept as an alias.

Writing puts every stance in a ``#D`` row (salience 0-1; dated stances oldest first, so decide,
which keeps the last row, uses the latest), and what decide has no column for (an actor's
capability that no ``#D`` row carries, an issue's status quo) in ``#/ jirga`` comment rows,
which decide skips and this reader restores. Intervals and evidence stay in the native file.
Errors name the line and field of every problem (:class:`~jirga.errors.ScenarioErrors`).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from pydantic import ValidationError

from jirga.errors import JirgaError, ScenarioErrors
from jirga.scenario.model import Actor, Anchor, Issue, Scenario, Stance, Value, identifier
from jirga.scenario.native import read_text

ROW_KINDS = ("#A", "#P", "#M", "#D", "#/", "#O")
FIELDS = {
    "#A": ("id", "full name", "comment"),
    "#P": ("id", "name", "description"),
    "#M": ("issue", "value", "meaning"),
    "#D": ("actor", "issue", "position", "salience", "power", "comment"),
}
MAX_SCORE = 100.0
"""decide accepts saliences in [0, 100] (and powers too; jirga's capabilities have no upper bound)."""
_DATE = re.compile(r"^date=(\d{4}-\d{2}-\d{2})$")
_JIRGA = "jirga"
_SNIFF = re.compile(r"^\s*['\"]?#[APMD]['\"]?[\t;,]", re.MULTILINE)
_FIRST_ROW = re.compile(r"^[ ]*(['\"]?)#[A-Z/]\1([\t;,])", re.MULTILINE)
"""The delimiter is the character after the first row kind; decide's csv.Sniffer guesses wrongly
on files that open with comment rows (it picks '#' for its own copenhagen_with_errors.csv)."""


def sniff(head: str) -> bool:
    """Whether a file's first kilobytes look like decide rows (``#A``/``#P``/``#M``/``#D``)."""
    return _SNIFF.search(head) is not None


@dataclass
class _Row:
    line: int
    cells: list[str]


@dataclass
class _Parsed:
    path: Path
    errors: list[JirgaError] = field(default_factory=list)
    actors: dict[str, _Row] = field(default_factory=dict)
    issues: dict[str, _Row] = field(default_factory=dict)
    scale: dict[str, list[tuple[float, str]]] = field(default_factory=dict)
    scale_lines: dict[str, int] = field(default_factory=dict)
    stances: dict[tuple[str, str, dt.date | None], tuple[int, float, float, float]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    extras: list[_Row] = field(default_factory=list)

    def error(self, message: str, line: int, field_name: str | None = None) -> None:
        self.errors.append(JirgaError(message, file=self.path, line=line, field=field_name))

    def number(self, row: _Row, kind: str, index: int) -> float | None:
        name = FIELDS[kind][index]
        if index >= len(row.cells) or not row.cells[index].strip():
            self.error(f"missing {name}", row.line, name)
            return None
        text = row.cells[index].strip()
        try:
            value = float(text)
        except ValueError:
            self.error(f"{text!r} is not a number", row.line, name)
            return None
        if not math.isfinite(value):
            self.error(f"{text!r} is not a finite number", row.line, name)
            return None
        return value


def read_decide(path: str | Path) -> Scenario:
    """Read a decide input file; raise :class:`ScenarioErrors` naming the line and field of each problem."""
    path = Path(path)
    return parse_decide(read_text(path), path)


def parse_decide(text: str, path: str | Path = "<string>") -> Scenario:
    path = Path(path)
    parsed = _Parsed(path)
    for row in _rows(text, path):
        _collect(parsed, row)
    if not parsed.errors:
        scenario = _build(parsed)
        if not parsed.errors:
            return scenario
    raise ScenarioErrors(parsed.errors)


def _rows(text: str, path: Path) -> list[_Row]:
    found = _FIRST_ROW.search(text)
    if found is None:
        raise JirgaError("no decide rows ('#A', '#P', '#M', '#D' followed by a tab, ';' or ',')", file=path, line=1)
    quote, delimiter = found.group(1), found.group(2)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, quotechar=quote or '"')
    rows: list[_Row] = []
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            rows.append(_Row(line, cells))
        line = reader.line_num + 1
    return rows


def _squash(cells: list[str], count: int) -> list[str]:
    """Join surplus cells into the last field, as decide does."""
    if len(cells) <= count:
        return cells
    return [*cells[: count - 1], " ".join(cells[count - 1 :])]


def _collect(parsed: _Parsed, row: _Row) -> None:
    kind, cells = row.cells[0].strip(), row.cells[1:]
    if kind not in ROW_KINDS:
        parsed.error(f"unknown row kind {kind!r} (known: {', '.join(ROW_KINDS)})", row.line, "kind")
        return
    if kind == "#/":
        if [cell.strip() for cell in cells[:1]] == [_JIRGA]:
            parsed.extras.append(_Row(row.line, [cell.strip() for cell in cells[1:]]))
        return
    if kind == "#O":
        parsed.notes.append(" ".join(cell for cell in cells if cell))
        return
    # Ids and numbers are read without surrounding blanks; names, descriptions and labels as written.
    item = _Row(row.line, _squash(cells, len(FIELDS[kind])))
    first = item.cells[0].strip() if item.cells else ""
    if not first:
        parsed.error(f"missing {FIELDS[kind][0]}", row.line, FIELDS[kind][0])
        return
    if kind == "#A":
        if first in parsed.actors:
            parsed.error(f"second #A row for actor {first!r} (first on line {parsed.actors[first].line})", row.line, "id")
        parsed.actors[first] = item
    elif kind == "#P":
        if first in parsed.issues:
            parsed.error(f"second #P row for issue {first!r} (first on line {parsed.issues[first].line})", row.line, "id")
        parsed.issues[first] = item
    elif kind == "#M":
        value = parsed.number(item, kind, 1)
        if value is not None:
            meaning = item.cells[2] if len(item.cells) > 2 else ""
            parsed.scale.setdefault(first, []).append((value, meaning))
            parsed.scale_lines[first] = row.line
    else:
        numbers = [parsed.number(item, kind, index) for index in (2, 3, 4)]
        issue = _cell(item, 1).strip()
        if not issue:
            parsed.error("missing issue", row.line, "issue")
            return
        if None in numbers:
            return
        position, salience, power = numbers
        date = _date(parsed, item, row.line)
        # decide keeps the last row of a duplicated actor-issue pair; so do we (per date).
        parsed.stances[(first, issue, date)] = (row.line, position, salience, power)  # type: ignore[assignment]


def _build(parsed: _Parsed) -> Scenario | None:
    scale_lines = parsed.scale_lines
    extras = _read_extras(parsed)
    for issue_name, line in scale_lines.items():
        if issue_name not in parsed.issues:
            parsed.error(f"#M row for unknown issue {issue_name!r}", line, "issue")
    bounds: dict[str, tuple[float, float]] = {}
    for name, row in parsed.issues.items():
        values = sorted({value for value, _ in parsed.scale.get(name, [])})
        if not values:
            bounds[name] = (0.0, MAX_SCORE)
        elif len(values) == 1:
            parsed.error(f"issue {name!r} has one #M bound ({values[0]:g}); give the lower and the upper one", scale_lines[name], "value")
        else:
            bounds[name] = (values[0], values[-1])
    saliences = [salience for _, _, salience, _ in parsed.stances.values()]
    salience_scale = MAX_SCORE if saliences and max(saliences) > 1.0 else 1.0
    powers: dict[str, list[float]] = {}
    for (actor, issue, _), (line, position, salience, power) in parsed.stances.items():
        if actor not in parsed.actors:
            parsed.error(f"unknown actor {actor!r} (no #A row)", line, "actor")
        if issue not in parsed.issues:
            parsed.error(f"unknown issue {issue!r} (no #P row)", line, "issue")
        elif issue in bounds and not bounds[issue][0] <= position <= bounds[issue][1]:
            low, high = bounds[issue]
            parsed.error(f"{position:g} lies outside the scale [{low:g}, {high:g}] of issue {issue!r}", line, "position")
        if not 0.0 <= salience <= MAX_SCORE:
            parsed.error(f"{salience:g} lies outside [0, 100]", line, "salience")
        if power < 0.0:
            parsed.error(f"{power:g} is negative", line, "power")
        powers.setdefault(actor, []).append(power)
    actor_ids = _identifiers(parsed, parsed.actors, "actor")
    issue_ids = _identifiers(parsed, parsed.issues, "issue")
    if parsed.errors:
        return None
    capability = {name: extras.get(("capability", name), _most_common(powers.get(name, [0.0]))) for name in parsed.actors}
    actors = tuple(
        Actor(
            id=actor_ids[name],
            name=_cell(row, 1) or name,
            description=_cell(row, 2),
            aliases=(name,) if name not in (actor_ids[name], _cell(row, 1)) else (),
            capability=Value(value=capability[name]),
        )
        for name, row in parsed.actors.items()
    )
    issues = tuple(
        Issue(
            id=issue_ids[name],
            name=_cell(row, 1) or name,
            description=_cell(row, 2),
            lower=bounds[name][0],
            upper=bounds[name][1],
            anchors=tuple(Anchor(value=value, label=meaning) for value, meaning in parsed.scale.get(name, []) if meaning),
            status_quo=extras.get(("status_quo", name)),
        )
        for name, row in parsed.issues.items()
    )
    stances = tuple(
        Stance(
            actor=actor_ids[actor],
            issue=issue_ids[issue],
            position=Value(value=position),
            salience=Value(value=salience / salience_scale),
            capability=None if power == capability[actor] else Value(value=power),
            date=date,
        )
        for (actor, issue, date), (_, position, salience, power) in parsed.stances.items()
    )
    try:
        return Scenario(
            name=parsed.path.stem, description="\n".join(parsed.notes), actors=actors, issues=issues, stances=stances
        )
    except ValidationError as error:
        parsed.error(error.errors()[0]["msg"].removeprefix("Value error, "), 1)
        return None


def _date(parsed: _Parsed, row: _Row, line: int) -> dt.date | None:
    """The stance date of a ``#D`` comment ``date=YYYY-MM-DD``; other comments are free text."""
    found = _DATE.match(_cell(row, 5).strip())
    if found is None:
        return None
    try:
        return dt.date.fromisoformat(found.group(1))
    except ValueError:
        parsed.error(f"{found.group(1)!r} is not a date", line, "comment")
        return None


def _cell(row: _Row, index: int) -> str:
    return row.cells[index] if index < len(row.cells) else ""


def _most_common(values: list[float]) -> float:
    """The most frequent value, the first one met on a tie."""
    counts = Counter(values)
    return max(counts, key=lambda value: (counts[value], -values.index(value)))


def _identifiers(parsed: _Parsed, rows: dict[str, _Row], kind: str) -> dict[str, str]:
    ids: dict[str, str] = {}
    taken: dict[str, str] = {}
    for name, row in rows.items():
        slug = identifier(name)
        if not slug:
            parsed.error(f"{kind} id {name!r} has no letter or digit", row.line, "id")
        elif slug in taken:
            parsed.error(f"{kind} ids {taken[slug]!r} and {name!r} both become {slug!r}", row.line, "id")
        taken[slug] = name
        ids[name] = slug
    return ids


def _read_extras(parsed: _Parsed) -> dict[tuple[str, str], float]:
    """``#/ jirga <what> <id> <number>`` rows: values decide has no column for."""
    extras: dict[tuple[str, str], float] = {}
    for row in parsed.extras:
        if len(row.cells) != 3 or row.cells[0] not in ("capability", "status_quo"):
            parsed.error("a '#/ jirga' row is: capability ACTOR NUMBER or status_quo ISSUE NUMBER", row.line, _JIRGA)
            continue
        try:
            extras[(row.cells[0], row.cells[1])] = float(row.cells[2])
        except ValueError:
            parsed.error(f"{row.cells[2]!r} is not a number", row.line, row.cells[0])
    return extras


def dump_decide(scenario: Scenario) -> str:
    """decide rows for ``scenario`` (tab-separated, strings quoted with ``'`` as decide's samples)."""
    stream = io.StringIO()
    writer = csv.writer(stream, delimiter="\t", quotechar="'", quoting=csv.QUOTE_NONNUMERIC, lineterminator="\n")
    if scenario.description:
        for line in scenario.description.splitlines():
            writer.writerow(["#O", line])
    # Undated stances first, then by date, so that decide (the last row wins) uses the latest.
    stances = sorted(scenario.stances, key=lambda stance: stance.date or dt.date.min)
    for actor in scenario.actors:
        writer.writerow(["#A", actor.id, actor.name, actor.description])
    for issue in scenario.issues:
        writer.writerow(["#P", issue.id, issue.name, issue.description])
        labelled = {anchor.value for anchor in issue.anchors}
        for bound in (issue.lower, issue.upper):
            if bound not in labelled:
                writer.writerow(["#M", issue.id, bound, ""])
        for anchor in issue.anchors:
            writer.writerow(["#M", issue.id, anchor.value, anchor.label])
    powers: dict[str, list[float]] = {}
    for stance in stances:
        actor = scenario.actor(stance.actor)
        power = (stance.capability or actor.capability).value
        powers.setdefault(actor.id, []).append(power)
        comment = f"date={stance.date.isoformat()}" if stance.date else ""
        writer.writerow(["#D", stance.actor, stance.issue, stance.position.value, stance.salience.value, power, comment])
    for actor in scenario.actors:
        if _most_common(powers.get(actor.id, [math.nan])) != actor.capability.value:
            writer.writerow(["#/", _JIRGA, "capability", actor.id, actor.capability.value])
    for issue in scenario.issues:
        if issue.status_quo is not None:
            writer.writerow(["#/", _JIRGA, "status_quo", issue.id, issue.status_quo])
    return stream.getvalue()

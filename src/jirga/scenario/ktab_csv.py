"""KTAB's input format for its Spatial Model of Politics (``smpc --csv``), read and written.

The file is comma-separated text (``SMPModel::csvRead`` in KTAB's ``smpread.cpp``):

- line 1: scenario name, description, number of actors ``n``, number of dimensions ``D``;
- line 2: a header, ``Actor, Description, Influence`` (or ``Power``), then a position and a
  salience column for each dimension; the position column's title names the dimension;
- ``n`` lines, one per actor: name, description, capability, then ``D`` pairs of position
  (0-100) and salience (0-100, an actor's saliences adding up to at most 100).

KTAB's own files end lines with a comma and pad line 1 with extra cells; both are accepted, as
``smpc`` accepts them. What ``smpc`` would misread or refuse is an error naming the line and
column: a wrong count of actors or dimensions in line 1, a missing column or an empty cell
(e.g. a trailing comma where a salience belongs), a blank line, text where a number belongs,
a negative capability, a position or salience outside 0-100, saliences summing above 100.

How the numbers map onto a :class:`~jirga.scenario.model.Scenario`:

- the actor column is the actor's id (made an identifier), the description its name;
- capability is the actor's capability (KTAB has one per actor);
- each dimension is an issue on the 0-100 scale, named by its position column without a
  trailing "Position" (its id is that name made an identifier; written back as "<id> Position"
  and "<id> Salience", so ids survive a round trip and issue names become the ids);
- saliences are divided by 100 exactly (in decimal, so 43.31 becomes 0.4331, and writing
  multiplies back, so native -> KTAB -> native keeps every number).

Writing takes each actor's current stances. KTAB has no room for evidence, intervals, anchors,
dates or issue-specific capabilities (the actor's capability is written); an actor without a
stance on an issue is written at the scale's midpoint with salience 0; an actor whose saliences
add up to more than 1 has them scaled to add up to 100, as KTAB requires (the SMP model scales
them the same way, so its forecast does not change); an issue on another
scale than 0-100 is rescaled to 0-100; commas in names become semicolons (``smpc``'s CSV reader
does not understand quotes around commas).
"""

from __future__ import annotations

import csv
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path

from pydantic import ValidationError

from jirga.errors import JirgaError
from jirga.scenario.model import Actor, Issue, Scenario, Stance, Value, identifier
from jirga.scenario.native import read_text

KTAB_SCALE = Decimal(100)
"""KTAB's positions and saliences run from 0 to 100; jirga's saliences from 0 to 1."""
_FINEST = Decimal("1e-14")
"""Rescaled saliences are cut (not rounded) to 14 decimals so that they add up to at most 1."""
_POSITION_SUFFIX = re.compile(r"\s*position\s*$", re.IGNORECASE)


def sniff(head: str) -> bool:
    """Whether the first two lines look like KTAB's: a header ``Actor, Description, ...`` after
    a line whose third and fourth cells are counts."""
    lines = head.lstrip("\ufeff").splitlines()[:2]
    if len(lines) < 2:
        return False
    first, second = (_cells(line) for line in lines)
    header = [cell.strip().lower() for cell in second[:2]]
    counts = len(first) >= 4 and all(cell.strip().isdigit() for cell in first[2:4])
    return header == ["actor", "description"] or (counts and len(second) >= 5)


def read_ktab(path: str | Path) -> Scenario:
    """Read a KTAB SMP CSV file; a :class:`JirgaError` names the line and column of a problem."""
    path = Path(path)
    return parse_ktab(read_text(path), path)


@dataclass(frozen=True)
class _Line:
    number: int
    cells: list[str]


def parse_ktab(text: str, path: str | Path = "<string>") -> Scenario:
    lines = text.lstrip("\ufeff").splitlines()

    def fail(line: int, message: str, column: int | None = None, title: str | None = None) -> JirgaError:
        where = None if column is None else f"column {column}" + (f" ({title.strip()})" if title and title.strip() else "")
        return JirgaError(message, file=path, line=line, field=where)

    for number, line in enumerate(lines, start=1):
        if not line.strip():
            raise fail(number, "blank line (KTAB reads every line after the header as an actor)")
    if len(lines) < 2:
        raise fail(max(len(lines), 1), "a KTAB file starts with two lines: scenario and header")
    first, header = _Line(1, _cells(lines[0])), _Line(2, _cells(lines[1]))
    if len(first.cells) < 4:
        raise fail(1, "line 1 needs scenario name, description, number of actors, number of dimensions")
    n_actors = _count(first.cells[2], lambda message: fail(1, message, 3, "number of actors"))
    n_dims = _count(first.cells[3], lambda message: fail(1, message, 4, "number of dimensions"))
    width = 3 + 2 * n_dims
    titles = _trimmed(header.cells)
    if len(titles) != width:
        pairs = (len(titles) - 3) / 2
        raise fail(
            1,
            f"line 1 says {n_dims} dimension(s) but the header (line 2) has {pairs:g} position/salience column pair(s)",
            4,
            "number of dimensions",
        )
    rows = [_Line(number, _cells(line)) for number, line in enumerate(lines[2:], start=3)]
    if len(rows) != n_actors:
        raise fail(1, f"line 1 says {n_actors} actor(s) but {len(rows)} actor line(s) follow the header", 3, "number of actors")

    issues = []
    for dim in range(n_dims):
        column = 4 + 2 * dim
        title = titles[column - 1].strip()
        name = _POSITION_SUFFIX.sub("", title) or title
        if not identifier(name):
            raise fail(2, f"dimension name {title!r} has no letter or digit", column, title)
        issues.append(Issue(id=identifier(name), name=name))
    seen_issues: dict[str, int] = {}
    for dim, issue in enumerate(issues):
        if issue.id in seen_issues:
            raise fail(2, f"two dimensions are both called {issue.id!r}", 4 + 2 * dim, titles[3 + 2 * dim])
        seen_issues[issue.id] = dim

    actors: list[Actor] = []
    stances: list[Stance] = []
    seen_actors: dict[str, int] = {}
    for row in rows:
        cells = row.cells
        for column in range(width + 1, len(cells) + 1):
            if cells[column - 1].strip():
                raise fail(row.number, f"unexpected value {cells[column - 1].strip()!r} after the last dimension", column)
        values = cells[:width] + [""] * max(0, width - len(cells))
        for column, cell in enumerate(values, start=1):
            if not cell.strip():
                missing = "missing column" if column > len(cells) else "empty cell"
                raise fail(row.number, f"{missing}: a value is needed here", column, titles[column - 1])
        name = values[0].strip()
        actor_id = identifier(name)
        if not actor_id:
            raise fail(row.number, f"actor name {name!r} has no letter or digit", 1, titles[0])
        if actor_id in seen_actors:
            raise fail(row.number, f"actor {actor_id!r} already appears on line {seen_actors[actor_id]}", 1, titles[0])
        seen_actors[actor_id] = row.number

        def number(column: int) -> Decimal:
            return _decimal(values[column - 1], lambda message: fail(row.number, message, column, titles[column - 1]))

        capability = number(3)
        if capability < 0:
            raise fail(row.number, f"capability must be >= 0, got {values[2].strip()}", 3, titles[2])
        total = Decimal(0)
        for dim, issue in enumerate(issues):
            position_column, salience_column = 4 + 2 * dim, 5 + 2 * dim
            position, salience = number(position_column), number(salience_column)
            for column, value, what in ((position_column, position, "position"), (salience_column, salience, "salience")):
                if not 0 <= value <= KTAB_SCALE:
                    raise fail(row.number, f"{what} must lie in [0, 100], got {values[column - 1].strip()}", column, titles[column - 1])
            total += salience
            if total > KTAB_SCALE:
                raise fail(row.number, f"the saliences add up to {total}, more than 100", salience_column, titles[salience_column - 1])
            stances.append(
                Stance(actor=actor_id, issue=issue.id, position=Value(value=float(position)), salience=Value(value=float(salience / KTAB_SCALE)))
            )
        description = values[1].strip()
        actors.append(Actor(id=actor_id, name=description or name, capability=Value(value=float(capability))))
    try:
        return Scenario(
            name=first.cells[0].strip() or Path(path).stem,
            description=first.cells[1].strip(),
            actors=tuple(actors),
            issues=tuple(issues),
            stances=tuple(stances),
        )
    except ValidationError as error:  # the checks above should leave nothing for pydantic
        raise JirgaError(error.errors()[0]["msg"], file=path) from None


def dump_ktab(scenario: Scenario) -> str:
    """KTAB's CSV for ``scenario`` (current stances), readable by ``smpc --csv``."""
    stances = {(stance.actor, stance.issue): stance for stance in scenario.current_stances()}
    lines = [
        _join([scenario.name, scenario.description, str(len(scenario.actors)), str(len(scenario.issues))]),
        _join(["Actor", "Description", "Influence"] + [title for issue in scenario.issues for title in _titles(issue)]),
    ]
    for actor in scenario.actors:
        cells = [actor.id, actor.name, _plain(Decimal(repr(actor.capability.value)))]
        held = [stances.get((actor.id, issue.id)) for issue in scenario.issues]
        salience = [Decimal(repr(stance.salience.value)) if stance else Decimal(0) for stance in held]
        total = sum(salience, Decimal(0))
        if total > 1:  # KTAB wants shares of attention: scale down as the SMP model does
            salience = [(value / total).quantize(_FINEST, rounding=ROUND_DOWN) for value in salience]
        for issue, stance, share in zip(scenario.issues, held, salience):
            if stance is None:
                cells += ["50", "0"]
            else:
                cells += [_ktab_position(stance.position.value, issue), _plain(share * KTAB_SCALE)]
        lines.append(_join(cells))
    return "\n".join(lines) + "\n"


def _titles(issue: Issue) -> tuple[str, str]:
    """The position and salience column titles of an issue: ``<id> Position``, ``<id> Salience``."""
    return f"{issue.id} Position", f"{issue.id} Salience"


def _ktab_position(value: float, issue: Issue) -> str:
    if issue.lower == 0 and issue.upper == 100:
        return _plain(Decimal(repr(value)))
    lower, upper = Decimal(repr(issue.lower)), Decimal(repr(issue.upper))
    return _plain((Decimal(repr(value)) - lower) / (upper - lower) * KTAB_SCALE)


def _plain(number: Decimal) -> str:
    """A decimal without exponent or trailing zeros: 43.3100 -> 43.31, 6E+1 -> 60."""
    return format(number.normalize(), "f")


def _join(cells: list[str]) -> str:
    return ",".join(cell.replace(",", ";").replace("\n", " ").replace("\r", " ") for cell in cells)


def _cells(line: str) -> list[str]:
    return next(csv.reader([line]), [])


def _trimmed(cells: list[str]) -> list[str]:
    """The cells without the empty ones at the end (KTAB's files end lines with a comma)."""
    end = len(cells)
    while end and not cells[end - 1].strip():
        end -= 1
    return cells[:end]


def _count(cell: str, fail: Callable[[str], JirgaError]) -> int:
    text = cell.strip()
    if not text.isdigit() or int(text) < 1:
        raise fail(f"expected a whole number >= 1, got {text!r}")
    return int(text)


def _decimal(cell: str, fail: Callable[[str], JirgaError]) -> Decimal:
    text = cell.strip()
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise fail(f"{text!r} is not a number") from None
    if not value.is_finite() or not math.isfinite(float(value)):
        raise fail(f"{text!r} is not a finite number")
    return value

"""Saving edits into a scenario file without disturbing the rest of it.

For native YAML each edited number is rewritten where it stands in the file's text (found
through ruamel.yaml's line and column of every node), so comments, layout, quoting and
evidence stay exactly as the analyst wrote them. Other formats, and the rare edit that changes
the shape of the YAML (a number gaining or losing its interval, a stance gaining its own
capability), are written whole by the format's writer. Either way the result must read back
as exactly the edited scenario.
"""

from __future__ import annotations

import re
from pathlib import Path

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from jirga.scenario.formats import format_for
from jirga.scenario.model import Scenario, Value
from jirga.scenario.native import parse_yaml

NUMBERS = {"actors": ("capability",), "stances": ("position", "salience", "capability")}
NUMBER_TOKEN = re.compile(r"[-+]?(?:\d[\d_]*(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?")
Spot = tuple[int, int, float, float]
"""``(line, column, old, new)``: a number token of the file (0-based) and its new value."""


def saved_text(path: Path, original_text: str, original: Scenario, edited: Scenario) -> str:
    """The new content of ``path`` holding ``edited``, which differs from ``original`` only in
    numbers (as :func:`jirga.web.edits.apply_edits` makes it)."""
    chosen = format_for(path)
    if chosen.name == "yaml":
        text = _edited_in_place(original_text, original, edited)
        if text is not None and parse_yaml(text, path) == edited:
            return text
    return chosen.dump(edited)


def _edited_in_place(text: str, original: Scenario, edited: Scenario) -> str | None:
    """``text`` with every changed number rewritten in place, or None if one cannot be."""
    document = YAML(typ="rt").load(text)
    spots: list[Spot] = []
    for collection, names in NUMBERS.items():
        for index, (before, after) in enumerate(zip(getattr(original, collection), getattr(edited, collection))):
            for name in names:
                old, new = getattr(before, name), getattr(after, name)
                if old == new:
                    continue
                found = _spots(document[collection][index], name, old, new)
                if found is None:
                    return None
                spots += found
    return _replaced(text, spots)


def _spots(node: CommentedMap, name: str, old: Value | None, new: Value) -> list[Spot] | None:
    """Where the tokens of ``node[name]`` stand; None when the edit changes the YAML's shape."""
    if old is None or (old.interval is None) != (new.interval is None) or name not in node:
        return None
    held = node[name]
    if not isinstance(held, CommentedMap):
        line, column = node.lc.value(name)
        return [(line, column, old.value, new.value)]
    line, column = held.lc.value("value")
    spots = [(line, column, old.value, new.value)]
    if old.interval is not None and new.interval is not None:
        pair = held.get("interval")
        if not isinstance(pair, CommentedSeq):
            return None
        for item, (was, now) in enumerate(((old.interval.low, new.interval.low), (old.interval.high, new.interval.high))):
            spots.append((*pair.lc.item(item), was, now))
    return spots


def _replaced(text: str, spots: list[Spot]) -> str | None:
    """``text`` with each spot's number token replaced (last first, so offsets hold); None if a
    spot does not hold the number it should."""
    starts = [0]
    for line in text.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for line, column, old, new in sorted(spots, reverse=True):
        offset = starts[line] + column
        token = NUMBER_TOKEN.match(text, offset)
        if token is None or float(token.group().replace("_", "")) != old:
            return None
        text = text[:offset] + _number_text(new) + text[token.end() :]
    return text


def _number_text(value: float) -> str:
    """A number as a person writes it: ``40`` rather than ``40.0``, full precision otherwise."""
    return str(int(value)) if float(value).is_integer() else repr(float(value))

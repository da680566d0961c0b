"""The native scenario format: one readable YAML file.

Reading keeps ruamel.yaml's line numbers so that every error, from the YAML parser, from
pydantic or from the cross-reference checks in :mod:`jirga.scenario.checks`, names the
file, the line and the field.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from jirga.errors import JirgaError, ScenarioErrors
from jirga.files import atomic_write_text
from jirga.scenario.checks import check_references
from jirga.scenario.model import Interval, Scenario, Value

Location = tuple[str | int, ...]


def read_yaml(path: str | Path) -> Scenario:
    """Read and validate a native scenario file; raise :class:`ScenarioErrors` naming each line."""
    path = Path(path)
    return parse_yaml(read_text(path), path)


def parse_yaml(text: str, path: str | Path = "<string>") -> Scenario:
    document, scenario = validate_yaml(text, path, Scenario)
    problems = check_references(scenario)
    if problems:
        raise ScenarioErrors(
            [
                JirgaError(message, file=path, line=line_of(document, loc), field=field_name(loc))
                for loc, message in problems
            ]
        )
    return scenario


ModelT = TypeVar("ModelT", bound=BaseModel)


def validate_yaml(text: str, path: str | Path, model: type[ModelT]) -> tuple[Any, ModelT]:
    """Parse YAML text into the pydantic ``model``; errors name the file, line and field.

    Returns the raw YAML document too, so that later checks can find their lines with :func:`line_of`.
    """
    document = load_yaml(text, path)
    if not isinstance(document, dict):
        raise JirgaError(f"expected a YAML mapping of {model.__name__} fields", file=path, line=1)
    try:
        return document, model.model_validate(document)
    except ValidationError as error:
        raise ScenarioErrors(
            [
                JirgaError(
                    problem["msg"].removeprefix("Value error, "),
                    file=path,
                    line=line_of(document, problem["loc"]),
                    field=field_name(problem["loc"]),
                )
                for problem in error.errors()
            ]
        ) from None


def load_yaml(text: str, path: str | Path, field: str | None = None) -> Any:
    """The YAML document in ``text`` (round-trip types, which know their lines), or a
    :class:`JirgaError` naming the file, the line and ``field``."""
    try:
        return YAML(typ="rt").load(text)
    except MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        line = mark.line + 1 if mark is not None else None
        raise JirgaError(f"not valid YAML: {error.problem or error}", file=path, line=line, field=field) from None
    except YAMLError as error:
        raise JirgaError(f"not valid YAML: {str(error).splitlines()[0]}", file=path, field=field) from None


def field_name(loc: Sequence[str | int]) -> str:
    """``('stances', 3, 'position', 'value')`` -> ``stances[3].position.value``."""
    name = ""
    for part in loc:
        name += f"[{part}]" if isinstance(part, int) else (f".{part}" if name else str(part))
    return name


def line_of(document: Any, loc: Sequence[str | int]) -> int | None:
    """The 1-based line of the deepest YAML node on the path ``loc``."""
    node, line = document, 1
    for part in loc:
        if isinstance(node, CommentedMap) and part in node:
            line = node.lc.key(part)[0] + 1
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            line = node.lc.item(part)[0] + 1
            node = node[part]
        else:
            break
    return line


def read_text(path: Path, field: str | None = None) -> str:
    """A UTF-8 text file's contents, or a :class:`JirgaError` naming it (and the option
    ``field`` that named the file)."""
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise JirgaError("no such file", file=path, field=field) from None
    except UnicodeDecodeError as error:
        raise JirgaError(f"not UTF-8 text (byte {error.start})", file=path, field=field) from None
    except OSError as error:
        raise JirgaError(error.strerror or str(error), file=path, field=field) from None


def to_data(scenario: Scenario) -> dict[str, Any]:
    """The scenario as plain YAML-ready data, in the compact forms a person would write."""
    data = scenario.model_dump(mode="python", exclude_defaults=True)
    data = {key: data[key] for key in _TOP_LEVEL_ORDER if key in data}
    for actor, actor_data in zip(scenario.actors, data["actors"]):
        if "kind" in actor_data:
            actor_data["kind"] = actor.kind.value
        actor_data["capability"] = _compact_value(actor.capability)
    for issue, issue_data in zip(scenario.issues, data["issues"]):
        if issue.anchors:
            issue_data["anchors"] = {_number(anchor.value): anchor.label for anchor in issue.anchors}
    for stance, stance_data in zip(scenario.stances, data["stances"]):
        for name in ("position", "salience", "capability"):
            value = getattr(stance, name)
            if value is not None:
                stance_data[name] = _compact_value(value)
    return data


_TOP_LEVEL_ORDER = ("name", "description", "as_of", "sources", "actors", "issues", "stances")


def _compact_value(value: Value) -> Any:
    if value.interval is None and not value.evidence:
        return _number(value.value)
    data: dict[str, Any] = {"value": _number(value.value)}
    if value.interval is not None:
        data["interval"] = _interval(value.interval)
    if value.evidence:
        data["evidence"] = [item.model_dump(mode="python", exclude_defaults=True) for item in value.evidence]
    return data


def _interval(interval: Interval) -> CommentedSeq:
    pair = CommentedSeq([_number(interval.low), _number(interval.high)])
    pair.fa.set_flow_style()
    return pair


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else value


def dump_yaml(scenario: Scenario) -> str:
    yaml = YAML(typ="rt")
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(to_data(scenario), stream)
    return stream.getvalue()


def write_yaml(scenario: Scenario, path: str | Path) -> None:
    atomic_write_text(path, dump_yaml(scenario))

"""Command-line arguments and options that several ``jirga`` commands share (Typer types), and
the parsing of their values."""

from __future__ import annotations

import datetime as dt
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer
from ruamel.yaml import YAML

from jirga.errors import JirgaError
from jirga.models import MODELS


class OutputFormat(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


ScenarioArgument = Annotated[
    Optional[Path],
    typer.Argument(help="Scenario file (YAML, KTAB or decide CSV). Default: the embedded Afghan scenario.", show_default=False),
]
ModelsOption = Annotated[
    Optional[list[str]], typer.Option("--model", "-m", help=f"Model to run (repeatable). Default: all of {', '.join(MODELS)}.")
]
ModelOption = Annotated[str, typer.Option("--model", "-m", help=f"Model: {', '.join(MODELS)}.")]
ParamOption = Annotated[
    Optional[list[str]],
    typer.Option("--param", "-p", help="Model parameter KEY=VALUE (repeatable), applied to every model that has it."),
]
IssuesOption = Annotated[Optional[list[str]], typer.Option("--issue", "-i", help="Issue id to show (repeatable). Default: all.")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of every random draw.")]
AsOfOption = Annotated[
    Optional[dt.datetime], typer.Option("--as-of", formats=["%Y-%m-%d"], help="Use only the stances held on this date.")
]


def parse_parameters(items: list[str] | None) -> dict[str, Any]:
    """``["rounds=20", "variant=printed"]`` -> ``{"rounds": 20, "variant": "printed"}`` (YAML scalars)."""
    parsed: dict[str, Any] = {}
    for item in items or ():
        key, separator, text = item.partition("=")
        if not separator or not key:
            raise JirgaError(f"expected KEY=VALUE, got {item!r}", field="--param")
        parsed[key.strip().replace("-", "_")] = YAML(typ="safe").load(text)
    return parsed


def as_date(value: dt.datetime | None) -> dt.date | None:
    """The date of a ``--as-of``-style option (Typer parses dates as datetimes)."""
    return value.date() if value else None

"""Reading and writing scenarios in every supported format, chosen by file name or by name.

Native YAML is :mod:`jirga.scenario.native`; the CSV formats of the established tools
register themselves in ``FORMATS`` below.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from jirga.errors import JirgaError
from jirga.files import atomic_write_text
from jirga.scenario import decide_csv, ktab_csv, native, table_csv
from jirga.scenario.model import Scenario


@dataclass(frozen=True)
class Format:
    name: str
    description: str
    suffixes: tuple[str, ...]
    read: Callable[[Path], Scenario]
    dump: Callable[[Scenario], str]
    sniff: Callable[[str], bool] = lambda head: True
    """Given the file's first 4 KB, whether it is this format (to tell CSV dialects apart)."""


FORMATS: dict[str, Format] = {
    "yaml": Format("yaml", "jirga's native scenario file", (".yaml", ".yml"), native.read_yaml, native.dump_yaml),
    "decide": Format(
        "decide",
        "decide-exchange-model's #A/#P/#M/#D rows",
        (".csv", ".txt"),
        decide_csv.read_decide,
        decide_csv.dump_decide,
        decide_csv.sniff,
    ),
    "table": Format(
        "table",
        "a CSV table with the columns actor,capability,position,salience[,issue,lower,upper]",
        (".csv",),
        table_csv.read_table,
        table_csv.dump_table,
        table_csv.sniff,
    ),
    "ktab": Format(
        "ktab",
        "KTAB's Spatial Model of Politics CSV (smpc --csv)",
        (".csv",),
        ktab_csv.read_ktab,
        ktab_csv.dump_ktab,
        ktab_csv.sniff,
    ),
}


def format_for(path: Path, name: str | None = None) -> Format:
    """The format called ``name``, or the one whose suffix and sniffing match ``path``."""
    if name is not None:
        if name not in FORMATS:
            raise JirgaError(f"unknown format {name!r} (known: {', '.join(FORMATS)})", field="--to")
        return FORMATS[name]
    candidates = [item for item in FORMATS.values() if path.suffix.lower() in item.suffixes]
    if len(candidates) > 1 and path.exists():
        head = path.read_bytes()[:4096].decode("utf-8", errors="replace")
        candidates = [item for item in candidates if item.sniff(head)] or candidates
    if not candidates:
        known = ", ".join(sorted({suffix for item in FORMATS.values() for suffix in item.suffixes}))
        raise JirgaError(f"cannot tell the format from the file name (known endings: {known})", file=path)
    return candidates[0]


def read_scenario(path: str | Path, format_name: str | None = None) -> Scenario:
    path = Path(path)
    if not path.exists():
        raise JirgaError("no such file", file=path)
    return format_for(path, format_name).read(path)


def write_scenario(scenario: Scenario, path: str | Path, format_name: str | None = None) -> None:
    """Write atomically: the file is complete or untouched."""
    path = Path(path)
    atomic_write_text(path, format_for(path, format_name).dump(scenario))

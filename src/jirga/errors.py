"""The one error type users see: a message that names the file, line and field."""

from __future__ import annotations

from pathlib import Path


class JirgaError(Exception):
    """Bad input. ``str()`` is one line: ``file:line: field: message``."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file if self.line is None else f"{self.file}:{self.line}"
        parts = [part for part in (where, self.field, self.message) if part]
        return ": ".join(parts).replace("\n", " ")


class ScenarioErrors(JirgaError):
    """Several problems found in one file; ``str()`` lists the first, ``errors`` has them all."""

    def __init__(self, errors: list[JirgaError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)
        self.message = first.message + (f" (and {len(errors) - 1} more)" if len(errors) > 1 else "")

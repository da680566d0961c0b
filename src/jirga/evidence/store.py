"""The evidence store: one DuckDB file with documents and everything extracted from them.

Documents are written in transactions together with their sentences, mentions, quotes,
events and stances: an interrupted ingest leaves the documents committed before it and
nothing of those in flight. Offsets are character offsets into the document text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pandas as pd

from jirga.errors import JirgaError
from jirga.evidence import DEFAULT_STORE

SCHEMA_VERSION = "1"

TABLES: dict[str, dict[str, str]] = {
    "documents": {
        "id": "VARCHAR PRIMARY KEY", "name": "VARCHAR", "title": "VARCHAR", "publisher": "VARCHAR", "url": "VARCHAR",
        "date": "DATE", "date_guessed": "BOOLEAN", "date_note": "VARCHAR", "path": "VARCHAR", "text": "VARCHAR",
        "words": "INTEGER", "signature": "UBIGINT[]", "ingested": "TIMESTAMP",
    },
    "sentences": {"document_id": "VARCHAR", "sentence": "INTEGER", "start": "INTEGER", "end": "INTEGER"},
    "mentions": {
        "document_id": "VARCHAR", "start": "INTEGER", "end": "INTEGER", "text": "VARCHAR", "label": "VARCHAR",
        "actor": "VARCHAR", "sentence": "INTEGER", "place": "BOOLEAN",
    },
    "quotes": {
        "document_id": "VARCHAR", "start": "INTEGER", "end": "INTEGER", "text": "VARCHAR", "kind": "VARCHAR",
        "speaker": "VARCHAR", "role": "VARCHAR", "actor": "VARCHAR", "verb": "VARCHAR", "sentence": "INTEGER",
        "inherited": "BOOLEAN",
    },
    "events": {
        "document_id": "VARCHAR", "start": "INTEGER", "end": "INTEGER", "trigger": "VARCHAR", "trigger_start": "INTEGER",
        "category": "VARCHAR", "source": "VARCHAR", "target": "VARCHAR", "sentence": "INTEGER", "date": "DATE",
        "date_text": "VARCHAR", "date_precision": "VARCHAR", "date_relative": "BOOLEAN", "place": "VARCHAR",
    },
    "stances": {
        "document_id": "VARCHAR", "start": "INTEGER", "end": "INTEGER", "actor": "VARCHAR", "verb": "VARCHAR",
        "polarity": "INTEGER", "object_text": "VARCHAR", "sentence": "INTEGER",
    },
    "duplicates": {"document_id": "VARCHAR", "similar_to": "VARCHAR", "similarity": "DOUBLE"},
}
"""Every table's columns and their DuckDB types, in order."""

COLUMNS = {table: list(columns) for table, columns in TABLES.items()}


def _create_table(table: str, columns: dict[str, str]) -> str:
    listed = ", ".join(f'"{name}" {kind}' for name, kind in columns.items())
    return f"CREATE TABLE IF NOT EXISTS {table} ({listed});\n"


SCHEMA = "CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);\n" + "".join(
    _create_table(table, columns) for table, columns in TABLES.items()
)


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    name: str
    title: str
    publisher: str
    url: str
    date: dt.date | None
    date_guessed: bool
    date_note: str
    path: str
    text: str


@dataclass(frozen=True)
class StoredDocument:
    """A document ready to store: its record, MinHash signature, word count, extractions by table
    (``sentences``, ``mentions``, ``quotes``, ``events``, ``stances``) and near duplicates."""

    record: DocumentRecord
    signature: np.ndarray
    words: int
    extracted: dict[str, list[Any]]
    duplicates: list[tuple[str, float]]


class Store:
    """An open evidence store (use :func:`open_store`)."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, path: Path) -> None:
        self.connection = connection
        self.path = path

    def query(self, sql: str, parameters: list[Any] | None = None) -> list[dict[str, Any]]:
        """Rows of ``sql`` as dictionaries."""
        cursor = self.connection.execute(sql, parameters or [])
        names = [column[0] for column in cursor.description]
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def has_document(self, document_id: str) -> bool:
        return bool(self.connection.execute("SELECT count(*) FROM documents WHERE id = ?", [document_id]).fetchone()[0])

    def signatures(self) -> tuple[list[str], np.ndarray]:
        """Ids and MinHash signatures (one row each) of the stored documents."""
        rows = self.connection.execute("SELECT id, signature FROM documents ORDER BY id").fetchall()
        if not rows:
            return [], np.zeros((0, 0), dtype=np.uint64)
        return [row[0] for row in rows], np.array([row[1] for row in rows], dtype=np.uint64)

    def add_documents(self, documents: list[StoredDocument]) -> None:
        """Write documents with all their extractions in one transaction: all of them or none."""
        if not documents:
            return
        connection = self.connection
        now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
        connection.begin()
        try:
            self._insert("documents", [
                {**asdict(item.record), "words": item.words, "signature": [int(value) for value in item.signature], "ingested": now}
                for item in documents
            ])
            for table in COLUMNS:
                if table != "documents":
                    self._insert(table, [
                        {"document_id": item.record.id, **(row if isinstance(row, dict) else asdict(row))}
                        for item in documents for row in item.extracted.get(table, [])
                    ])
            self._insert("duplicates", [
                {"document_id": item.record.id, "similar_to": other, "similarity": similarity}
                for item in documents for other, similarity in item.duplicates
            ])
            connection.commit()
        except BaseException:
            connection.rollback()
            raise

    def _insert(self, table: str, rows: list[dict[str, Any]]) -> None:
        if not rows:
            return
        frame = pd.DataFrame.from_records(rows, columns=COLUMNS[table])  # noqa: F841 (read by DuckDB below)
        self.connection.execute(f"INSERT INTO {table} SELECT * FROM frame")

    def document_text(self, document_id: str) -> str | None:
        """The text of the document whose id (content hash) or name (file stem, JSONL id) is ``document_id``."""
        row = self.connection.execute(
            "SELECT text FROM documents WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1", [document_id, document_id, document_id]
        ).fetchone()
        return row[0] if row else None


@contextmanager
def open_store(path: str | Path = DEFAULT_STORE, *, read_only: bool = False) -> Iterator[Store]:
    """Open (and, for writing, create) the store at ``path``."""
    path = Path(path)
    if read_only and not path.exists():
        raise JirgaError("no evidence store here: run `jirga ingest` first", file=path, field="--store")
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as error:
        raise JirgaError(f"cannot open the evidence store: {str(error).splitlines()[0]}", file=path, field="--store") from None
    try:
        if not read_only:
            connection.execute(SCHEMA)
            connection.execute("INSERT OR IGNORE INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
        yield Store(connection, path)
    finally:
        connection.close()


def document_text(store_path: str | Path, document_id: str) -> str | None:
    """The text of a stored document by id or name, or None if the store or the document is absent."""
    if not Path(store_path).exists():
        return None
    with open_store(store_path, read_only=True) as store:
        return store.document_text(document_id)

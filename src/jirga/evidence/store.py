"""The evidence store: one DuckDB file with documents and everything extracted from them.

Every document is written in one transaction together with its sentences, mentions,
quotes, events and stances: an interrupted ingest leaves the documents committed before
it and nothing of the one in flight. Offsets are character offsets into the document text.
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

DEFAULT_STORE = "jirga.duckdb"
SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS documents (
    id VARCHAR PRIMARY KEY, name VARCHAR, title VARCHAR, publisher VARCHAR, url VARCHAR,
    date DATE, date_guessed BOOLEAN, date_note VARCHAR, path VARCHAR, text VARCHAR, words INTEGER,
    signature UBIGINT[], ingested TIMESTAMP);
CREATE TABLE IF NOT EXISTS sentences (document_id VARCHAR, sentence INTEGER, start INTEGER, "end" INTEGER);
CREATE TABLE IF NOT EXISTS mentions (
    document_id VARCHAR, start INTEGER, "end" INTEGER, text VARCHAR, label VARCHAR, actor VARCHAR,
    sentence INTEGER, place BOOLEAN);
CREATE TABLE IF NOT EXISTS quotes (
    document_id VARCHAR, start INTEGER, "end" INTEGER, text VARCHAR, kind VARCHAR, speaker VARCHAR, role VARCHAR,
    actor VARCHAR, verb VARCHAR, sentence INTEGER, inherited BOOLEAN);
CREATE TABLE IF NOT EXISTS events (
    document_id VARCHAR, start INTEGER, "end" INTEGER, trigger VARCHAR, trigger_start INTEGER, category VARCHAR,
    source VARCHAR, target VARCHAR, sentence INTEGER, date DATE, date_text VARCHAR, date_precision VARCHAR,
    date_relative BOOLEAN, place VARCHAR);
CREATE TABLE IF NOT EXISTS stances (
    document_id VARCHAR, start INTEGER, "end" INTEGER, actor VARCHAR, verb VARCHAR, polarity INTEGER,
    object_text VARCHAR, sentence INTEGER);
CREATE TABLE IF NOT EXISTS duplicates (document_id VARCHAR, similar_to VARCHAR, similarity DOUBLE);
"""

COLUMNS = {
    "sentences": ["document_id", "sentence", "start", "end"],
    "mentions": ["document_id", "start", "end", "text", "label", "actor", "sentence", "place"],
    "quotes": ["document_id", "start", "end", "text", "kind", "speaker", "role", "actor", "verb", "sentence", "inherited"],
    "events": ["document_id", "start", "end", "trigger", "trigger_start", "category", "source", "target", "sentence",
               "date", "date_text", "date_precision", "date_relative", "place"],
    "stances": ["document_id", "start", "end", "actor", "verb", "polarity", "object_text", "sentence"],
}


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

    def add_document(self, record: DocumentRecord, signature: np.ndarray, words: int, extracted: dict[str, list[Any]],
                     duplicates: list[tuple[str, float]]) -> None:
        """Write a document with all its extractions in one transaction."""
        connection = self.connection
        connection.begin()
        try:
            connection.execute(
                "INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [record.id, record.name, record.title, record.publisher, record.url, record.date, record.date_guessed,
                 record.date_note, record.path, record.text, words, [int(value) for value in signature],
                 dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)],
            )
            for table, rows in extracted.items():
                self._insert(table, record.id, rows)
            for similar_to, similarity in duplicates:
                connection.execute("INSERT INTO duplicates VALUES (?, ?, ?)", [record.id, similar_to, similarity])
            connection.commit()
        except BaseException:
            connection.rollback()
            raise

    def _insert(self, table: str, document_id: str, rows: list[Any]) -> None:
        if not rows:
            return
        columns = COLUMNS[table]
        records = [{"document_id": document_id, **(row if isinstance(row, dict) else asdict(row))} for row in rows]
        frame = pd.DataFrame.from_records(records)[columns]  # noqa: F841 (read by DuckDB below)
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

"""What the report and the web app read from an evidence store (:mod:`jirga.evidence.store`).

Rows carry the document id and the character offsets of their sentence, so that a page can
link to the very sentence a quote, event or stance was found in.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jirga.evidence import open_store
from jirga.scenario.model import Scenario

KINDS = ("quote", "event", "stance")

_ROWS = """
SELECT * FROM (
    SELECT 'quote' AS kind, q.actor, q.document_id, s.start, s."end", q.text AS detail,
           coalesce(q.speaker, '') || coalesce(' (' || q.role || ')', '') AS who, d.date AS date
    FROM quotes q JOIN documents d ON d.id = q.document_id
    JOIN sentences s ON s.document_id = q.document_id AND s.sentence = q.sentence
    UNION ALL
    SELECT 'event', e.source, e.document_id, e.start, e."end",
           e.category || ': ' || coalesce(e.source, '?') || ' → ' || coalesce(e.target, '?') || coalesce(' at ' || e.place, ''),
           '', coalesce(e.date, d.date)
    FROM events e JOIN documents d ON d.id = e.document_id
    UNION ALL
    SELECT 'stance', st.actor, st.document_id, st.start, st."end",
           st.verb || CASE WHEN st.polarity < 0 THEN ' (against) ' ELSE ' ' END || coalesce(st.object_text, ''), '', d.date
    FROM stances st JOIN documents d ON d.id = st.document_id
) AS found
"""


def store_rows(store: str | Path, query: str = "", actor: str = "", kind: str = "", limit: int = 500) -> list[dict[str, Any]]:
    """Quotes, events and stances of the store with their sentence, filtered by actor id, kind
    and a case-insensitive search of sentence, detail and document; at most ``limit`` rows."""
    with open_store(store, read_only=True) as opened:
        return opened.query(
            f"""
            SELECT found.kind, found.actor, found.document_id, d.name AS document, coalesce(d.title, '') AS title,
                   coalesce(d.url, '') AS url, found.date, found.start, found."end", found.detail, found.who,
                   substr(d.text, found.start + 1, found."end" - found.start) AS sentence
            FROM ({_ROWS}) AS found JOIN documents d ON d.id = found.document_id
            WHERE (? = '' OR found.actor = ?) AND (? = '' OR found.kind = ?)
              AND (? = '' OR strpos(lower(substr(d.text, found.start + 1, found."end" - found.start) || ' ' || found.detail
                                         || ' ' || d.name || ' ' || coalesce(d.title, '')), lower(?)) > 0)
            ORDER BY found.date NULLS LAST, d.name, found.start
            LIMIT {int(limit)}
            """,
            [actor, actor, kind, kind, query, query],
        )


def store_events(store: str | Path, scenario: Scenario) -> list[tuple[dt.date, str, str]]:
    """The store's dated events as timeline entries ``(date, lane, text)``: the lane is the
    acting actor's name (``events`` when the actor is unknown)."""
    names = {actor.id: actor.name for actor in scenario.actors}
    with open_store(store, read_only=True) as opened:
        rows = opened.query(
            """
            SELECT e.date, e.source, e.category, e.target, e.place, substr(d.text, e.start + 1, e."end" - e.start) AS sentence
            FROM events e JOIN documents d ON d.id = e.document_id
            WHERE e.date IS NOT NULL ORDER BY e.date, d.name, e.start
            """
        )
    events = []
    for row in rows:
        lane = names.get(row["source"], "events")
        target = names.get(row["target"], row["target"] or "?")
        sentence = row["sentence"] if len(row["sentence"]) <= 140 else row["sentence"][:139] + "…"
        events.append((row["date"], lane, f"{row['category']} → {target}" + (f" at {row['place']}" if row["place"] else "") + f": {sentence}"))
    return events


@dataclass(frozen=True)
class StoredDocument:
    id: str
    name: str
    title: str
    date: dt.date | None
    url: str
    text: str


def stored_document(store: str | Path, document: str) -> StoredDocument | None:
    """The stored document whose id (content hash) or name (file stem) is ``document``."""
    with open_store(store, read_only=True) as opened:
        rows = opened.query(
            "SELECT id, name, coalesce(title, '') AS title, date, coalesce(url, '') AS url, text FROM documents "
            "WHERE id = ? OR name = ? ORDER BY id = ? DESC LIMIT 1",
            [document, document, document],
        )
    return StoredDocument(**rows[0]) if rows else None


_QUOTE_MARKS = {'"': "[\"“”]", "“": "[\"“”]", "”": "[\"“”]", "'": "['‘’]", "‘": "['‘’]", "’": "['‘’]", "-": "[-–—]", "–": "[-–—]", "—": "[-–—]"}


def quote_span(text: str, quote: str) -> tuple[int, int] | None:
    """Where ``quote`` occurs in ``text`` (character offsets), reading any run of white space
    as one and straight and typographic quotes and dashes as the same; None if it does not."""
    words = quote.split()
    if not words:
        return None
    pattern = r"\s+".join("".join(_QUOTE_MARKS.get(character, re.escape(character)) for character in word) for word in words)
    found = re.search(pattern, text)
    return found.span() if found else None

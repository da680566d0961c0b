"""Reading articles (plain text, HTML, JSONL) into the evidence store, with extraction.

Each document gets a stable id: the first 16 hex digits of the SHA-256 of its normalised
text, so re-ingesting the same article is a no-op whatever its file is called. Its name is
the file stem (or the JSONL ``id``), which scenarios cite as ``document``. A file that is not
an article (binary, not UTF-8, empty, one enormous line, too large) is skipped with its
reason and the rest of the batch goes on. Near duplicates are found by MinHash over word
5-shingles (Broder 1997): the share of equal signature rows estimates the Jaccard
similarity; 0.8 or more is reported.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from spacy.tokens import Doc

from jirga.errors import JirgaError
from jirga.evidence.dates import guess_document_date
from jirga.evidence.events import find_events
from jirga.evidence.gazetteer import Gazetteer, MentionFinder, sentences
from jirga.evidence.nlp import load_pipeline
from jirga.evidence.quotes import find_quotes
from jirga.evidence.stances import find_stances
from jirga.evidence.store import DocumentRecord, StoredDocument, open_store
from jirga.scenario.native import line_of, load_yaml, read_text

TEXT_SUFFIXES = frozenset({".txt", ".text", ".md"})
HTML_SUFFIXES = frozenset({".html", ".htm", ".xhtml"})
JSONL_SUFFIXES = frozenset({".jsonl", ".ndjson"})
MAX_FILE_BYTES = 50_000_000
MAX_LINE_CHARACTERS = 1_000_000
"""A longer line is not an article (a dump, a minified blob, or 50 MB of one line)."""
SHINGLE_WORDS = 5
SIGNATURE_SIZE = 64
NEAR_DUPLICATE = 0.8
_MERSENNE = np.uint64((1 << 61) - 1)
_PERMUTATIONS = np.random.default_rng(20190414).integers(1, (1 << 61) - 1, size=(2, SIGNATURE_SIZE), dtype=np.uint64)


@dataclass(frozen=True)
class Skipped:
    path: str
    reason: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.reason}" if self.line else f"{self.path}: {self.reason}"


@dataclass
class IngestReport:
    added: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    """Names of documents already in the store (re-ingesting them is a no-op)."""
    skipped: list[Skipped] = field(default_factory=list)
    near_duplicates: list[tuple[str, str, float]] = field(default_factory=list)
    words: int = 0
    seconds: float = 0.0
    parse_seconds: float = 0.0
    """Of ``seconds``, the time spent waiting for spaCy's ``nlp.pipe`` (the rest is ours)."""


def normalise(text: str) -> str:
    """NFC, Unix line ends, no trailing spaces on lines, no blank lines at either end."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def content_id(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def minhash(text: str) -> np.ndarray:
    """MinHash signature of the word 5-shingles of ``text`` (64 unsigned integers)."""
    words = text.lower().split()
    shingles = {" ".join(words[index : index + SHINGLE_WORDS]) for index in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    hashes = np.array(
        [int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "little") for shingle in shingles],
        dtype=np.uint64,
    ) % _MERSENNE
    multiplier, offset = _PERMUTATIONS
    # (a * x + b) mod p, with a * x wrapping in 64 bits: still a fixed pseudo-random permutation of hashes.
    permuted = (multiplier[:, None] * hashes[None, :] + offset[:, None]) % _MERSENNE
    return permuted.min(axis=1)


def similar_documents(signature: np.ndarray, ids: list[str], signatures: np.ndarray) -> list[tuple[str, float]]:
    """Stored documents whose estimated Jaccard similarity with ``signature`` is at least 0.8."""
    if not ids:
        return []
    similarity = (signatures == signature[None, :]).mean(axis=1)
    return [(ids[index], float(similarity[index])) for index in np.flatnonzero(similarity >= NEAR_DUPLICATE)]


# --- reading -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Metadata:
    title: str = ""
    publisher: str = ""
    url: str = ""
    date: dt.date | None = None


def read_metadata(path: str | Path) -> dict[str, Metadata]:
    """Titles, publishers, URLs and dates by document name, from a YAML list or a scenario's ``sources``."""
    path = Path(path)
    data = load_yaml(read_text(path, "--meta"), path, "--meta")
    prefix: tuple[str, ...] = ("sources",) if isinstance(data, dict) else ()
    entries = data.get("sources", []) if isinstance(data, dict) else data
    if not isinstance(entries, list):
        raise JirgaError("expected a list of {id, title, publisher, date, url} or a scenario with sources", file=path, line=1, field="--meta")
    found: dict[str, Metadata] = {}
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or "id" not in entry:
            raise JirgaError("each entry needs an id (the document name)", file=path, line=line_of(data, (*prefix, index)), field=f"sources[{index}]")
        found[str(entry["id"])] = Metadata(
            str(entry.get("title", "")), str(entry.get("publisher", "")), str(entry.get("url", "")),
            _as_date(entry.get("date"), path, f"sources[{index}].date", line_of(data, (*prefix, index, "date"))),
        )
    return found


def _as_date(value: object, file: str | Path, where: str, line: int | None = None) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value)[:10])
    except ValueError:
        raise JirgaError(f"not a date (YYYY-MM-DD): {value!r}", file=file, line=line, field=where) from None


def expand_paths(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Files named, and the readable files inside folders named (sorted)."""
    for path in map(Path, paths):
        if path.is_dir():
            yield from sorted(item for item in path.rglob("*") if item.is_file() and item.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES)
        else:
            yield path


def read_documents(paths: Iterable[str | Path], metadata: dict[str, Metadata] | None = None) -> Iterator[DocumentRecord | Skipped]:
    """Documents read from ``paths``, or the reason each unreadable one was skipped."""
    metadata = metadata or {}
    for path in expand_paths(paths):
        suffix = path.suffix.lower()
        try:
            if not path.is_file():
                yield Skipped(str(path), "no such file")
                continue
            if suffix not in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES:
                yield Skipped(str(path), f"unknown kind of file {suffix or '(no suffix)'} (known: .txt, .md, .html, .htm, .jsonl)")
                continue
            size = path.stat().st_size
            if size > MAX_FILE_BYTES:
                yield Skipped(str(path), f"{size / 1e6:.0f} MB: larger than {MAX_FILE_BYTES // 1_000_000} MB")
                continue
            raw = path.read_bytes()
        except OSError as error:
            yield Skipped(str(path), f"cannot read: {error.strerror}")
            continue
        text = _decode(raw)
        if isinstance(text, Skipped):
            yield Skipped(str(path), text.reason)
            continue
        if suffix in JSONL_SUFFIXES:
            yield from _jsonl_documents(path, text, metadata)
        elif suffix in HTML_SUFFIXES:
            yield _html_document(path, text, metadata.get(path.stem))
        else:
            yield _text_document(path, text, metadata.get(path.stem))


def _decode(raw: bytes) -> str | Skipped:
    if not raw.strip():
        return Skipped("", "empty")
    if b"\x00" in raw[:8192]:
        return Skipped("", "binary file (NUL bytes), not text")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        return Skipped("", f"not UTF-8 text (invalid byte at offset {error.start})")
    longest = max((len(line) for line in text.split("\n")), default=0)
    if longest > MAX_LINE_CHARACTERS:
        return Skipped("", f"a line of {longest:,} characters: not an article")
    return text


def _record(path: Path, name: str, text: str, meta: Metadata | None, title: str = "", publisher: str = "",
            url: str = "", date: dt.date | None = None, date_note: str = "") -> DocumentRecord | Skipped:
    text = normalise(text)
    if not text.strip():
        return Skipped(str(path), "no text")
    meta = meta or Metadata()
    first_line = text.split("\n", 1)[0].strip()
    guessed_title, _, guessed_publisher = first_line.partition(" | ")
    date = meta.date or date
    guessed = False
    if meta.date:
        date_note = "from the metadata file"
    elif date is None:
        guess = guess_document_date(text)
        if guess is not None:
            date, words = guess
            guessed, date_note = True, f"guessed from {words!r} in the text"
        else:
            date_note = "unknown: no date in the text or metadata"
    return DocumentRecord(
        id=content_id(text), name=name, title=meta.title or title or guessed_title[:300],
        publisher=meta.publisher or publisher or guessed_publisher.strip(), url=meta.url or url,
        date=date, date_guessed=guessed, date_note=date_note, path=str(path), text=text,
    )


def _text_document(path: Path, text: str, meta: Metadata | None) -> DocumentRecord | Skipped:
    return _record(path, path.stem, text, meta)


def _html_document(path: Path, html: str, meta: Metadata | None) -> DocumentRecord | Skipped:
    import trafilatura

    extracted = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, date_extraction_params={"extensive_search": False, "original_date": True}
    )
    if extracted is None or not (extracted.text or "").strip():
        return Skipped(str(path), "no article text found in the HTML")
    date = _as_date(extracted.date, path, "date") if extracted.date else None
    return _record(path, path.stem, extracted.text, meta, extracted.title or "", extracted.sitename or "",
                   extracted.url or "", date, "from the HTML metadata" if date else "")


def _jsonl_documents(path: Path, text: str, metadata: dict[str, Metadata]) -> Iterator[DocumentRecord | Skipped]:
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            yield Skipped(str(path), f"not JSON: {error.msg}", number)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("text"), str):
            yield Skipped(str(path), "text: missing (each line is an object with id, title, date, source, text)", number)
            continue
        name = str(item.get("id") or f"{path.stem}-{number}")
        try:
            date = _as_date(item.get("date"), path, "date", number)
        except JirgaError as error:
            yield Skipped(str(path), f"date: {error.message}", number)
            continue
        record = _record(path, name, item["text"], metadata.get(name), str(item.get("title") or ""),
                         str(item.get("source") or item.get("publisher") or ""), str(item.get("url") or ""),
                         date, "from the JSONL record" if date else "")
        yield Skipped(str(path), record.reason, number) if isinstance(record, Skipped) else record


# --- extracting and storing ----------------------------------------------------------------------------------


def ingest(
    paths: Iterable[str | Path],
    store_path: str | Path,
    *,
    gazetteer: Gazetteer | None = None,
    metadata: dict[str, Metadata] | None = None,
    batch_size: int = 16,
    processes: int | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> IngestReport:
    """Read, parse, extract and store every new document of ``paths``; see :class:`IngestReport`.

    Documents are parsed ``batch_size`` at a time and each batch is stored in one transaction.
    ``processes`` is spaCy's ``n_process`` (default: 2 when there are 64 or more new documents
    and two cores, else 1). ``on_progress(done, total)`` is called for each stored document.
    """
    started = time.perf_counter()
    report = IngestReport()
    nlp = load_pipeline()
    finder = MentionFinder(gazetteer or Gazetteer.default(), nlp)
    with open_store(store_path) as store:
        pending: list[DocumentRecord] = []
        seen: set[str] = set()
        for item in read_documents(paths, metadata):
            if isinstance(item, Skipped):
                report.skipped.append(item)
            elif item.id in seen or store.has_document(item.id):
                report.unchanged.append(item.name)
            else:
                seen.add(item.id)
                pending.append(item)
        if processes is None:
            processes = 2 if len(pending) >= 64 and (os.cpu_count() or 1) >= 2 else 1
        ids, signatures = store.signatures()
        texts = (record.text for record in pending)
        docs = nlp.pipe(texts, batch_size=batch_size, n_process=processes)
        batch: list[StoredDocument] = []
        for index, record in enumerate(pending):
            waiting = time.perf_counter()
            doc = next(docs)
            report.parse_seconds += time.perf_counter() - waiting
            signature = minhash(record.text)
            duplicates = similar_documents(signature, ids, signatures)
            batch.append(StoredDocument(record, signature, len(record.text.split()), extract(doc, finder, record.date), duplicates))
            ids.append(record.id)
            signatures = signature[None, :] if signatures.size == 0 else np.vstack([signatures, signature])
            if len(batch) == batch_size or index == len(pending) - 1:
                store.add_documents(batch)  # one transaction per batch
                for item in batch:
                    report.added.append(item.record.name)
                    report.words += item.words
                    report.near_duplicates.extend((item.record.name, other, similarity) for other, similarity in item.duplicates)
                    if on_progress is not None:
                        on_progress(len(report.added), len(pending))
                batch = []
    report.seconds = time.perf_counter() - started
    return report


def extract(doc: Doc, finder: MentionFinder, document_date: dt.date | None) -> dict[str, list]:
    """Everything extracted from one parsed document, by store table."""
    mentions = finder(doc)
    return {
        "sentences": [{"sentence": index, "start": sentence.start_char, "end": sentence.end_char} for index, sentence in enumerate(sentences(doc))],
        "mentions": [
            {"start": item.start, "end": item.end, "text": item.text, "label": item.label, "actor": item.actor,
             "sentence": item.sentence, "place": item.place}
            for item in mentions
        ],
        "quotes": find_quotes(doc, mentions),
        "events": find_events(doc, mentions, document_date),
        "stances": find_stances(doc, mentions),
    }

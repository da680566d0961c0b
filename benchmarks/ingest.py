"""Ingest throughput: words per second of the whole `jirga ingest` against spaCy's bare `nlp.pipe`.

The corpus is the five seed articles (../shared/seeds) repeated until it holds 1 MB of text,
each copy made distinct by a first line of its own (so every copy is a new document; the
copies are near duplicates of each other, so the near-duplicate check does real work). "bare"
is `spacy.load(<the same pipeline>)` and `list(nlp.pipe(texts, batch_size=16, n_process=p))`;
"ingest" is `jirga.evidence.ingest.ingest` end to end from the files on disk into a new
DuckDB store: reading, hashing, parsing, actor, quote, event and stance extraction, MinHash,
and one transaction per batch of documents. Each cell is the best of ``--repeats`` timings
(bare and ingest alternated), after one warm-up parse. On a shared machine the ratio of the two
("overhead") still moves with the load; "ours, within ingest" is measured inside each ingest
run (the smallest is shown): the share of its time not spent waiting for spaCy (reading,
extraction, MinHash, DuckDB).

    .venv/bin/python benchmarks/ingest.py                     # 1 MB, 1 and 2 processes
    .venv/bin/python benchmarks/ingest.py --megabytes 0.2 --processes 1
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import spacy
from rich.console import Console
from rich.table import Table

from jirga.evidence.ingest import ingest, normalise
from jirga.evidence.nlp import PIPELINES, load_pipeline

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"


def corpus(megabytes: float) -> list[str]:
    seeds = [normalise(path.read_text(encoding="utf-8")) for path in sorted(SEEDS.glob("*.txt"))]
    texts: list[str] = []
    size = 0
    while size < megabytes * 1_000_000:
        seed = seeds[len(texts) % len(seeds)]
        text = f"Copy {len(texts)}\n\n{seed}"
        texts.append(text)
        size += len(text.encode("utf-8"))
    return texts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=1.0)
    parser.add_argument("--processes", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=2, help="Timings per cell, alternating bare and ingest; the best counts.")
    arguments = parser.parse_args()
    if not SEEDS.is_dir():
        raise SystemExit(f"needs the seed articles in {SEEDS}")
    texts = corpus(arguments.megabytes)
    words = sum(len(text.split()) for text in texts)
    name = next(candidate for candidate in PIPELINES if spacy.util.is_package(candidate))
    bare = spacy.load(name)
    list(bare.pipe(texts[:5]))
    load_pipeline()
    table = Table(title=f"{len(texts)} documents, {sum(len(t.encode()) for t in texts) / 1e6:.2f} MB, {words:,} words ({name})", title_justify="left")
    for column in ("processes", "bare nlp.pipe (words/s)", "jirga ingest (words/s)", "overhead", "ours, within ingest"):
        table.add_column(column, justify="right")
    for processes in arguments.processes:
        bare_seconds, ingest_seconds, ours = [], [], []
        for _ in range(arguments.repeats):  # alternated, so that a burst of load hits both alike
            start = time.perf_counter()
            list(bare.pipe(texts, batch_size=16, n_process=processes))
            bare_seconds.append(time.perf_counter() - start)
            with tempfile.TemporaryDirectory() as folder:
                for index, text in enumerate(texts):
                    (Path(folder) / f"doc{index:05d}.txt").write_text(text, encoding="utf-8")
                start = time.perf_counter()
                report = ingest([folder], Path(folder) / "store.duckdb", processes=processes)
                ingest_seconds.append(time.perf_counter() - start)
            assert len(report.added) == len(texts), report.skipped
            ours.append(1 - report.parse_seconds / report.seconds)
        table.add_row(
            str(processes), f"{words / min(bare_seconds):,.0f}", f"{words / min(ingest_seconds):,.0f}",
            f"{min(ingest_seconds) / min(bare_seconds) - 1:+.0%}", f"{min(ours):.0%}",
        )
    Console().print(table)


if __name__ == "__main__":
    main()

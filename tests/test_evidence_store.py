"""The evidence store and ingest: transactions, bad files, re-ingest, near duplicates, the commands."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jirga.errors import JirgaError
from jirga.evidence import document_text, open_store
from jirga.evidence.ingest import content_id, ingest, normalise, read_metadata

ARTICLE = (
    "Pakistan backs Moscow talks\n\n"
    "ISLAMABAD: Pakistan will attend the meeting in Moscow, officials said on Thursday.\n\n"
    "“Pakistan supports any effort that contributes to peace in Afghanistan,” Foreign Office spokesperson Muhammad Faisal said.\n\n"
    "The Taliban rejected the proposal and accused the United States of delaying the withdrawal last month.\n"
)
OTHER = (
    "Kabul recalls envoy\n\n"
    "The Afghan government, which called back its ambassador from Islamabad on Monday, said the remarks were unacceptable.\n"
)


def _write(folder, name, content):
    path = folder / name
    path.write_bytes(content) if isinstance(content, bytes) else path.write_text(content, encoding="utf-8")
    return path


def _count(store_path, table):
    with open_store(store_path, read_only=True) as store:
        return store.query(f"SELECT count(*) AS n FROM {table}")[0]["n"]


def test_ingest_stores_documents_with_extractions_and_reingest_is_a_no_op(tmp_path):
    article = _write(tmp_path, "moscow.txt", ARTICLE)
    store_path = tmp_path / "store.duckdb"
    meta = _write(tmp_path, "meta.yaml", "- {id: moscow, date: 2021-03-08, publisher: Example News}\n")
    report = ingest([article], store_path, metadata=read_metadata(meta))
    assert report.added == ["moscow"] and not report.skipped
    with open_store(store_path, read_only=True) as store:
        document = store.query("SELECT * FROM documents")[0]
        assert document["id"] == content_id(normalise(ARTICLE))
        assert (document["date"], document["date_guessed"], document["publisher"]) == (dt.date(2021, 3, 8), False, "Example News")
        quotes = store.query("SELECT speaker, actor, kind FROM quotes WHERE kind = 'direct'")
        assert quotes == [{"speaker": "Muhammad Faisal", "actor": "PAK_GOV", "kind": "direct"}]
        events = store.query("SELECT category, source, target FROM events ORDER BY trigger_start")
        assert {"category": "ACCUSE", "source": "TAL", "target": "USA"} in events
    counts = {table: _count(store_path, table) for table in ("documents", "sentences", "mentions", "quotes", "events")}
    again = ingest([article, tmp_path], store_path)  # the same file twice, once through its folder
    assert again.added == [] and again.unchanged == ["moscow", "moscow"]
    assert {table: _count(store_path, table) for table in counts} == counts


def test_dates_are_guessed_and_marked_when_absent(tmp_path):
    article = _write(tmp_path, "a.txt", "Title\n\nBy A. Writer, July, 2020\n\nThe talks went on in Doha.\n")
    ingest([article], tmp_path / "s.duckdb")
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        row = store.query("SELECT date, date_guessed, date_note FROM documents")[0]
    assert row["date"] == dt.date(2020, 7, 1) and row["date_guessed"] and "July, 2020" in row["date_note"]


def test_bad_files_are_skipped_with_their_reason_and_the_rest_goes_on(tmp_path):
    good = _write(tmp_path, "good.txt", ARTICLE)
    files = [
        _write(tmp_path, "binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
        _write(tmp_path, "latin1.txt", "Caf\xe9 talks in Doha".encode("latin-1")),
        _write(tmp_path, "empty.txt", "  \n"),
        _write(tmp_path, "oneline.txt", "word " * 250_000),  # 1.25 million characters on one line
        _write(tmp_path, "slides.pdf", b"%PDF-1.4"),
        good,
    ]
    report = ingest(files + [tmp_path / "missing.txt"], tmp_path / "s.duckdb")
    reasons = {skipped.path.rsplit("/", 1)[-1]: skipped.reason for skipped in report.skipped}
    assert reasons["binary.txt"].startswith("binary file")
    assert reasons["latin1.txt"].startswith("not UTF-8 text (invalid byte at offset 3)")
    assert reasons["empty.txt"] == "empty"
    assert reasons["oneline.txt"].startswith("a line of 1,250,000 characters")
    assert reasons["slides.pdf"].startswith("unknown kind of file .pdf")
    assert reasons["missing.txt"] == "no such file"
    assert report.added == ["good"]


def test_jsonl_records_and_bad_lines(tmp_path):
    lines = [
        json.dumps({"id": "r1", "title": "T1", "date": "2019-01-17", "source": "Wire", "text": ARTICLE}),
        "{not json",
        json.dumps({"id": "r2", "title": "T2"}),
        json.dumps({"id": "r3", "date": "17/01/2019", "text": OTHER}),
        json.dumps({"id": "r4", "text": OTHER}),
    ]
    path = _write(tmp_path, "feed.jsonl", "\n".join(lines) + "\n")
    report = ingest([path], tmp_path / "s.duckdb")
    assert report.added == ["r1", "r4"]
    assert [(skipped.line, skipped.reason.split(":")[0]) for skipped in report.skipped] == [(2, "not JSON"), (3, "text"), (4, "date")]
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        row = store.query("SELECT title, publisher, date, date_guessed FROM documents WHERE name = 'r1'")[0]
    assert row == {"title": "T1", "publisher": "Wire", "date": dt.date(2019, 1, 17), "date_guessed": False}


def test_html_boilerplate_is_removed(tmp_path):
    body = "".join(f"<p>{paragraph}</p>" for paragraph in ARTICLE.split("\n\n")[1:])
    html = (
        '<html><head><title>Pakistan backs Moscow talks</title><meta name="date" content="2021-03-08"></head><body>'
        '<nav><a href="/">Home</a> <a href="/sport">Sport</a></nav>'
        f"<article><h1>Pakistan backs Moscow talks</h1>{body}</article><footer>Copyright 2021 Example</footer></body></html>"
    )
    ingest([_write(tmp_path, "page.html", html)], tmp_path / "s.duckdb")
    with open_store(tmp_path / "s.duckdb", read_only=True) as store:
        row = store.query("SELECT title, date, text FROM documents")[0]
    assert row["date"] == dt.date(2021, 3, 8)
    assert "Muhammad Faisal" in row["text"] and "Copyright" not in row["text"] and "Sport" not in row["text"]


def test_near_duplicates_are_reported(tmp_path):
    # 300 distinct words and one changed: 5 of about 300 shingles differ, Jaccard about 0.97.
    long_text = ARTICLE + " ".join(f"word{index}" for index in range(300))
    first = _write(tmp_path, "a.txt", long_text)
    second = _write(tmp_path, "b.txt", long_text.replace("word150 ", "changed "))
    report = ingest([first, second, _write(tmp_path, "c.txt", OTHER)], tmp_path / "s.duckdb")
    assert [(name, other) for name, other, _ in report.near_duplicates] == [("b", content_id(normalise(long_text)))]
    assert 0.8 <= report.near_duplicates[0][2] < 1.0


def test_an_interrupted_ingest_keeps_committed_documents_and_no_half_document(tmp_path):
    files = [_write(tmp_path, "a.txt", ARTICLE), _write(tmp_path, "b.txt", OTHER), _write(tmp_path, "c.txt", ARTICLE + OTHER)]
    store_path = tmp_path / "s.duckdb"

    def interrupt(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ingest(files, store_path, batch_size=1, on_progress=interrupt)  # Ctrl-C right after the first commit
    assert _count(store_path, "documents") == 1

    from jirga.evidence import store as store_module

    original = store_module.Store._insert

    def failing_insert(self, table, rows):
        if table == "events":
            raise RuntimeError("disk full")
        original(self, table, rows)

    store_module.Store._insert = failing_insert
    try:
        with pytest.raises(RuntimeError):
            ingest(files, store_path, batch_size=2)  # b and c in one transaction, failing half-way
    finally:
        store_module.Store._insert = original
    # Neither b nor c is in any table: no half-written document.
    with open_store(store_path, read_only=True) as store:
        assert [row["name"] for row in store.query("SELECT name FROM documents")] == ["a"]
        for table in ("sentences", "mentions", "quotes", "events", "stances"):
            assert {row["document_id"] for row in store.query(f"SELECT DISTINCT document_id FROM {table}")} == {content_id(normalise(ARTICLE))}
    assert ingest(files, store_path).added == ["b", "c"]


def test_document_text_by_id_or_name(tmp_path):
    ingest([_write(tmp_path, "moscow.txt", ARTICLE)], tmp_path / "s.duckdb")
    expected = normalise(ARTICLE)
    assert document_text(tmp_path / "s.duckdb", "moscow") == expected
    assert document_text(tmp_path / "s.duckdb", content_id(expected)) == expected
    assert document_text(tmp_path / "s.duckdb", "nothing") is None
    assert document_text(tmp_path / "absent.duckdb", "moscow") is None


def test_commands_end_to_end(tmp_path):
    from jirga.cli import app

    runner = CliRunner()
    store = str(tmp_path / "s.duckdb")
    _write(tmp_path, "moscow.txt", ARTICLE)
    _write(tmp_path, "kabul.txt", OTHER)
    _write(tmp_path, "broken.txt", b"\x00\x01")
    meta = _write(tmp_path, "meta.yaml", "- {id: kabul, date: 2019-04-15}\n")
    result = runner.invoke(app, ["ingest", str(tmp_path), "--store", store, "--meta", str(meta)])
    assert result.exit_code == 1, result.output  # one file skipped
    assert "added 2 documents" in result.output and "broken.txt: binary file" in result.output
    result = runner.invoke(app, ["ingest", str(tmp_path / "moscow.txt"), "--store", store])
    assert result.exit_code == 0 and "added 0 documents" in result.output
    result = runner.invoke(app, ["actors", "--store", store])
    assert result.exit_code == 0 and "PAK_GOV" in result.output
    result = runner.invoke(app, ["evidence", "--store", store, "--kind", "quote", "--actor", "PAK_GOV"])
    assert result.exit_code == 0 and "Faisal" in result.output
    result = runner.invoke(app, ["timeline", "--store", store])
    # "on Monday" in a document of Monday 2019-04-15: that day.
    assert result.exit_code == 0 and "1 dated events" in result.output
    assert "SANCTION" in result.output and "2019-04-15 ~" in result.output
    output = tmp_path / "suggested.yaml"
    result = runner.invoke(app, ["suggest", "--store", store, "--output", str(output)])
    assert result.exit_code == 0, result.output
    assert output.read_text(encoding="utf-8").startswith("# Suggested by `jirga suggest`")
    # Every suggested quote is the stored text at its offsets and is valid scenario evidence.
    from ruamel.yaml import YAML

    from jirga.scenario.model import Evidence

    suggested = YAML(typ="safe").load(output.read_text(encoding="utf-8"))["stances"]
    evidence = [Evidence(**item) for stance in suggested for item in stance["position"]["evidence"]]
    assert evidence
    for item in evidence:
        assert document_text(store, item.document)[item.start : item.end] == item.quote


def test_suggested_positions_and_saliences_follow_the_linked_sentences():
    from jirga.evidence.commands import suggest_stances
    from jirga.scenario import load_scenario

    scenario = load_scenario(Path(__file__).parent / "data" / "tiny.yaml")  # actors A, B, C; one issue "war"
    row = {"kind": "stance", "detail": "", "document": "d", "date": None}
    rows = [
        {**row, "actor": "A", "issue": "war", "position": 0.0, "sentence": "one"},
        {**row, "actor": "A", "issue": "war", "position": 50.0, "sentence": "two"},
        {**row, "actor": "A", "issue": "war", "position": None, "sentence": "two"},  # the same sentence again
        {**row, "actor": "B", "issue": "war", "position": None, "sentence": "three"},
        {**row, "actor": "Z", "issue": "war", "position": 10.0, "sentence": "not a scenario actor"},
    ]
    suggestions = {item["actor"]: item for item in suggest_stances(scenario, rows)}
    assert set(suggestions) == {"A", "B"}
    assert suggestions["A"]["position"] == (0.0, 50.0)
    assert [item["sentence"] for item in suggestions["A"]["evidence"]] == ["one", "two"]
    # Each actor's only issue is its most discussed one: share 1, salience range [0.85, 1].
    assert suggestions["A"]["salience"] == (0.85, 1.0) and suggestions["B"]["position"] is None


def test_bad_metadata_names_file_line_and_field(tmp_path):
    meta = tmp_path / "meta.yaml"
    meta.write_text("sources:\n  - id: a\n    date: 2020-01-02\n  - id: b\n    date: someday\n", encoding="utf-8")
    with pytest.raises(JirgaError) as caught:
        read_metadata(meta)
    assert str(caught.value) == f"{meta}:5: sources[1].date: not a date (YYYY-MM-DD): 'someday'"
    meta.write_text("- id: a\n- title: no id\n", encoding="utf-8")
    with pytest.raises(JirgaError, match=r"meta.yaml:2: sources\[1\]: each entry needs an id"):
        read_metadata(meta)
    meta.write_text("sources:\n  - id: a\n    date: 2020-01-02\n", encoding="utf-8")
    assert read_metadata(meta)["a"].date == dt.date(2020, 1, 2)

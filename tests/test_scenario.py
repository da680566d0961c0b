"""The native scenario format: reading, writing, and one clear error for each kind of bad input."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jirga.errors import JirgaError, ScenarioErrors
from jirga.scenario import load_scenario, read_scenario, write_scenario
from jirga.scenario.checks import check_evidence
from jirga.scenario.native import dump_yaml, parse_yaml

DATA = Path(__file__).parent / "data"
TINY = (DATA / "tiny.yaml").read_text(encoding="utf-8")


def _error(text: str) -> JirgaError:
    with pytest.raises(JirgaError) as caught:
        parse_yaml(text, "bad.yaml")
    return caught.value


def _line_of(text: str, needle: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``needle``."""
    hits = [number for number, line in enumerate(text.splitlines(keepends=True), start=1) if needle in line]
    return hits[occurrence - 1]


def test_reads_the_compact_and_long_forms():
    scenario = parse_yaml(TINY)
    assert [actor.id for actor in scenario.actors] == ["A", "B", "C"]
    assert scenario.actor("A").capability.evidence[0].quote == "Alpha is strong"
    assert scenario.actor("B").capability.value == 1
    stance = scenario.stance("A", "war")
    assert stance.position.interval.low == 10 and stance.position.interval.high == 30
    assert [anchor.label for anchor in scenario.issue("war").anchors] == ["peace", "truce", "war"]
    assert scenario.as_of == dt.date(2020, 1, 1)


def test_yaml_round_trip_keeps_everything(tmp_path):
    scenario = parse_yaml(TINY)
    path = tmp_path / "copy.yaml"
    write_scenario(scenario, path)
    assert read_scenario(path) == scenario
    assert parse_yaml(dump_yaml(scenario)) == scenario


@pytest.mark.parametrize(
    ("old", "new", "needle", "field", "message"),
    [
        ("  - actor: B\n", "  - actor: Z\n", "actor: Z", "stances[1].actor", "unknown actor 'Z'"),
        ("    issue: war\n    position: 60", "    issue: peace\n    position: 60", "issue: peace", "stances[1].issue", "unknown issue 'peace'"),
        ("    position: 60\n", "    position: 160\n", "position: 160", "stances[1].position.value", "outside the scale"),
        ("    salience: 1\n", "    salience: 1.5\n", "salience: 1.5", "stances[1].salience", "salience must lie in [0, 1]"),
        ("  - id: C\n", "  - id: B\n", "- id: B\n", "actors[2].id", "duplicate id 'B'"),
        ("    capability: 1\n", "    capability: -3\n", "capability: -3", "actors[1].capability", "capability must be >= 0"),
        ("[10, 30]", "[30, 40]", "interval: [30, 40]", "stances[0].position", "excludes the value 20"),
        ("    name: Beta\n", "    name: Beta\n    colour: red\n", "colour: red", "actors[1].colour", "Extra inputs are not permitted"),
        ("    position: 60\n", "    position: .nan\n", "position: .nan", "stances[1].position.value", "finite"),
    ],
)
def test_each_bad_input_names_line_and_field(old, new, needle, field, message):
    text = TINY.replace(old, new, 1)
    assert text != TINY
    error = _error(text)
    assert error.file == "bad.yaml"
    assert error.field == field
    assert error.line == _line_of(text, needle, occurrence=2 if "duplicate" in message else 1)
    assert message in error.message
    assert str(error).startswith(f"bad.yaml:{error.line}: {field}: ")
    assert "\n" not in str(error)


def test_invalid_yaml_names_the_line():
    text = TINY.replace("  - id: B\n", "  - id: [B\n", 1)
    error = _error(text)
    assert error.line is not None and error.line >= _line_of(text, "id: [B")
    assert "not valid YAML" in error.message


def test_a_missing_section_is_named():
    error = _error("name: x\nactors: []\nissues: []\n")
    assert error.field == "stances"
    assert "Field required" in error.message


def test_all_problems_are_collected():
    text = TINY.replace("actor: B", "actor: Y").replace("actor: C", "actor: Z")
    with pytest.raises(ScenarioErrors) as caught:
        parse_yaml(text, "bad.yaml")
    assert [error.field for error in caught.value.errors] == ["stances[1].actor", "stances[2].actor"]


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(JirgaError, match="no such file"):
        load_scenario(tmp_path / "absent.yaml")
    odd = tmp_path / "scenario.docx"
    odd.write_text("x")
    with pytest.raises(JirgaError, match="cannot tell the format"):
        load_scenario(odd)


def test_evidence_checks_missing_evidence_and_quotes_against_documents():
    scenario = parse_yaml(TINY)
    documents = {"doc1": "In the report, Alpha  is\nstrong and Beta is not."}
    problems = check_evidence(scenario, documents.get)
    missing = {loc for loc, message in problems if message.startswith("no evidence")}
    assert ("actors", 1, "capability") in missing and ("actors", 0, "capability") not in missing
    assert not [message for _, message in problems if "does not occur" in message]

    documents["doc1"] = "Alpha is weak."
    quoted = [(loc, message) for loc, message in check_evidence(scenario, documents.get) if "does not occur" in message]
    assert quoted == [(("actors", 0, "capability", "evidence", 0, "quote"), "quote does not occur in document 'doc1': 'Alpha is strong'")]


def test_quotes_match_modulo_typography():
    scenario = parse_yaml(TINY.replace("quote: Alpha is strong", "quote: \"Alpha's \\\"might\\\" - real\""))
    problems = check_evidence(scenario, {"doc1": "Alpha\u2019s \u201cmight\u201d \u2013 real"}.get)
    assert not [message for _, message in problems if "does not occur" in message]


def test_dated_stances_as_of():
    text = TINY.replace(
        "  - actor: B\n    issue: war\n    position: 60\n",
        "  - actor: B\n    issue: war\n    date: 2019-01-01\n    position: 80\n    salience: 1\n"
        "  - actor: B\n    issue: war\n    date: 2020-06-01\n    position: 60\n",
    )
    scenario = parse_yaml(text)
    assert scenario.stance("B", "war").position.value == 60
    assert scenario.stance("B", "war", as_of=dt.date(2020, 1, 1)).position.value == 80
    assert scenario.stance("B", "war", as_of=dt.date(2018, 1, 1)) is None
    duplicate = text.replace("date: 2020-06-01", "date: 2019-01-01")
    error = _error(duplicate)
    assert "second stance of 'B' on 'war' dated 2019-01-01" in error.message

"""The command line as a user meets it: exit codes, one-line errors, output formats."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.yaml"


def jirga(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jirga", *args], capture_output=True, text=True, timeout=120)


def test_forecast_json_is_stable_and_matches_the_hand_calculation():
    done = jirga("forecast", str(TINY), "--format", "json", "--model", "compromise", "--model", "median")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["schema"] == 1
    assert [model["name"] for model in data["models"]] == ["compromise", "median"]
    (issue,) = data["issues"]
    # weights c*s: A 2*0.5 = 1, B 1, C 1 -> mean (20 + 60 + 100) / 3 = 60; median 60
    assert {item["model"]: item["value"] for item in issue["forecasts"]} == {"compromise": 60.0, "median": 60.0}
    assert issue["forecasts"][0]["label"] == "≈ truce"


def test_forecast_as_of_leaves_out_an_issue_nobody_had_spoken_on_yet():
    """dated.yaml as of its first article: war has A (20, c s = 1) and B (80, c s = 0.5), so the
    compromise is (20 + 40) / 1.5 = 40; nobody had a stance on talks yet. Every model runs."""
    dated = DATA / "web" / "dated.yaml"
    done = jirga("forecast", str(dated), "--as-of", "2020-01-01", "--format", "json")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["unheard"] == ["talks"] and [issue["id"] for issue in data["issues"]] == ["war"]
    assert {item["model"]: item["value"] for item in data["issues"][0]["forecasts"]}["compromise"] == 40.0
    assert len(data["issues"][0]["forecasts"]) == len(data["models"]) == 5
    done = jirga("forecast", str(dated), "--as-of", "2020-01-01", "--issue", "talks")
    assert done.returncode == 2 and "--as-of: no actor has a stance on issue 'talks' as of 2020-01-01" in done.stderr
    done = jirga("forecast", str(dated), "--as-of", "2019-12-31")
    assert done.returncode == 2 and "no actor has a stance on any issue as of 2019-12-31" in done.stderr


def test_forecast_csv_with_rounds():
    done = jirga("forecast", str(TINY), "--format", "csv", "--rounds", "--model", "median")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert [(row["actor"], float(row["position"])) for row in rows] == [("A", 20.0), ("B", 60.0), ("C", 100.0)]


def test_forecast_table_names_the_scale():
    done = jirga("forecast", str(TINY))
    assert done.returncode == 0, done.stderr
    assert "Weighted median" in done.stdout and "≈ truce" in done.stdout


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("forecast", "nowhere.yaml"), "nowhere.yaml: no such file"),
        (("forecast", str(TINY), "--model", "oracle"), "model: unknown model 'oracle'"),
        (("forecast", str(TINY), "--issue", "peace"), "--issue: unknown issue 'peace'"),
        (("forecast", str(TINY), "--param", "rounds"), "--param: expected KEY=VALUE"),
        (("validate", str(TINY)), f"{TINY}:20: actors[1].capability: no evidence"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(args, expected):
    done = jirga(*args)
    assert done.returncode == 2
    first = done.stderr.splitlines()[0]
    assert expected in first
    assert done.stdout == ""


def test_validate_checks_quotes_against_a_corpus(tmp_path):
    (tmp_path / "doc1.txt").write_text("Everyone agrees: Alpha is strong.", encoding="utf-8")
    done = jirga("validate", str(TINY), "--corpus", str(tmp_path), "--no-require-evidence")
    assert done.returncode == 0, done.stderr
    (tmp_path / "doc1.txt").write_text("Alpha is weak.", encoding="utf-8")
    done = jirga("validate", str(TINY), "--corpus", str(tmp_path), "--no-require-evidence")
    assert done.returncode == 2
    assert "actors[0].capability.evidence[0].quote: quote does not occur in document 'doc1'" in done.stderr


def test_convert_writes_nothing_on_bad_input(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("actor: B", "actor: Q"), encoding="utf-8")
    target = tmp_path / "out.yaml"
    done = jirga("convert", str(bad), str(target))
    assert done.returncode == 2
    assert "unknown actor 'Q'" in done.stderr
    assert not target.exists() and list(tmp_path.iterdir()) == [bad]


def test_version_and_help():
    assert jirga("--version").stdout.startswith("jirga ")
    help_text = jirga("--help").stdout
    for command in ("forecast", "validate", "convert", "show"):
        assert command in help_text


def test_forecast_without_arguments_runs_the_embedded_scenario():
    done = jirga("forecast", "--format", "json", "--model", "median")
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data["scenario"] == "Afghan peace process 2018-2021"
    assert {issue["id"] for issue in data["issues"]} >= {"withdrawal", "polity", "us_bases", "sanctuaries", "talks_format"}


def test_validate_checks_quotes_against_the_evidence_store(tmp_path):
    (tmp_path / "doc1.txt").write_text("Everyone agrees: Alpha is strong, the minister said on Monday.", encoding="utf-8")
    store = tmp_path / "evidence.duckdb"
    done = jirga("ingest", str(tmp_path / "doc1.txt"), "--store", str(store), "--meta", str(TINY))
    assert done.returncode == 0, done.stderr
    done = jirga("validate", str(TINY), "--store", str(store), "--no-require-evidence")
    assert done.returncode == 0, done.stderr
    assert "quotes checked against the store" in " ".join(done.stdout.split())
    bad = tmp_path / "bad.yaml"
    bad.write_text(TINY.read_text().replace("quote: Alpha is strong", "quote: Alpha is weak"), encoding="utf-8")
    done = jirga("validate", str(bad), "--store", str(store), "--no-require-evidence")
    assert done.returncode == 2
    assert "quote does not occur in document 'doc1'" in done.stderr

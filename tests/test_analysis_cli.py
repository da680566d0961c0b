"""jirga montecarlo, sensitivity and whatif as a user runs them: outputs, exit codes, files.

Most tests call the entry point in this process (a new interpreter costs seconds of imports);
one runs ``python -m jirga`` for real.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

from jirga.cli import main

TINY = Path(__file__).parent / "data" / "tiny.yaml"


@pytest.fixture
def jirga(capsys, monkeypatch):
    """Run ``jirga ARGS...`` through :func:`jirga.cli.main`; returns (exit code, stdout, stderr)."""

    def run(*args: str) -> subprocess.CompletedProcess:
        monkeypatch.setattr(sys, "argv", ["jirga", *args])
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code
        captured = capsys.readouterr()
        return subprocess.CompletedProcess(args, code, captured.out, captured.err)

    return run


def test_montecarlo_json_is_reproducible_and_the_same_on_two_workers(jirga):
    arguments = ("montecarlo", str(TINY), "--runs", "3000", "--seed", "4", "--format", "json", "--batch-size", "1000")
    first, again = jirga(*arguments, "--workers", "1"), jirga(*arguments, "--workers", "2")
    assert first.returncode == 0, first.stderr
    data = json.loads(first.stdout)
    assert data == json.loads(again.stdout)
    assert data["runs"] == 3000 and len(data["forecasts"]) == 3000
    (issue,) = data["issues"]
    # the compromise point forecast of tiny.yaml is (20 + 60 + 100) / 3 = 60
    assert issue["point"] == pytest.approx(60) and issue["p5"] < issue["median"] < issue["p95"]


def test_montecarlo_table_and_csv_file(jirga, tmp_path):
    target = tmp_path / "runs.csv"
    done = jirga("montecarlo", str(TINY), "-n", "200", "--model", "median", "--workers", "1", "--output", str(target))
    assert done.returncode == 0, done.stderr
    assert "war" in done.stdout and "median" in done.stdout and "95%" in done.stdout
    rows = list(csv.DictReader(io.StringIO(target.read_text())))
    assert len(rows) == 200 and list(rows[0]) == ["run", "war"]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("montecarlo", str(TINY), "--runs", "0"), "--runs: the number of runs must be positive, got 0"),
        (("montecarlo", str(TINY), "--model", "oracle"), "model: unknown model 'oracle'"),
        (("montecarlo", str(TINY), "--spread", "-1"), "--spread: the default spread must be >= 0"),
        (("sensitivity", str(TINY), "--method", "sobol", "--samples", "100"), "--samples: the number of samples must be a power of 2"),
        (("sensitivity", str(TINY), "--vary", "power"), "--vary: unknown input kind 'power'"),
        (("whatif", str(TINY), "nowhere"), "nowhere: no such file, and no shipped patch of that name"),
        (("montecarlo", str(TINY), "--issue", "peace"), "--issue: unknown issue 'peace' (known: war)"),
        (("sensitivity", str(TINY), "--issue", "peace"), "--issue: unknown issue 'peace' (known: war)"),
    ],
)
def test_bad_input_gives_one_line_and_exit_2(jirga, args, expected):
    done = jirga(*args)
    assert done.returncode == 2
    assert expected in done.stderr and len(done.stderr.strip().splitlines()) == 1


def test_nothing_is_written_when_the_job_fails(jirga, tmp_path):
    target = tmp_path / "runs.json"
    done = jirga("montecarlo", str(TINY), "--runs", "-3", "--output", str(target))
    assert done.returncode == 2 and not target.exists()
    assert list(tmp_path.iterdir()) == []


def test_sensitivity_ranks_the_inputs(jirga):
    done = jirga("sensitivity", str(TINY), "--top", "2", "--workers", "1")
    assert done.returncode == 0, done.stderr
    # A's and B's positions swing the compromise by 20/3 each (see test_analysis_sensitivity)
    assert done.stdout.index("A.war.position") < done.stdout.index("B.war.position")
    assert "+6.67" in done.stdout and "A.war.salience" not in done.stdout
    data = json.loads(jirga("sensitivity", str(TINY), "--format", "json", "--vary", "position", "--workers", "1").stdout)
    assert [item["name"] for item in data["inputs"]] == ["A.war.position", "B.war.position", "C.war.position"]


def test_whatif_with_a_patch_file_and_its_errors(jirga, tmp_path):
    patch = tmp_path / "hard.yaml"
    patch.write_text("name: B hardens\nchanges:\n  - set: {actor: B, issue: war, position: 90}\n")
    done = jirga("whatif", str(TINY), str(patch), "--format", "json")
    assert done.returncode == 0, done.stderr
    # (20 + 90 + 100) / 3 = 70 against the base's 60
    assert json.loads(done.stdout)["patches"][0]["difference"]["war"] == pytest.approx(10)
    patch.write_text("name: typo\nchanges:\n  - drop: Bravo\n")
    done = jirga("whatif", str(TINY), str(patch))
    assert done.returncode == 2
    assert f"{patch}:3: changes[0].drop: unknown actor 'Bravo'" in done.stderr


def test_issue_keeps_those_issues_of_the_full_result(jirga):
    """--issue shows the chosen issues, in the order given, with the numbers of a run without it."""
    chosen = ("--issue", "us_bases", "--issue", "withdrawal")
    common = ("--seed", "3", "--workers", "1", "--format", "json")
    full = json.loads(jirga("montecarlo", "-n", "40", *common).stdout)
    some = json.loads(jirga("montecarlo", "-n", "40", *common, *chosen).stdout)
    by_id = {issue["id"]: issue for issue in full["issues"]}
    assert some["issues"] == [by_id["us_bases"], by_id["withdrawal"]]
    columns = [[issue["id"] for issue in full["issues"]].index(name) for name in ("us_bases", "withdrawal")]
    assert some["forecasts"] == [[row[column] for column in columns] for row in full["forecasts"]]
    full = json.loads(jirga("sensitivity", *common).stdout)
    some = json.loads(jirga("sensitivity", *common, *chosen).stdout)
    assert some["point"] == {name: full["point"][name] for name in ("us_bases", "withdrawal")}
    assert [item["at_high"] for item in some["inputs"]] == [
        {name: item["at_high"][name] for name in ("us_bases", "withdrawal")} for item in full["inputs"]
    ]
    full = json.loads(jirga("whatif", "default", "pakistan-stays-away", *common).stdout)
    some = json.loads(jirga("whatif", "default", "pakistan-stays-away", *common, *chosen).stdout)
    assert some["patches"][0]["difference"] == {name: full["patches"][0]["difference"][name] for name in ("us_bases", "withdrawal")}


def test_an_issue_nobody_has_spoken_on_yet_is_left_out_and_named(jirga):
    """dated.yaml as of its first article: talks has no stance yet; war's compromise is
    (20 + 40) / 1.5 = 40 (see test_cli)."""
    dated = str(Path(__file__).parent / "data" / "web" / "dated.yaml")
    done = jirga("montecarlo", dated, "--as-of", "2020-01-01", "-n", "30", "--workers", "1", "--format", "json")
    assert done.returncode == 0, done.stderr
    (issue,) = json.loads(done.stdout)["issues"]
    assert issue["id"] == "war" and issue["point"] == pytest.approx(40)
    assert "left out: nobody has a stance on talks as of 2020-01-01" in done.stderr
    done = jirga("sensitivity", dated, "--as-of", "2020-01-01", "--workers", "1", "--format", "json")
    assert json.loads(done.stdout)["point"] == {"war": pytest.approx(40)}


def test_whatif_runs_the_shipped_patches_on_the_embedded_scenario():
    """The real entry point, in a new interpreter."""
    done = subprocess.run(
        [sys.executable, "-m", "jirga", "whatif", "default", "pakistan-stays-away", "regional-powers-join", "us-conditions-based"],
        capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "The US makes its withdrawal conditions-based" in done.stdout and "withdrawal" in done.stdout


def test_a_scheduler_that_does_not_answer(jirga, monkeypatch, tmp_path):
    from jirga.analysis import parallel

    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 0.5)
    monkeypatch.setenv(parallel.SCHEDULER_VARIABLE, "tcp://127.0.0.1:9")
    target = tmp_path / "runs.csv"
    done = jirga("montecarlo", str(TINY), "--runs", "10", "--output", str(target))
    assert done.returncode == 2 and not target.exists()
    assert "--scheduler: the Dask scheduler at tcp://127.0.0.1:9 does not answer" in done.stderr


def test_an_interval_that_excludes_its_value_is_reported_by_file_and_line(jirga, tmp_path):
    scenario = tmp_path / "bad.yaml"
    scenario.write_text(TINY.read_text().replace("position: 60", "position: {value: 60, interval: [70, 80]}"))
    done = jirga("montecarlo", str(scenario), "--runs", "10")
    assert done.returncode == 2
    assert f"{scenario}:36: stances[1].position: interval [70.0, 80.0] excludes the value 60" in done.stderr

"""The "table" CSV format (actor,capability,position,salience[,issue,lower,upper]) and `jirga forecast --model eum`."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from jirga.errors import JirgaError
from jirga.scenario.formats import FORMATS, format_for, read_scenario, write_scenario
from jirga.scenario.table_csv import dump_table, parse_table, sniff

EU = Path(__file__).parent / "data" / "eum" / "eu_emissions.csv"


def test_sniffed_apart_from_other_csv_formats(tmp_path):
    assert FORMATS["table"].suffixes == (".csv",)
    assert sniff("actor,capability,position,salience\nA,1,2,3\n")
    assert sniff("\ufeff Issue , Actor,Salience,Position,Capability,lower,upper\n")
    assert parse_table("\n\nactor,capability,position,salience\nA,1,2,1\nB,1,3,1\n").actors[1].id == "B"
    assert not sniff("#A;USA;United States\n#P;withdrawal;USA;90;0.8;1\n")
    assert not sniff("actor,position,salience\n")
    assert format_for(EU).name == "table"


def test_reads_the_papers_table():
    scenario = read_scenario(EU)
    assert scenario.name == "eu_emissions"
    (issue,) = scenario.issues
    assert (issue.id, issue.lower, issue.upper) == ("eu_emissions", 4.0, 10.0)
    assert [actor.id for actor in scenario.actors][:4] == ["Netherlands", "Belgium", "Luxembourg", "Germany"]
    denmark = scenario.stance("Denmark", "eu_emissions")
    assert (denmark.position.value, denmark.salience.value) == (4.0, 1.0)  # 100 on the 0-100 salience scale
    assert scenario.actor("UK").capability.value == 0.16


def test_several_issues_names_scales_and_issue_specific_capability():
    scenario = parse_table(
        "issue,actor,capability,position,salience,lower,upper\n"
        "Tax rate,United Kingdom,2,10,0.5,0,100\n"
        "Tax rate,France,1,60,0.25,0,100\n"
        "\n"
        "Date,United Kingdom,3,2020,1,2019,2030\n",
        "two.csv",
    )
    assert [issue.id for issue in scenario.issues] == ["Tax_rate", "Date"]
    assert (scenario.issue("Date").lower, scenario.issue("Date").upper) == (2019.0, 2030.0)
    uk = scenario.actor("United_Kingdom")
    assert (uk.name, uk.capability.value) == ("United Kingdom", 2.0)
    assert scenario.stance("United_Kingdom", "Tax_rate").capability is None
    assert scenario.stance("United_Kingdom", "Date").capability.value == 3.0
    assert scenario.stance("France", "Tax_rate").salience.value == 0.25  # no value above 1: fractions


def test_round_trip(tmp_path):
    scenario = read_scenario(EU)
    target = tmp_path / "copy.csv"
    write_scenario(scenario, target, "table")
    again = read_scenario(target)
    assert format_for(target).name == "table"
    assert dump_table(again) == dump_table(scenario)
    assert [(stance.actor, stance.position.value, stance.salience.value) for stance in again.stances] == [
        (stance.actor, stance.position.value, stance.salience.value) for stance in scenario.stances
    ]


@pytest.mark.parametrize(
    ("text", "line", "field", "message"),
    [
        ("", 1, None, "empty file"),
        ("actor,capability,position\n", 1, "salience", "missing column"),
        ("actor,capability,position,salience,colour\n", 1, "colour", "unknown column"),
        ("actor,capability,position,salience,actor\n", 1, "actor", "named twice"),
        ("actor,capability,position,salience,lower\nA,1,2,3,0\n", 1, "upper", "together"),
        ("actor,capability,position,salience\n", 2, None, "no rows"),
        ("actor,capability,position,salience\nA,1,2,0.5\nB,x,3,0.5\n", 3, "capability", "not a number"),
        ("actor,capability,position,salience\nA,1,2,0.5\nB,1,nan,0.5\n", 3, "position", "finite"),
        ("actor,capability,position,salience\nA,-1,2,0.5\nB,1,3,0.5\n", 2, "capability", ">= 0"),
        ("actor,capability,position,salience\nA,1,2,50\nB,1,3,150\n", 3, "salience", "percentage"),
        ("actor,capability,position,salience\nA,1,2,0.5\nB,1,,0.5\n", 3, "position", "empty cell"),
        ("actor,capability,position,salience\nA,1,2,0.5,9\n", 2, None, "5 cells"),
        ("actor,capability,position,salience\nA,1,2,0.5\nA,1,3,0.5\n", 3, "actor", "second row"),
        ("actor,capability,position,salience\n???,1,2,0.5\n", 2, "actor", "no letter"),
        ("actor,capability,position,salience\nA B,1,2,0.5\nA_B,1,3,0.5\n", 3, "actor", "both get the id"),
        ("actor,capability,position,salience\nA,1,2,0.5\n\"B,1,3,0.5\n", 3, None, "not a readable CSV line"),
        ("actor,capability,position,salience\nA,1,5,0.5\nB,1,5,0.5\n", 2, "position", "add lower and upper"),
        ("actor,capability,position,salience,lower,upper\nA,1,5,0.5,0,10\nB,1,15,0.5,0,10\n", 3, "position", "outside the scale"),
        ("actor,capability,position,salience,lower,upper\nA,1,5,0.5,0,10\nB,1,5,0.5,0,20\n", 3, "upper", "differs"),
        ("actor,capability,position,salience,lower,upper\nA,1,5,0.5,10,0\n", 2, "upper", "below upper"),
    ],
)
def test_errors_name_the_line_and_column(text, line, field, message):
    with pytest.raises(JirgaError, match=message) as caught:
        parse_table(text, "bad.csv")
    error = caught.value
    assert (error.file, error.line, error.field) == ("bad.csv", line, field)
    assert "\n" not in str(error)


def jirga(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jirga", *args], capture_output=True, text=True, timeout=120)


def test_cli_forecasts_the_papers_table_with_rounds():
    done = jirga("forecast", "--model", "eum", str(EU), "--rounds", "--format", "json")
    assert done.returncode == 0, done.stderr
    (issue,) = json.loads(done.stdout)["issues"]
    (forecast,) = issue["forecasts"]
    assert forecast["value"] == pytest.approx(7.242130958473938, abs=1e-9)  # the replication's round 10 mean
    assert forecast["rounds"] == 10


def test_cli_reports_a_bad_table_in_one_line(tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text("actor,capability,position,salience\nA,1,2,0.5\nB,1,x,0.5\n")
    done = jirga("forecast", "--model", "eum", str(bad))
    assert done.returncode == 2
    assert f"{bad}:3: position: not a number" in done.stderr


@pytest.mark.parametrize("output", ["table", "json", "csv"])
def test_cli_shows_the_rounds_on_the_embedded_afghan_scenario(output):
    done = jirga("forecast", "--model", "eum", "--rounds", "--format", output)
    assert done.returncode == 0, done.stderr
    if output == "json":
        issues = json.loads(done.stdout)["issues"]
        assert len(issues) == 6
        for issue in issues:
            (forecast,) = issue["forecasts"]
            assert issue["lower"] <= forecast["value"] <= issue["upper"]
            assert len(issue["trajectories"]["eum"]["positions"]) == 11  # rounds 0-10
    elif output == "csv":
        rounds = {line.split(",")[2] for line in done.stdout.splitlines()[1:]}
        assert rounds == {str(index) for index in range(11)}
    else:
        assert "positions by round" in done.stdout

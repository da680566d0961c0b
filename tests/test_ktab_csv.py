"""KTAB's SMP CSV format: reading KTAB's examples, writing files smpc reads, and bad input."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jirga.errors import JirgaError
from jirga.scenario import FORMATS, load_scenario, read_scenario
from jirga.scenario.formats import format_for
from jirga.scenario.ktab_csv import dump_ktab, parse_ktab, sniff
from jirga.scenario.model import Actor, Issue, Scenario, Stance, Value

DATA = Path(__file__).parent / "data" / "ktab" / "inputs"
EXAMPLES = sorted(DATA.glob("*.csv"))

GOOD = """Test,A small scenario,3,2,
Actor,Description,Influence,Policy Position,Policy Salience,Pace Position,Pace Salience,
AA,Actor A,100,20,60,50,40,
BB,Actor B,55,65,60,10,0,
CC,Actor C,10.5,0,25.5,100,74.5,
"""


def test_every_ktab_example_is_recognised_and_read():
    assert len(EXAMPLES) == 8
    for path in EXAMPLES:
        assert format_for(path).name == "ktab", path.name
        scenario = read_scenario(path)
        head = path.read_text().splitlines()[0].split(",")
        assert len(scenario.actors) == int(head[2]) and len(scenario.issues) == int(head[3])
        assert len(scenario.stances) == len(scenario.actors) * len(scenario.issues)


def test_ktab_numbers_map_onto_a_scenario():
    scenario = read_scenario(DATA / "SOE-Competitive.csv")
    assert scenario.name == "China Competitive; scen 1"
    assert [issue.id for issue in scenario.issues] == ["Competitive"]
    assert (scenario.issues[0].lower, scenario.issues[0].upper) == (0, 100)
    xi = scenario.actor("XJ")
    assert (xi.name, xi.capability.value) == ("Xi Jinping", 100.0)
    stance = scenario.stance("XJ", "Competitive")
    assert (stance.position.value, stance.salience.value) == (20.0, 0.6)
    # saliences are divided by 100 in decimal: 43.31 -> 0.4331 exactly (not 43.31 / 100.0)
    dummy = read_scenario(DATA / "dummyData-a040.csv").stance("Act-1001", "XYZ")
    assert dummy.salience.value == 0.4331 and dummy.position.value == 63.03
    six = read_scenario(DATA / "dummyData_6Dim.csv")
    assert [issue.id for issue in six.issues] == [f"Dim{k}" for k in range(6)]


def test_round_trip_of_the_ktab_examples_keeps_every_number():
    for path in EXAMPLES:
        scenario = read_scenario(path)
        again = parse_ktab(dump_ktab(scenario))
        assert again == scenario, path.name


def test_written_file_is_ktab_text():
    text = dump_ktab(parse_ktab(GOOD))
    assert text.splitlines() == [
        "Test,A small scenario,3,2",
        "Actor,Description,Influence,Policy Position,Policy Salience,Pace Position,Pace Salience",
        "AA,Actor A,100,20,60,50,40",
        "BB,Actor B,55,65,60,10,0",
        "CC,Actor C,10.5,0,25.5,100,74.5",
    ]
    assert sniff(text)


saliences = st.lists(st.floats(0, 1, allow_subnormal=False), min_size=1, max_size=3).filter(lambda values: sum(values) <= 1)


@settings(max_examples=50, deadline=None)
@given(
    rows=st.lists(
        st.tuples(st.floats(0, 1e6, allow_subnormal=False), st.floats(0, 100, allow_subnormal=False), saliences),
        min_size=1,
        max_size=5,
    )
)
def test_native_to_ktab_to_native_keeps_every_number(rows):
    n_issues = min(len(salience) for _, _, salience in rows)
    issues = tuple(Issue(id=f"i{k}", name=f"Issue {k}") for k in range(n_issues))
    actors = tuple(Actor(id=f"a{index}", name=f"Actor {index}", capability=Value(value=row[0])) for index, row in enumerate(rows))
    stances = tuple(
        Stance(actor=f"a{index}", issue=f"i{k}", position=Value(value=row[1]), salience=Value(value=row[2][k]))
        for index, row in enumerate(rows)
        for k in range(n_issues)
    )
    scenario = Scenario(name="s", actors=actors, issues=issues, stances=stances)
    again = parse_ktab(dump_ktab(scenario))
    for stance in scenario.stances:
        back = again.stance(stance.actor, stance.issue)
        assert back.position.value == stance.position.value
        assert back.salience.value == stance.salience.value
    assert [actor.capability.value for actor in again.actors] == [actor.capability.value for actor in actors]


def test_writing_what_ktab_has_no_room_for():
    scenario = Scenario(
        name="Talks, round 2",
        actors=(
            Actor(id="a", name="Side A", capability=Value(value=2.0)),
            Actor(id="b", name="Side B", capability=Value(value=1.0)),
        ),
        issues=(Issue(id="x", name="Troops", lower=-10, upper=10),),
        stances=(Stance(actor="a", issue="x", position=Value(value=5.0), salience=Value(value=0.5)),),
    )
    lines = dump_ktab(scenario).splitlines()
    assert lines[0] == "Talks; round 2,,2,1"  # smpc's reader does not understand quoted commas
    assert lines[2] == "a,Side A,2,75,50"  # -10..10 rescaled to KTAB's 0..100
    assert lines[3] == "b,Side B,1,50,0"  # no stance: the midpoint, salience 0


def test_the_embedded_scenario_converts_and_reads_back():
    scenario = load_scenario()
    again = parse_ktab(dump_ktab(scenario))
    assert [actor.id for actor in again.actors] == [actor.id for actor in scenario.actors]
    assert [issue.id for issue in again.issues] == [issue.id for issue in scenario.issues]


def test_sniff_tells_ktab_from_the_other_csv_formats():
    assert sniff(GOOD)
    assert not sniff("actor,capability,position,salience\na,1,2,0.5\n")
    assert not sniff("#A;a;Actor A\n#P;x;Issue\n")
    assert FORMATS["ktab"].sniff is sniff


def _break(line: int, text: str) -> str:
    """GOOD with its ``line`` (1-based) replaced by ``text``."""
    lines = GOOD.splitlines()
    lines[line - 1] = text
    return "\n".join(lines) + "\n"


BAD = [
    ("wrong actor count", _break(1, "Test,A small scenario,4,2,"), 1, "column 3 (number of actors)", "says 4 actor(s) but 3"),
    ("actor count not a number", _break(1, "Test,A small scenario,three,2,"), 1, "column 3 (number of actors)", "whole number"),
    ("wrong dimension count", _break(1, "Test,A small scenario,3,1,"), 1, "column 4 (number of dimensions)", "header (line 2) has 2"),
    ("missing column", _break(4, "BB,Actor B,55,65,60,10"), 4, "column 7 (Pace Salience)", "missing column"),
    ("trailing comma for a value", _break(4, "BB,Actor B,55,65,60,10,"), 4, "column 7 (Pace Salience)", "empty cell"),
    ("empty cell", _break(3, "AA,Actor A,,20,60,50,40,"), 3, "column 3 (Influence)", "empty cell"),
    ("extra value", _break(3, "AA,Actor A,100,20,60,50,40,7"), 3, "column 8", "after the last dimension"),
    ("non-numeric", _break(5, "CC,Actor C,10.5,zero,25.5,100,74.5,"), 5, "column 4 (Policy Position)", "'zero' is not a number"),
    ("not finite", _break(5, "CC,Actor C,nan,0,25.5,100,74.5,"), 5, "column 3 (Influence)", "not a finite number"),
    ("negative power", _break(4, "BB,Actor B,-55,65,60,10,0,"), 4, "column 3 (Influence)", "capability must be >= 0"),
    ("position off the scale", _break(3, "AA,Actor A,100,120,60,50,40,"), 3, "column 4 (Policy Position)", "position must lie in [0, 100]"),
    ("saliences above 100", _break(3, "AA,Actor A,100,20,60,50,41,"), 3, "column 7 (Pace Salience)", "add up to 101"),
    ("duplicate actor", _break(4, "AA,Actor B,55,65,60,10,0,"), 4, "column 1 (Actor)", "already appears on line 3"),
    ("blank line", GOOD.replace("BB,", "\nBB,"), 4, None, "blank line"),
    ("no header", "Test,A small scenario,3,2\n", 1, None, "two lines"),
]


@pytest.mark.parametrize(("case", "text", "line", "field", "message"), BAD, ids=[case[0] for case in BAD])
def test_bad_input_names_line_and_column(case, text, line, field, message):
    with pytest.raises(JirgaError) as error:
        parse_ktab(text, "bad.csv")
    assert (error.value.line, error.value.field) == (line, field)
    assert message in error.value.message
    assert "\n" not in str(error.value)
    assert str(error.value).startswith(f"bad.csv:{line}: ")


def jirga(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jirga", *args], capture_output=True, text=True, timeout=120)


def test_cli_reports_bad_ktab_input_and_writes_nothing(tmp_path):
    source = tmp_path / "bad.csv"
    source.write_text(_break(4, "BB,Actor B,-55,65,60,10,0,"))
    target = tmp_path / "out.yaml"
    result = jirga("convert", str(source), str(target))
    assert result.returncode == 2
    assert f"{source}:4: column 3 (Influence): capability must be >= 0" in result.stderr.replace("\n", "")
    assert not target.exists()
    assert jirga("forecast", "--model", "smp", str(source)).returncode == 2


def test_cli_forecasts_and_converts_ktab_files(tmp_path):
    result = jirga("forecast", "--model", "smp", "--format", "json", str(DATA / "dummyData_3Dim.csv"))
    assert result.returncode == 0, result.stderr
    assert '"smp"' in result.stdout
    target = tmp_path / "copy.csv"
    result = jirga("convert", str(DATA / "SOE-Pol-Comp.csv"), str(target), "--to", "ktab")
    assert result.returncode == 0, result.stderr
    assert read_scenario(target) == read_scenario(DATA / "SOE-Pol-Comp.csv")

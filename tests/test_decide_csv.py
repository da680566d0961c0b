"""Reading and writing decide-exchange-model's input files (tests/data/decide, see its README)."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jirga.errors import JirgaError, ScenarioErrors
from jirga.scenario import load_scenario, read_scenario, write_scenario
from jirga.scenario.decide_csv import dump_decide, identifier, parse_decide, read_decide, sniff
from jirga.scenario.formats import format_for
from jirga.scenario.model import Actor, Issue, Scenario, Stance, Value

DATA = Path(__file__).parent / "data" / "decide"


def test_copenhagen() -> None:
    scenario = read_scenario(DATA / "copenhagen.csv")
    assert (len(scenario.actors), len(scenario.issues), len(scenario.stances)) == (11, 7, 75)
    eu = scenario.actor("EU_incl_Norway")
    assert eu.name == "EU (incl Norway)" and eu.capability.value == 0.156
    usa = scenario.stance("USA", "Newtreaty")
    assert (usa.position.value, usa.salience.value, usa.capability) == (10.0, 0.9, None)
    assert scenario.actor("USA").capability.value == 0.26
    # Russia has no #D row on Commitments (nor on Extra): no stance.
    assert scenario.stance("Russia", "Commitments") is None
    assert scenario.issue("Control").lower == 0 and scenario.issue("Control").upper == 100


def test_issue_bounds_come_from_the_m_rows() -> None:
    scenario = read_decide(DATA / "sample_data.txt")
    toll = scenario.issue("tol-hoogte")
    assert (toll.lower, toll.upper) == (0.5, 7.0)
    assert scenario.stance("Willems", "tol-hoogte").position.value == 3.0


def test_power_per_actor_and_issue_becomes_stance_capability() -> None:
    text = _file(
        "#D\tA\tp\t10\t0.5\t2",
        "#D\tA\tq\t20\t0.5\t2",
        "#D\tA\tr\t30\t0.5\t7",
    )
    scenario = parse_decide(text)
    assert scenario.actor("A").capability.value == 2
    assert scenario.stance("A", "p").capability is None
    assert scenario.stance("A", "r").capability.value == 7


def test_saliences_on_0_100_are_divided_by_100() -> None:
    scenario = parse_decide(_file("#D\tA\tp\t10\t80\t1", "#D\tA\tq\t20\t0.5\t1"))
    assert scenario.stance("A", "p").salience.value == 0.8
    assert scenario.stance("A", "q").salience.value == 0.005


def test_ids_become_identifiers_and_names_stay() -> None:
    assert identifier("Least Developed Countries") == "Least_Developed_Countries"
    assert identifier("EU (incl Norway)") == "EU_incl_Norway"
    scenario = parse_decide("#A;Big Actor;The Big Actor;\n#P;p;\n#D;Big Actor;p;1;0.5;1\n")
    actor = scenario.actors[0]
    assert (actor.id, actor.name, actor.aliases) == ("Big_Actor", "The Big Actor", ("Big Actor",))


def test_decides_own_malformed_sample() -> None:
    """copenhagen_with_errors.csv: Russia's position 160 on Control (line 86) and China India's
    power -0.247 (line 87). decide itself crashes on the file (its csv.Sniffer picks '#')."""
    with pytest.raises(ScenarioErrors) as error:
        read_scenario(DATA / "copenhagen_with_errors.csv")
    problems = [(item.line, item.field) for item in error.value.errors]
    assert problems == [(86, "position"), (87, "power")]
    assert str(error.value).startswith(f"{DATA / 'copenhagen_with_errors.csv'}:86: position: 160 lies outside the scale [0, 100]")
    assert "\n" not in str(error.value)


@pytest.mark.parametrize(
    ("rows", "line", "field", "words"),
    [
        (("#D\tNobody\tp\t10\t0.5\t1",), 5, "actor", "unknown actor 'Nobody'"),
        (("#D\tA\tnowhere\t10\t0.5\t1",), 5, "issue", "unknown issue 'nowhere'"),
        (("#M\tp\t0", "#M\tp\t50", "#D\tA\tp\t60\t0.5\t1"), 7, "position", "60 lies outside the scale [0, 50]"),
        (("#M\tp\t10",), 5, "value", "one #M bound"),
        (("#D\tA\tp\tten\t0.5\t1",), 5, "position", "'ten' is not a number"),
        (("#D\tA\tp\t10\thigh\t1",), 5, "salience", "'high' is not a number"),
        (("#D\tA\tp\t10\t0.5",), 5, "power", "missing power"),
        (("#M\tp\tlow",), 5, "value", "'low' is not a number"),
        (("#D\tA\tp\t10\t101\t1",), 5, "salience", "outside [0, 100]"),
        (("#D\tA\tp\t10\t0.5\t-1",), 5, "power", "negative"),
        (("#D\tA\tp\t10\t0.5\t1\tdate=2020-02-30",), 5, "comment", "not a date"),
        (("#X\tA",), 5, "kind", "unknown row kind"),
        (("#A\tA\tagain",), 5, "id", "second #A row"),
        (("#M\tnowhere\t0",), 5, "issue", "#M row for unknown issue"),
    ],
)
def test_bad_rows_name_line_and_field(rows: tuple[str, ...], line: int, field: str, words: str) -> None:
    with pytest.raises(JirgaError) as error:
        parse_decide(_file(*rows), "bad.csv")
    assert (error.value.line, error.value.field) == (line, field)
    assert words in str(error.value)


def test_not_decide_rows() -> None:
    with pytest.raises(JirgaError, match="no decide rows"):
        parse_decide("name,position\nA,1\n", "other.csv")


def test_format_registry_sniffs_decide_files() -> None:
    assert format_for(DATA / "copenhagen.csv").name == "decide"
    assert format_for(DATA / "sample_data.txt").name == "decide"
    assert sniff("'#A'\t'USA'\n") and sniff("#P;x\n") and not sniff("actor,issue\n")


def _numbers(scenario: Scenario) -> dict[str, object]:
    """Every number of a scenario that decide's format can carry (point values, not intervals)."""
    return {
        "actors": [(actor.id, actor.capability.value) for actor in scenario.actors],
        "issues": [
            (issue.id, issue.lower, issue.upper, issue.status_quo, sorted((a.value, a.label) for a in issue.anchors))
            for issue in scenario.issues
        ],
        "stances": sorted(
            (
                stance.actor,
                stance.issue,
                str(stance.date),
                stance.position.value,
                stance.salience.value,
                (stance.capability or scenario.actor(stance.actor).capability).value,
            )
            for stance in scenario.stances
        ),
    }


def test_native_to_decide_to_native_keeps_every_number(tmp_path: Path) -> None:
    """The embedded Afghan scenario: capabilities up to 100, dated stances, anchors, status quo."""
    native = load_scenario()
    path = tmp_path / "afghanistan.csv"
    write_scenario(native, path, "decide")
    back = read_scenario(path)
    assert _numbers(back) == _numbers(native)
    assert [actor.name for actor in back.actors] == [actor.name for actor in native.actors]


def test_capabilities_no_row_carries_are_kept() -> None:
    scenario = parse_decide(_file("#A\tB\tB", "#D\tA\tp\t10\t0.5\t3"))
    assert scenario.actor("B").capability.value == 0  # no #D row: decide has no power for B
    actors = (scenario.actors[0], scenario.actors[1].model_copy(update={"capability": Value(value=9.5)}))
    text = dump_decide(scenario.model_copy(update={"actors": actors}))
    assert "'#/'\t'jirga'\t'capability'\t'B'\t9.5" in text
    assert parse_decide(text).actor("B").capability.value == 9.5


def test_dated_stances_keep_their_dates_and_decide_reads_the_latest_last() -> None:
    text = _file("#D\tA\tp\t30\t0.5\t1\tdate=2021-01-01", "#D\tA\tp\t10\t0.5\t1\tdate=2019-01-01")
    scenario = parse_decide(text)
    assert sorted(str(stance.date) for stance in scenario.stances) == ["2019-01-01", "2021-01-01"]
    rows = [line for line in dump_decide(scenario).splitlines() if line.startswith("'#D'")]
    assert rows[-1].endswith("'date=2021-01-01'")


def test_decide_to_native_to_decide_is_stable() -> None:
    scenario = read_decide(DATA / "cop21.csv")
    text = dump_decide(scenario)
    again = parse_decide(text, "cop21.csv")
    assert again == scenario
    assert dump_decide(again) == text


def _jirga(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "jirga", *args], capture_output=True, text=True, timeout=120)


def test_cli_forecast_reads_decide_files() -> None:
    done = _jirga("forecast", "--model", "exchange", "-p", "rounds=2", str(DATA / "copenhagen.csv"), "-f", "csv")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == "issue,model,forecast,label,rounds"
    assert len(done.stdout.splitlines()) == 8


def test_cli_bad_decide_file_exits_2_with_one_line(tmp_path: Path) -> None:
    out = tmp_path / "out.yaml"
    done = _jirga("convert", str(DATA / "copenhagen_with_errors.csv"), str(out))
    assert done.returncode == 2
    assert "copenhagen_with_errors.csv:86: position: 160 lies outside the scale [0, 100]" in done.stderr.splitlines()[0]
    assert done.stdout == "" and not out.exists()


def _file(*rows: str) -> str:
    """An actor A and issues p, q, r (lines 1-4), then ``rows`` from line 5 on."""
    return "\n".join(["#A\tA\tA", "#P\tp\tp", "#P\tq\tq", "#P\tr\tr", *rows]) + "\n"


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """Scenarios with every kind of number decide's format carries: bounds, anchors, status quo,
    actor and per-stance capabilities, saliences, positions and dated stances."""
    numbers = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
    n_actors, n_issues = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    actors = tuple(
        Actor(id=f"a{index}", name=draw(st.text("ab '\t;", min_size=1, max_size=5)), capability=draw(st.floats(0, 1e4)))
        for index in range(n_actors)
    )
    issues = []
    for index in range(n_issues):
        lower = draw(numbers)
        upper = lower + draw(st.floats(min_value=1e-3, max_value=1e6))
        inside = st.floats(min_value=lower, max_value=upper)
        anchors = {draw(inside): draw(st.text("xyz '", min_size=1, max_size=4)) for _ in range(draw(st.integers(0, 2)))}
        issues.append(Issue(id=f"i{index}", name=f"Issue {index}", lower=lower, upper=upper, anchors=anchors, status_quo=draw(st.none() | inside)))
    stances = []
    for actor in actors:
        for issue in issues:
            inside = st.floats(min_value=issue.lower, max_value=issue.upper)
            for date in draw(st.lists(st.none() | st.dates(dt.date(2000, 1, 1), dt.date(2030, 1, 1)), max_size=2, unique=True)):
                stances.append(
                    Stance(
                        actor=actor.id,
                        issue=issue.id,
                        position=draw(inside),
                        salience=draw(st.floats(0, 1)),
                        capability=draw(st.none() | st.floats(0, 1e4)),
                        date=date,
                    )
                )
    return Scenario(name="generated", actors=actors, issues=tuple(issues), stances=tuple(stances))


@settings(max_examples=60, deadline=None)
@given(scenarios())
def test_round_trip_keeps_every_number(scenario: Scenario) -> None:
    back = parse_decide(dump_decide(scenario), "generated.csv")
    assert _numbers(back) == _numbers(scenario)

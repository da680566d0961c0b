"""What-if patches: each operation by hand, errors by line, the shipped Afghan patches."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jirga.analysis.whatif import apply_patch, compare, load_patch, parse_patch, resolve_patch, shipped_patches
from jirga.errors import JirgaError
from jirga.models import Problem, make_model
from jirga.scenario import load_scenario
from jirga.scenario.model import Actor, Issue, Scenario, Stance

TINY = Path(__file__).parent / "data" / "tiny.yaml"
RNG = np.random.default_rng(0)


def forecast(scenario: Scenario, model: str = "compromise") -> np.ndarray:
    return make_model(model).forecast(Problem.from_scenario(scenario), RNG).forecast


def patched(text: str, scenario: Scenario | None = None) -> Scenario:
    return apply_patch(scenario or load_scenario(TINY), parse_patch(text, "p.yaml"))


def test_drop_an_actor():
    # without B: weights A 1, C 1 -> (20 + 100) / 2 = 60; median of 20 and 100 with equal weight: 60
    result = patched("changes:\n  - drop: B\n")
    assert [actor.id for actor in result.actors] == ["A", "C"]
    assert all(stance.actor != "B" for stance in result.stances)
    assert forecast(result)[0] == pytest.approx(60)


def test_drop_an_actor_from_some_issues_only():
    two = patched("changes:\n  - add: {id: D, name: Delta, capability: 1, stances: [{issue: war, position: 0, salience: 1}]}\n")
    result = patched("changes:\n  - drop: {actor: A, issues: [war]}\n", two)
    assert "A" in [actor.id for actor in result.actors]
    # without A: B 60, C 100, D 0, weights 1 -> 160 / 3
    assert forecast(result)[0] == pytest.approx(160 / 3)


def test_set_and_shift_by_hand():
    # B's position 60 -> 90: (20 + 90 + 100) / 3 = 70
    assert forecast(patched("changes:\n  - set: {actor: B, issue: war, position: 90}\n"))[0] == pytest.approx(70)
    # A's capability 2 -> 4 (weight 2): (2*20 + 60 + 100) / 4 = 50
    assert forecast(patched("changes:\n  - set: {actor: A, capability: 4}\n"))[0] == pytest.approx(50)
    # A's salience 0.5 - 0.25 = 0.25 (weight 0.5): (10 + 160) / 2.5 = 68
    result = patched("changes:\n  - shift: {actor: A, salience: -0.25}\n")
    assert forecast(result)[0] == pytest.approx(68)
    # shifting A's position by -15 moves its interval [10, 30] too, clipped at 0: [0, 15]
    moved = patched("changes:\n  - shift: {actor: A, issue: war, position: -15}\n").stance("A", "war")
    assert moved.position.value == 5 and (moved.position.interval.low, moved.position.interval.high) == (0, 15)
    assert moved.position.evidence == ()
    # C's position 100 + 30 stays at the top of the scale
    assert patched("changes:\n  - shift: {actor: C, issue: war, position: 30}\n").stance("C", "war").position.value == 100


def test_set_keeps_an_interval_given_in_the_patch_and_drops_the_old_one_otherwise():
    kept = patched("changes:\n  - set: {actor: A, issue: war, position: {value: 40, interval: [35, 45]}}\n").stance("A", "war")
    assert (kept.position.value, kept.position.interval.low, kept.position.interval.high) == (40, 35, 45)
    bare = patched("changes:\n  - set: {actor: A, issue: war, position: 40}\n").stance("A", "war")
    assert bare.position.interval is None


def test_set_issue_specific_capability_and_a_new_stance():
    two_issues = patched(
        "changes:\n  - set: {actor: A, issue: war, capability: 6}\n", load_scenario(TINY)
    )
    assert two_issues.stance("A", "war").capability.value == 6 and two_issues.actor("A").capability.value == 2
    # weights A 6*0.5 = 3, B 1, C 1: (60 + 60 + 100) / 5 = 44
    assert forecast(two_issues)[0] == pytest.approx(44)
    # A leaves the issue, then a set of position and salience brings it back with a new stance
    back = patched("changes:\n  - drop: {actor: A, issues: [war]}\n  - set: {actor: A, issue: war, position: 0, salience: 1}\n")
    # weights A 2*1 = 2, B 1, C 1: (0 + 60 + 100) / 4 = 40
    assert back.stance("A", "war").position.value == 0 and forecast(back)[0] == pytest.approx(40)
    with pytest.raises(JirgaError, match="'A' has no stance on 'war' to change"):
        patched("changes:\n  - drop: {actor: A, issues: [war]}\n  - set: {actor: A, issue: war, position: 0}\n")


def test_add_an_actor():
    # D at 0 with weight 2*0.5 = 1: (20 + 60 + 100 + 0) / 4 = 45
    result = patched("changes:\n  - add: {id: D, name: Delta, capability: 2, stances: [{issue: war, position: 0, salience: 0.5}]}\n")
    assert result.actor("D").name == "Delta"
    assert forecast(result)[0] == pytest.approx(45)


def test_merge_by_hand():
    # B + C: capability 1 + 1 = 2; position (1*60 + 1*100) / 2 = 80; salience (1*1 + 1*1) / 2 = 1.
    result = patched("changes:\n  - merge: {actors: [B, C], into: {id: BC, name: B and C}}\n")
    assert [actor.id for actor in result.actors] == ["A", "BC"]
    coalition = result.stance("BC", "war")
    assert (result.actor("BC").capability.value, coalition.position.value, coalition.salience.value) == (2, 80, 1)
    assert coalition.capability is None
    # the compromise keeps its value (weights 1 at 20 and 2 at 80: 180 / 3 = 60) ...
    assert forecast(result)[0] == pytest.approx(60)
    # ... the median moves: BC holds 2 of the 3 weight units, so the median is BC's 80
    assert forecast(result, "median")[0] == pytest.approx(80)


def test_merge_combines_intervals_when_all_members_have_one():
    text = "changes:\n  - set: {actor: B, issue: war, position: {value: 60, interval: [50, 70]}}\n  - merge: {actors: [A, B], into: {id: AB}}\n"
    coalition = patched(text).stance("AB", "war")
    # weights A 2*0.5 = 1, B 1*1 = 1: value (20 + 60) / 2 = 40, interval [(10 + 50) / 2, (30 + 70) / 2]
    assert (coalition.position.value, coalition.position.interval.low, coalition.position.interval.high) == (40, 30, 50)
    # salience sum(c s) / sum(c) = (1 + 1) / 3; no member salience has an interval, so neither does the coalition
    assert coalition.salience.value == pytest.approx(2 / 3) and coalition.salience.interval is None
    assert patched(text).actor("AB").name == "Alpha + Beta"


@settings(max_examples=40, deadline=None)
@given(
    data=st.data(),
    n_actors=st.integers(3, 6),
    n_issues=st.integers(1, 3),
)
def test_merging_never_moves_the_compromise(data, n_actors, n_issues):
    numbers = st.floats(0, 100, allow_nan=False)
    actors = tuple(Actor(id=f"a{index}", name=f"a{index}", capability=data.draw(st.floats(1, 100))) for index in range(n_actors))
    issues = tuple(Issue(id=f"i{index}", name=f"i{index}") for index in range(n_issues))
    stances = tuple(
        Stance(actor=actor.id, issue=issue.id, position=data.draw(numbers), salience=data.draw(st.floats(0.05, 1)))
        for actor in actors
        for issue in issues
        if actor.id == "a0" or data.draw(st.booleans())
    )
    scenario = Scenario(name="random", actors=actors, issues=issues, stances=stances)
    members = data.draw(st.lists(st.sampled_from([actor.id for actor in actors]), min_size=2, max_size=n_actors, unique=True))
    merged = patched(f"changes:\n  - merge: {{actors: [{', '.join(members)}], into: {{id: bloc}}}}\n", scenario)
    assert forecast(merged) == pytest.approx(forecast(scenario), rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("changes:\n  - drop: Z\n", "p.yaml:2: changes[0].drop: unknown actor 'Z' (known: A, B, C)"),
        ("changes:\n  - set: {actor: B, issue: war, position: 60}\n  - set: {actor: Q, salience: 1}\n", "p.yaml:3: changes[1].set.actor: unknown actor 'Q'"),
        ("changes:\n  - set: {actor: B, issue: peace, position: 60}\n", "p.yaml:2: changes[0].set.issue: unknown issue 'peace'"),
        ("changes:\n  - set: {actor: B, position: 60}\n", "p.yaml:2: changes[0].set.position: a position needs an issue"),
        ("changes:\n  - set:\n      actor: B\n      issue: war\n      position: 120\n", "p.yaml:5: changes[0].set.position: 120 (or its interval) lies outside [0, 100]"),
        ("changes:\n  - set: {actor: B, issue: war, salience: 1.5}\n", "p.yaml:2: changes[0].set.salience: 1.5 (or its interval) lies outside [0, 1]"),
        ("changes:\n  - set: {actor: B, issue: war, position: {value: 50, interval: [60, 70]}}\n", "p.yaml:2: changes[0].set.position: interval [60.0, 70.0] excludes the value 50"),
        ("changes:\n  - grow: B\n", "p.yaml:2: changes[0].grow: Extra inputs are not permitted"),
        ("changes:\n  - {drop: A, shift: {actor: B, salience: 0.1}}\n", "p.yaml:2: changes[0]: a change has exactly one of drop, set, shift, add, merge (found: drop, shift)"),
        ("changes: []\n", "p.yaml:1: changes: Tuple should have at least 1 item"),
        ("name: x\n", "p.yaml:1: changes: Field required"),
        ("changes:\n  - drop: A\n  - drop: B\n  - drop: C\n", "p.yaml:4: changes[2].drop: after this change: actors: a scenario needs at least one actor"),
        ("changes:\n  - add: {id: B, name: again, capability: 1}\n", "p.yaml:2: changes[0].add.id: actor 'B' already exists"),
        ("changes:\n  - merge: {actors: [A, A], into: {id: AA}}\n", "p.yaml:2: changes[0].merge.actors: an actor appears twice"),
        ("changes:\n  - merge: {actors: [A, B], into: {id: C}}\n", "p.yaml:2: changes[0].merge.into.id: actor 'C' already exists"),
        ("changes:\n  - drop: {actor: A, issues: [peace]}\n", "p.yaml:2: changes[0].drop.issues[0]: 'A' has no stance on 'peace'"),
        ("changes:\n  - shift: {actor: A, issue: war}\n", "p.yaml:2: changes[0].shift: give at least one of position, salience, capability"),
        ("changes:\n  - drop: [A\n", "p.yaml:3: not valid YAML"),
        ("changes:\n  - add: {id: D, name: D, capability: -3}\n", "p.yaml:2: changes[0].add.capability: -3 (or its interval) lies outside [0, inf]"),
        ("changes:\n  - shift: {actor: A, salience: .nan}\n", "p.yaml:2: changes[0].shift.salience: Input should be a finite number"),
        ("changes:\n  - drop: {actor: Z}\n", "p.yaml:2: changes[0].drop.actor: unknown actor 'Z'"),
    ],
)
def test_bad_patches_name_file_line_and_field(text, expected):
    with pytest.raises(JirgaError) as raised:
        patched(text)
    assert str(raised.value).startswith(expected)
    assert "\n" not in str(raised.value)


def test_missing_patch_file_and_unknown_shipped_name():
    with pytest.raises(JirgaError, match="nowhere.yaml: no such file, and no shipped patch of that name"):
        resolve_patch("nowhere.yaml")
    with pytest.raises(JirgaError, match="nowhere.yaml: no such file"):
        load_patch("nowhere.yaml")


def test_the_shipped_afghan_patches():
    assert sorted(shipped_patches()) == ["pakistan-stays-away", "regional-powers-join", "us-conditions-based"]
    base = load_scenario()
    away = apply_patch(base, load_patch(resolve_patch("pakistan-stays-away")))
    assert {stance.issue for stance in away.stances if stance.actor == "PAK_GOV"} == {"sanctuaries"}
    assert {stance.issue for stance in away.stances if stance.actor == "PAK_MIL"} == {"sanctuaries"}
    conditions = apply_patch(base, load_patch(resolve_patch("us-conditions-based")))
    assert {stance.position.value for stance in conditions.stances if (stance.actor, stance.issue) == ("USA", "withdrawal")} == {25}
    regional = apply_patch(base, load_patch(resolve_patch("regional-powers-join")))
    for before, after in zip(base.stances, regional.stances):
        assert after.actor == before.actor and after.issue == before.issue
        expected = min(before.salience.value + 0.2, 1.0) if before.actor in ("RUS", "CHN", "IRN") else before.salience.value
        assert after.salience.value == pytest.approx(expected)
    assert regional.stance("USA", "talks_format").position.value == 50


def test_compare_puts_the_patched_forecasts_beside_the_base():
    # B at 90 instead of 60: the compromise moves from 60 to 70
    patch = parse_patch("name: B hardens\nchanges:\n  - set: {actor: B, issue: war, position: 90}\n", "p.yaml")
    result = compare(load_scenario(TINY), [patch], make_model("compromise"), runs=200, workers=1)
    assert result.base.forecast.tolist() == pytest.approx([60])
    (variant,) = result.variants
    assert variant.label == "B hardens" and variant.forecast.tolist() == pytest.approx([70])
    data = result.to_json()
    assert data["patches"][0]["difference"]["war"] == pytest.approx(10)
    assert data["patches"][0]["montecarlo"]["war"]["p5"] < 70 < data["patches"][0]["montecarlo"]["war"]["p95"]

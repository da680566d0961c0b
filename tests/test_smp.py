"""KTAB's Spatial Model of Politics: KTAB's own outputs, hand calculations and properties.

The anchors in ``tests/data/ktab`` (see its README) are what KTAB's ``smpc`` computed on its eight
example inputs with its default options; the model must give the same positions at every turn
(to 1e-9 on the 0-100 scale), the same win probabilities (as smpc prints them, 4 decimals), the
same number of turns and the same actors moving.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
import sqlite3
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jirga.errors import JirgaError
from jirga.models import MODELS, Model, Problem, make_model
from jirga.models.smp import (
    SpatialModel,
    coalitions,
    condorcet_probability,
    election,
    perceived_risk,
    risk_attitudes,
    risk_utility,
    salience_distance,
    victory_pair,
    vote,
)
from jirga.scenario import read_scenario

DATA = Path(__file__).parent / "data" / "ktab"
EXAMPLES = (
    "dummyData_3Dim",
    "SOE-Pol-Comp",
    "SOE-Policy",
    "dummyData_6Dim",
    "SOE-Competitive",
    "dummyData-a040",
    "dummyData-a080",
    "dummyData-a160",
)
TURNS = {  # smpc's "There were N states" minus one, as in the anchors' TIMINGS table
    "dummyData_3Dim": 10,
    "SOE-Pol-Comp": 27,
    "SOE-Policy": 19,
    "dummyData_6Dim": 29,
    "SOE-Competitive": 35,
    "dummyData-a040": 20,
    "dummyData-a080": 17,
    "dummyData-a160": 13,
}


def _anchor(name: str, table: str) -> list[dict[str, str]]:
    with gzip.open(DATA / "outputs" / name / f"{table}.csv.gz", "rt", newline="") as stream:
        return list(csv.DictReader(io.StringIO(stream.read())))


@pytest.fixture(scope="module", params=EXAMPLES)
def ktab_run(request):
    name = request.param
    scenario = read_scenario(DATA / "inputs" / f"{name}.csv")
    problem = Problem.from_scenario(scenario)
    return name, problem, SpatialModel().forecast(problem, np.random.default_rng(0))


def test_positions_match_smpc_at_every_turn(ktab_run):
    name, problem, trajectory = ktab_run
    rows = _anchor(name, "positions_by_turn")
    turns = max(int(row["turn"]) for row in rows)
    assert turns == TURNS[name]
    assert trajectory.positions.shape == (turns + 1, problem.n_actors, problem.n_issues)
    assert np.all(trajectory.rounds == turns)
    expected = np.empty_like(trajectory.positions)
    for row in rows:
        expected[int(row["turn"]), int(row["actor_i"]), int(row["dim_k"])] = float(row["position"])
    np.testing.assert_allclose(trajectory.positions, expected, rtol=0, atol=1e-9)


def test_movers_match_smpc(ktab_run):
    """smpc records a bargain id exactly when an actor's position changed in that turn."""
    name, problem, trajectory = ktab_run
    moved = np.zeros(trajectory.diagnostics["moved"].shape, dtype=bool)
    for row in _anchor(name, "positions_by_turn"):
        if int(row["turn"]) > 0 and row["mover_bargain_id"]:
            moved[int(row["turn"]) - 1, int(row["actor_i"])] = True
    np.testing.assert_array_equal(trajectory.diagnostics["moved"], moved)


def test_win_probabilities_match_smpc(ktab_run):
    name, problem, trajectory = ktab_run
    probability = trajectory.diagnostics["win_probability"]
    rows = _anchor(name, "win_prob_by_turn")
    assert len(rows) == probability.size
    mismatches = [
        (row["actor"], row["turn"], row["prob"], probability[int(row["turn"]), problem.actors.index(row["actor"])])
        for row in rows
        if f"{probability[int(row['turn']), problem.actors.index(row['actor'])]:.4f}" != row["prob"]
    ]
    assert mismatches == []


def test_trajectory_contract(ktab_run):
    name, problem, trajectory = ktab_run
    np.testing.assert_array_equal(trajectory.positions[0], problem.position)
    turns = trajectory.positions.shape[0] - 1
    diagnostics = trajectory.diagnostics
    assert diagnostics["risk_attitude"].shape == (turns + 1, problem.n_actors)
    # BigRRange Mid: the likeliest position is held by the most risk-averse actor (R = 1) and the
    # least likely by the most risk-acceptant (R = -1/2)
    np.testing.assert_allclose(diagnostics["risk_attitude"].max(axis=-1), 1.0)
    np.testing.assert_allclose(diagnostics["risk_attitude"].min(axis=-1), -0.5)
    target = diagnostics["challenge_target"]
    assert target.shape == (turns, problem.n_actors)
    assert np.all(target != np.arange(problem.n_actors))
    challenged = target >= 0
    assert np.all(diagnostics["challenge_gain"][challenged] > 1e-5)
    assert np.all((diagnostics["challenge_probability"][challenged] > 0) & (diagnostics["challenge_probability"][challenged] < 1))
    assert np.all(~diagnostics["moved"][~challenged.any(axis=-1)])
    assert trajectory.forecast.shape == (problem.n_issues,)
    final = trajectory.positions[-1]
    assert np.all((trajectory.forecast >= final.min(axis=0) - 1e-9) & (trajectory.forecast <= final.max(axis=0) + 1e-9))


def test_registered_with_ktab_defaults():
    assert MODELS["smp"] is SpatialModel
    model = make_model("smp")
    assert isinstance(model, Model)
    assert (model.victory_probability, model.voting_rule, model.pce, model.transitions) == ("Linear", "Prop", "Conditional", "Deterministic")
    assert (model.risk_range, model.risk_adjust, model.third_party_commit) == ("Mid", "OneThird", "SemiCommit")
    assert (model.interpolation, model.bargain_model) == ("S2P2", "InitOnlyInterp")
    assert (model.position_tolerance, model.min_turns, model.max_turns, model.stop_ratio) == (1e-3, 2, 100, 0.02)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [({"voting_rule": "Proportional"}, "smp.voting_rule"), ({"max_turns": 0}, "smp.max_turns"), ({"stop_ratio": 0}, "smp.stop_ratio")],
)
def test_bad_options_are_one_line_errors(parameters, field):
    with pytest.raises(JirgaError) as error:
        SpatialModel(**parameters)
    assert error.value.field == field


# ---------------------------------------------------------------------------------------------
# Hand calculations of the pieces


def test_salience_weighted_distance_by_hand():
    # ideal (0.2, 0.6), saliences (0.3, 0.4), point (0.5, 0.2):
    # d = sqrt(((0.3*-0.3)^2 + (0.4*0.4)^2) / (0.09 + 0.16)) = sqrt((0.0081 + 0.0256)/0.25) = sqrt(0.1348)
    ideal = np.array([[[0.2, 0.6]]])
    point = np.array([[[0.5, 0.2]]])
    salience = np.array([[[0.3, 0.4]]])
    assert salience_distance(ideal, point, salience)[0, 0, 0] == pytest.approx(np.sqrt(0.1348), abs=1e-15)
    # an actor that cares about nothing is indifferent rather than an error
    assert salience_distance(ideal, point, np.zeros((1, 1, 2)))[0, 0, 0] == 0.0


def test_risk_utility_by_hand():
    # u(d, R) = (1 - d)(1 + dR): d = 0.5 gives 0.5 risk-neutral, 0.75 at R = 1, 0.25 at R = -1
    assert risk_utility(np.array([0.5, 0.5, 0.5]), np.array([0.0, 1.0, -1.0])).tolist() == [0.5, 0.75, 0.25]


def test_voting_rules_by_hand():
    weight, better, worse = 2.0, 0.7, 0.4  # Δu = 0.3 (as KTAB computes 0.7 - 0.4)
    du = 0.7 - 0.4
    assert vote("Prop", weight, better, worse) == 2.0 * du
    assert vote("Binary", weight, better, worse) == 2.0  # Δu / 1e-8 clipped at 1
    assert vote("PropBin", weight, better, worse) == pytest.approx(2.0 * (0.8 * 0.3 + 0.2), abs=1e-15)
    assert vote("Cubic", weight, better, worse) == pytest.approx(2.0 * 0.027, abs=1e-15)
    assert vote("PropCbc", weight, better, worse) == pytest.approx(2.0 * (0.15 + 0.0135), abs=1e-15)
    # ASymProsp: gains count two thirds, losses in full
    assert vote("ASymProsp", weight, better, worse) == pytest.approx(0.4, abs=1e-15)
    assert vote("ASymProsp", weight, worse, better) == pytest.approx(-0.6, abs=1e-15)
    assert vote("Prop", 0.0, better, worse) == 0.0


@pytest.mark.parametrize(
    ("model", "two_to_one"),
    [("Linear", 2 / 3), ("Square", 4 / 5), ("Quartic", 16 / 17), ("Octic", 256 / 257), ("Binary", 1 / (1 + 1e-6))],
)
def test_victory_probability_of_a_two_to_one_coalition(model, two_to_one):
    # KTAB's comments in kmodel.h: a 2:1 advantage wins with 2/3, 4/5, 16/17, 256/257; Binary is
    # certain (1 against 1e-6) from a 10% edge on
    first, second = victory_pair(model, np.array(2.0), np.array(1.0))
    assert first == pytest.approx(two_to_one, abs=1e-12)
    assert first + second == pytest.approx(1.0, abs=1e-15)


def test_binary_victory_interpolates_below_ten_percent():
    # 1.05 : 1 -> share r = 1.05/2.05; p = (2.1 r - 1)/0.1
    first, _ = victory_pair("Binary", np.array(1.05), np.array(1.0))
    share = 1.05 / 2.05
    assert first == pytest.approx((share * 2.1 - 1) / 0.1, abs=1e-12)


def test_election_of_two_options_by_hand():
    # voters with weights 1 and 3; utilities for options (A, B): (1, 0) and (0, 0.5)
    # C(A over B) = 1e-8 + 1*1, C(B over A) = 1e-8 + 3*0.5; pv(A,B) = C_AB / (C_AB + C_BA)
    # Conditional PCE: P_A ∝ pv(A,A) pv(A,B) = 0.5 pv(A,B), P_B ∝ 0.5 pv(B,A) -> P = (pv_AB, pv_BA)
    weight = np.array([[1.0, 3.0]])
    utility = np.array([[[1.0, 0.0], [0.0, 0.5]]])
    probability = election("Prop", "Linear", "Conditional", weight, utility)[0]
    c_ab, c_ba = 1e-8 + 1.0, 1e-8 + 1.5
    np.testing.assert_allclose(probability, [c_ab / (c_ab + c_ba), c_ba / (c_ab + c_ba)], atol=1e-15)
    # both Markov elections agree when there are two options: the same fixed point p = pv
    for pce in ("MarkovUniform", "MarkovIncentive"):
        markov = election("Prop", "Linear", pce, weight, utility)[0]
        assert markov.sum() == pytest.approx(1.0)
        assert markov[1] > markov[0]


def test_a_voter_without_weight_changes_no_coalition():
    rng = np.random.default_rng(3)
    utility = rng.random((1, 4, 5))
    weight = rng.random((1, 4))
    silent = np.concatenate([weight, [[0.0]]], axis=1)
    extra = np.concatenate([utility, rng.random((1, 1, 5))], axis=1)
    for rule in ("Prop", "Binary", "ASymProsp"):
        np.testing.assert_array_equal(coalitions(rule, weight, utility)[0], coalitions(rule, silent, extra)[0])


def test_risk_attitudes_by_hand():
    # Mid: (3P - (Pmax + 2Pmin)) / (2(Pmax - Pmin)) with P = (0.2, 0.3, 0.5): (-1/2, 0, 1)
    probability = np.array([[0.2, 0.3, 0.5]])
    np.testing.assert_allclose(risk_attitudes(probability, "Mid"), [[-0.5, 0.0, 1.0]], atol=1e-15)
    np.testing.assert_allclose(risk_attitudes(probability, "Min"), [[0.0, 1 / 3, 1.0]], atol=1e-15)
    np.testing.assert_allclose(risk_attitudes(probability, "Max"), [[-1.0, -1 / 3, 1.0]], atol=1e-15)
    # all positions equally likely: KTAB divides 0 by 0; we call everyone risk-neutral
    assert risk_attitudes(np.full((1, 3), 1 / 3), "Mid").tolist() == [[0.0, 0.0, 0.0]]
    # OneThird: h sees i's attitude as (2 r_h + r_i)/3
    perceived = perceived_risk(np.array([[-0.5, 1.0]]), "OneThird")
    np.testing.assert_allclose(perceived[0], [[-0.5, 0.0], [0.5, 1.0]], atol=1e-15)


def test_conditional_pce_ignores_padding():
    victory = np.array([[[0.5, 0.8, 0.1], [0.2, 0.5, 0.9], [0.9, 0.1, 0.5]]])
    padded = condorcet_probability("Conditional", victory, victory, np.array([[True, True, False]]))
    # P ∝ (0.5 * 0.8, 0.2 * 0.5) = (0.4, 0.1)
    np.testing.assert_allclose(padded, [[0.8, 0.2, 0.0]], atol=1e-15)


def test_bargain_between_two_actors_by_hand():
    # actor 0 at 20 (salience 0.5, capability 3), actor 1 at 80 (salience 0.5, capability 1), a
    # third at 50 with tiny salience. Actor 0 challenges actor 1 with p = P[0 beats 1]; the S2P2
    # bargain puts both at R4(((w0 + 1e-6) 0.2 + w1 0.8) / (w0 + 1e-6 + w1)), w = s^2 p^2.
    problem = Problem(
        ("a", "b", "c"),
        ("x",),
        np.array([[3.0], [1.0], [1.0]]),
        np.array([[20.0], [80.0], [50.0]]),
        np.array([[0.5], [0.5], [0.01]]),
        np.zeros(1),
        np.full(1, 100.0),
        np.ones((3, 1), dtype=bool),
    )
    trajectory = SpatialModel(max_turns=1, min_turns=1).forecast(problem, np.random.default_rng(0))
    target = trajectory.diagnostics["challenge_target"][0]
    p = trajectory.diagnostics["challenge_probability"][0, 0]
    assert target[0] == 1
    w0, w1 = 0.25 * p * p, 0.25 * (1 - p) * (1 - p)
    bargain = np.trunc(0.5 + ((w0 + 1e-6) * 0.2 + w1 * 0.8) / (w0 + 1e-6 + w1) * 10000.0) / 10000.0
    moved = trajectory.diagnostics["moved"][0]
    assert moved[0] or moved[1]
    for actor in np.flatnonzero(moved[:2]):
        assert trajectory.positions[1, actor, 0] == pytest.approx(bargain * 100, abs=1e-9)


# ---------------------------------------------------------------------------------------------
# Properties


def random_problem(seed: int, n_actors: int, n_issues: int, lower: float = 0.0, upper: float = 100.0) -> Problem:
    rng = np.random.default_rng(seed)
    salience = rng.uniform(0.05, 1.0, (n_actors, n_issues))
    salience /= np.maximum(salience.sum(axis=1, keepdims=True), 1.0)
    capability = np.repeat(rng.uniform(1.0, 100.0, (n_actors, 1)), n_issues, axis=1)
    return Problem(
        tuple(f"a{index}" for index in range(n_actors)),
        tuple(f"i{index}" for index in range(n_issues)),
        capability,
        rng.uniform(lower, upper, (n_actors, n_issues)),
        salience,
        np.full(n_issues, lower),
        np.full(n_issues, upper),
        np.ones((n_actors, n_issues), dtype=bool),
    )


SMALL = dict(seed=st.integers(0, 2**32 - 1), n_actors=st.integers(3, 7), n_issues=st.integers(1, 3))


@settings(max_examples=20, deadline=None)
@given(**SMALL, order_seed=st.integers(0, 2**32 - 1))
def test_actor_order_does_not_matter(seed, n_actors, n_issues, order_seed):
    problem = random_problem(seed, n_actors, n_issues)
    order = np.random.default_rng(order_seed).permutation(n_actors)
    shuffled = Problem(
        tuple(problem.actors[index] for index in order),
        problem.issues,
        problem.capability[order],
        problem.position[order],
        problem.salience[order],
        problem.lower,
        problem.upper,
        problem.present[order],
    )
    model = SpatialModel(max_turns=20)
    original = model.forecast(problem, np.random.default_rng(0))
    permuted = model.forecast(shuffled, np.random.default_rng(0))
    np.testing.assert_allclose(permuted.positions, original.positions[:, order], atol=1e-9)
    # positions within KTAB's tolerance (1e-3 of the scale) count as one option, represented by the
    # first of them in actor order; so win probabilities and the expected outcome depend on the
    # order only through which point of such a cluster stands for it, as long as "within the
    # tolerance" groups the final positions unambiguously (see test_chained_clusters_depend_on_order)
    if not _chained(original.final_positions, problem):
        np.testing.assert_allclose(permuted.forecast, original.forecast, atol=0.1)
    low, high = original.final_positions.min(axis=0), original.final_positions.max(axis=0)
    assert np.all((low - 1e-9 <= permuted.forecast) & (permuted.forecast <= high + 1e-9))


def _chained(final: np.ndarray, problem: Problem, tolerance: float = 1e-3) -> bool:
    """Whether some a ~ b and b ~ c while a is not ~ c (~: within KTAB's tolerance on the unit scale)."""
    unit = (final - problem.lower) / (problem.upper - problem.lower)
    near = np.linalg.norm(unit[:, None, :] - unit[None, :, :], axis=-1) < tolerance
    return bool(((near.astype(int) @ near.astype(int)) > 0)[~near].any())


def test_chained_clusters_depend_on_order():
    # KTAB's options are the distinct positions, each actor joining the first earlier one within
    # 1e-3 (setUENdx). Here the final positions 16.86 (x3), 16.90 and 16.98 form a chain: 16.86 ~ 16.90
    # and 16.90 ~ 16.98 but 16.86 is not ~ 16.98, so who joins whom, and hence the election and the
    # expected outcome, depend on the actors' order. jirga keeps KTAB's rule (docs/models/smp.md).
    problem = random_problem(400, 6, 1)
    order = np.random.default_rng(0).permutation(6)
    shuffled = Problem(
        tuple(problem.actors[index] for index in order), problem.issues, problem.capability[order],
        problem.position[order], problem.salience[order], problem.lower, problem.upper, problem.present[order],
    )
    model = SpatialModel(max_turns=20)
    original = model.forecast(problem, np.random.default_rng(0))
    permuted = model.forecast(shuffled, np.random.default_rng(0))
    np.testing.assert_allclose(permuted.positions, original.positions[:, order], atol=1e-9)
    assert _chained(original.final_positions, problem)
    assert abs(permuted.forecast[0] - original.forecast[0]) > 0.1


@settings(max_examples=20, deadline=None)
@given(**SMALL, lower=st.floats(-1000, 1000), width=st.floats(0.5, 1000))
def test_positions_stay_on_the_scale_and_the_scale_does_not_matter(seed, n_actors, n_issues, lower, width):
    unit = random_problem(seed, n_actors, n_issues, 0.0, 1.0)
    scaled = unit.with_values(position=lower + unit.position * width)
    scaled = Problem(scaled.actors, scaled.issues, scaled.capability, scaled.position, scaled.salience,
                     np.full(n_issues, lower), np.full(n_issues, lower + width), scaled.present)
    model = SpatialModel(max_turns=20)
    on_unit = model.forecast(unit, np.random.default_rng(0))
    on_scale = model.forecast(scaled, np.random.default_rng(0))
    assert np.all((on_scale.positions >= lower) & (on_scale.positions <= lower + width))
    assert np.all((on_scale.forecast >= lower) & (on_scale.forecast <= lower + width))
    np.testing.assert_allclose(on_scale.positions, lower + on_unit.positions * width, atol=1e-9 * max(1.0, abs(lower) + width))


@settings(max_examples=10, deadline=None)
@given(**SMALL, where=st.floats(0, 100, allow_subnormal=False))
def test_unanimity_nobody_moves(seed, n_actors, n_issues, where):
    problem = random_problem(seed, n_actors, n_issues)
    agreed = problem.with_values(position=np.full(problem.position.shape, where))
    trajectory = SpatialModel().forecast(agreed, np.random.default_rng(0))
    # positions pass through KTAB's unit scale: (x / 100) * 100 may differ in the last bit
    np.testing.assert_allclose(trajectory.positions, where, rtol=1e-15, atol=0)
    np.testing.assert_allclose(trajectory.forecast, where, atol=1e-12)
    assert np.all(trajectory.rounds == 2)  # KTAB's minimum number of turns
    assert np.all(trajectory.diagnostics["challenge_target"] == -1)


@settings(max_examples=10, deadline=None)
@given(**SMALL)
def test_zero_capability_is_allowed_and_casts_no_vote(seed, n_actors, n_issues):
    # KTAB refuses a zero capability; here the actor takes part without any weight: the
    # elections see it as an option but never as a voter
    problem = random_problem(seed, n_actors, n_issues)
    capability = problem.capability.copy()
    capability[0] = 0.0
    trajectory = SpatialModel(max_turns=20).forecast(problem.with_values(capability=capability), np.random.default_rng(0))
    assert np.all(np.isfinite(trajectory.positions))
    assert np.all(np.isfinite(trajectory.diagnostics["win_probability"]))


def test_batch_runs_equal_separate_runs():
    problem = random_problem(11, 6, 2)
    scales = np.array([1.0, 1.7, 0.4])[:, None, None]
    batch = problem.with_values(capability=problem.capability * scales)
    model = SpatialModel()
    together = model.forecast(batch, np.random.default_rng(0))
    assert together.positions.shape[0] == 3
    for index in range(3):
        alone = model.forecast(problem.with_values(capability=problem.capability * scales[index]), np.random.default_rng(0))
        turns = alone.positions.shape[0]
        np.testing.assert_array_equal(together.positions[index, :turns], alone.positions)
        # a run that stopped early repeats its last state
        np.testing.assert_array_equal(together.positions[index, turns:], np.broadcast_to(alone.positions[-1], together.positions[index, turns:].shape))
        np.testing.assert_array_equal(together.rounds[index], alone.rounds)
        np.testing.assert_array_equal(together.forecast[index], alone.forecast)


def test_stochastic_transitions_draw_from_the_generator():
    problem = random_problem(5, 7, 2)
    model = SpatialModel(transitions="Stochastic", max_turns=15)
    first = model.forecast(problem, np.random.default_rng(42))
    again = model.forecast(problem, np.random.default_rng(42))
    np.testing.assert_array_equal(first.positions, again.positions)
    others = [model.forecast(problem, np.random.default_rng(seed)).positions for seed in range(5)]
    assert any(other.shape != first.positions.shape or not np.array_equal(other, first.positions) for other in others)


@pytest.mark.parametrize(
    "option",
    [
        {"victory_probability": "Octic"},
        {"voting_rule": "ASymProsp"},
        {"pce": "MarkovIncentive"},
        {"pce": "MarkovUniform"},
        {"risk_range": "Max"},
        {"risk_adjust": "Full"},
        {"third_party_commit": "NoCommit"},
        {"interpolation": "S2PMax"},
        {"bargain_model": "InitRcvrInterp"},
        {"bargain_model": "PWCompInterp"},
    ],
)
def test_other_options_run_on_a_ktab_example(option):
    problem = Problem.from_scenario(read_scenario(DATA / "inputs" / "SOE-Pol-Comp.csv"))
    trajectory = SpatialModel(**option).forecast(problem, np.random.default_rng(0))
    assert np.all((trajectory.positions >= 0) & (trajectory.positions <= 100))
    assert np.all(np.isfinite(trajectory.diagnostics["win_probability"]))
    assert 1 <= trajectory.rounds[0] <= 100


# ---------------------------------------------------------------------------------------------
# Other options, checked against smpc itself where it is built (../shared/tools/build-ktab.sh)

SMPC = Path(os.environ.get("KTAB_PREFIX", "/tmp/ktab")) / "bin" / "smpc"
needs_smpc = pytest.mark.skipif(not SMPC.exists(), reason=f"KTAB's smpc is not built at {SMPC}")
KTAB_NAMES = {
    "victory_probability": "VictoryProbModel",
    "voting_rule": "VotingRule",
    "pce": "PCEModel",
    "transitions": "StateTransitions",
    "risk_range": "BigRRange",
    "risk_adjust": "BigRAdjust",
    "third_party_commit": "ThirdPartyCommit",
    "interpolation": "InterVecBrgn",
    "bargain_model": "BargnModel",
}


def _smpc_positions(path: Path, model: SpatialModel, workdir: Path) -> np.ndarray:
    """smpc's positions (turns + 1, actors, dims) for a KTAB CSV run with ``model``'s options.

    smpc takes options only from its XML input, so the CSV is rewritten as XML (an identity
    IdealAdjustment entry, because smpc's XML reader requires one).
    """
    rows = list(csv.reader(path.read_text().splitlines()))
    n_actors, n_dims = int(rows[0][2]), int(rows[0][3])
    lines = ["<Scenario>", "<name>check</name>", "<desc>check</desc>", "<prngSeed>15455440707583219804</prngSeed>"]
    lines += ["<ModelParameters>"] + [f"<{name}>{getattr(model, field)}</{name}>" for field, name in KTAB_NAMES.items()]
    lines += ["</ModelParameters>", "<Dimensions>"] + [f"<dName>D{k}</dName>" for k in range(n_dims)] + ["</Dimensions>", "<Actors>"]
    for row in rows[2 : 2 + n_actors]:
        cells = [cell.strip() for cell in row]
        lines += ["<Actor>", f"<name>{cells[0]}</name>", "<description>-</description>", f"<capability>{cells[2]}</capability>"]
        lines += ["<Position>"] + [f"<dCoord>{cells[3 + 2 * k]}</dCoord>" for k in range(n_dims)] + ["</Position>"]
        lines += ["<Salience>"] + [f"<dSal>{cells[4 + 2 * k]}</dSal>" for k in range(n_dims)] + ["</Salience>", "</Actor>"]
    first = rows[2][0].strip()
    lines += ["</Actors>", "<IdealAdjustment><iaPair>", f"<adjustingIdeal>{first}</adjustingIdeal><referencePos>{first}</referencePos>"]
    lines += ["<adjust>1</adjust></iaPair></IdealAdjustment>", "</Scenario>"]
    (workdir / "input.xml").write_text("\n".join(lines))
    (workdir / "smpc-logger.conf").write_text('* GLOBAL:\n    FILENAME = "smpc_log.txt"\n    TO_FILE = true\n    TO_STANDARD_OUTPUT = false\n')
    subprocess.run(
        [str(SMPC), "--xml", "input.xml", "--logmin", "--connstr", "Driver=QSQLITE;Database=smpc"],
        cwd=workdir, capture_output=True, timeout=300, check=False,
    )
    with sqlite3.connect(workdir / "smpc.db") as connection:
        rows = connection.execute("SELECT Turn_t, Act_i, Dim_k, Pos_Coord FROM VectorPosition").fetchall()
    positions = np.full((max(row[0] for row in rows) + 1, n_actors, n_dims), np.nan)
    for turn, actor, dim, value in rows:
        positions[turn, actor, dim] = value
    return positions


# Every value of every option but three: ASymProsp (smpc's result depends on its threads' timing,
# because this voting rule is not symmetric and the order of the bargain lists then matters),
# BigRAdjust Full (smpc's own sanity check stops the run in the first turn) and Stochastic
# (smpc's draws depend on thread timing too).
SMPC_CASES = [
    {"victory_probability": "Square"},
    {"victory_probability": "Quartic"},
    {"victory_probability": "Octic"},
    {"victory_probability": "Binary"},
    {"voting_rule": "Binary"},
    {"voting_rule": "PropBin"},
    {"voting_rule": "PropCbc"},
    {"voting_rule": "Cubic"},
    {"pce": "MarkovIncentive"},
    {"pce": "MarkovUniform"},
    {"risk_range": "Min"},
    {"risk_range": "Max"},
    {"risk_adjust": "None"},
    {"risk_adjust": "Half"},
    {"risk_adjust": "TwoThirds"},
    {"third_party_commit": "NoCommit"},
    {"third_party_commit": "FullCommit"},
    {"interpolation": "S1P1"},
    {"interpolation": "S2PMax"},
    {"bargain_model": "InitRcvrInterp"},
    {"bargain_model": "PWCompInterp"},
    {"pce": "MarkovUniform", "interpolation": "S2PMax", "bargain_model": "PWCompInterp"},
]


@needs_smpc
@pytest.mark.parametrize("example", ["dummyData_3Dim", "SOE-Pol-Comp"])
@pytest.mark.parametrize("option", SMPC_CASES, ids=lambda option: ",".join(f"{key}={value}" for key, value in option.items()))
def test_other_options_match_smpc(option, example, tmp_path):
    path = DATA / "inputs" / f"{example}.csv"
    model = SpatialModel(**option)
    ours = model.forecast(Problem.from_scenario(read_scenario(path)), np.random.default_rng(0)).positions
    theirs = _smpc_positions(path, model, tmp_path)
    assert theirs.shape == ours.shape
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-9)

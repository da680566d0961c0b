"""Bueno de Mesquita's expected utility model (jirga.models.eum).

Oracles: the replication that reproduces Scholz, Calbert & Smith (2011)'s figure
(tests/data/eum/, see its README) and hand calculations on a three-actor case written out
in the comments below.
"""

from __future__ import annotations

import csv
import re
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jirga.errors import JirgaError
from jirga.models import MODELS, make_model
from jirga.models.base import Problem
from jirga.models.eum import (
    CAPITULATION,
    COMPROMISE,
    CONFLICT,
    NO_MOVE,
    ExpectedUtility,
    all_pairs_votes,
    basic_utilities,
    choose_offer,
    classify_offers,
    expected_utility,
    risk_exponents,
    status_quo_change,
    third_party_support,
)
from jirga.scenario import load_scenario
from jirga.scenario.formats import read_scenario

DATA = Path(__file__).parent / "data" / "eum"
RNG = np.random.default_rng(0)


def problem(position, capability, salience, lower=0.0, upper=100.0, names=None) -> Problem:
    """A one-issue problem from per-actor lists."""
    n = len(position)
    column = lambda values: np.asarray(values, dtype=float).reshape(n, 1)  # noqa: E731
    return Problem(
        actors=tuple(names or (f"a{index}" for index in range(n))),
        issues=("issue",),
        capability=column(capability),
        position=column(position),
        salience=column(salience),
        lower=np.array([lower]),
        upper=np.array([upper]),
        present=np.ones((n, 1), dtype=bool),
    )


def eu_problem() -> Problem:
    scenario = read_scenario(DATA / "eu_emissions.csv")
    return Problem.from_scenario(scenario)


# --- The paper's example: the scholz variant reproduces the replication that matches the figure


def test_table_csv_reads_the_papers_table():
    table = eu_problem()
    assert table.actors[:3] == ("Netherlands", "Belgium", "Luxembourg")
    assert (table.lower[0], table.upper[0]) == (4.0, 10.0)  # the scale is the positions' range
    assert table.salience[:, 0].tolist() == [0.8, 0.4, 0.2, 0.8, 0.6, 0.6, 0.9, 0.1, 1.0, 0.7]
    assert table.capability[:, 0].sum() == pytest.approx(1.01)  # as printed: not 1


def test_scholz_variant_reproduces_every_position_and_risk_exponent_of_the_10_rounds():
    rows = list(csv.DictReader((DATA / "mckibben_eu_rounds.csv").open()))
    run = ExpectedUtility().forecast(eu_problem(), RNG)
    actors = run.actors
    expected_position = np.zeros((11, len(actors)))
    expected_risk = np.zeros((11, len(actors)))
    expected_mean = np.zeros(11)
    for row in rows:
        round_, actor = int(row["round"]), actors.index(row["actor"])
        expected_position[round_, actor] = float(row["position"])
        expected_risk[round_, actor] = float(row["risk_exponent"])
        expected_mean[round_] = float(row["mean_position"])
    diagnostics = run.diagnostics["eu_emissions"]
    np.testing.assert_allclose(run.positions[:, :, 0], expected_position, rtol=0, atol=1e-9)
    np.testing.assert_allclose(diagnostics["risk_exponent"], expected_risk, rtol=0, atol=1e-9)
    np.testing.assert_allclose(diagnostics["mean"], expected_mean, rtol=0, atol=1e-9)
    assert run.forecast[0] == pytest.approx(7.242130958473938, abs=1e-9)
    assert run.rounds[0] == 10


def test_scholz_variant_makes_the_replications_moves_for_the_same_reasons():
    text = (DATA / "mckibben_eu_moves.txt").read_text()
    kinds = {"compromises with": COMPROMISE, "loses confrontation to": CONFLICT, "capitulates to": CAPITULATION}
    pattern = re.compile(r"(\w+) (compromises with|loses confrontation to|capitulates to) (\w+)\n\t(\S+) vs (\S+)\n\tnew_pos = (\S+)")
    run = ExpectedUtility().forecast(eu_problem(), RNG)
    diagnostics = run.diagnostics["eu_emissions"]
    actors = run.actors
    blocks = text.split("ROUND ")[1:]
    assert len(blocks) == 10
    for block in blocks:
        round_ = int(block.split("\n", 1)[0])
        moves = pattern.findall(block)
        movers = {actors.index(mover) for mover, *_ in moves}
        assert set(np.flatnonzero(diagnostics["move"][round_])) == movers
        for mover, kind, partner, own, other, new_position in moves:
            row = actors.index(mover)
            assert diagnostics["move"][round_, row] == kinds[kind]
            # the replication names the first actor at the partner's position
            partner_position = run.positions[round_ - 1, actors.index(partner), 0]
            assert run.positions[round_ - 1, diagnostics["partner"][round_, row], 0] == partner_position
            assert diagnostics["eu_own"][round_, row] == pytest.approx(float(own), abs=1e-9)
            assert diagnostics["eu_partner"][round_, row] == pytest.approx(float(other), abs=1e-9)
            assert run.positions[round_, row, 0] == pytest.approx(float(new_position), abs=1e-9)


def test_printed_variant_departs_from_the_figure_because_its_probabilities_are_not_tiny():
    # The printed P_ij is a share of the support in the contest of x_i and x_j, so
    # P_ij + P_ji = 1; the scholz denominator sums the votes over every pair of positions,
    # which leaves every P below 0.07 on the paper's example. With P near 1/2 the printed
    # reading makes many more actors expect to lose a fight: France and Italy (at 10) give
    # way to Greece (at 7) in round 1, where the figure has them stay at 10 for all 10 rounds.
    table = eu_problem()
    position = table.position[None, :, 0]
    weight = (table.capability * table.salience)[None, :, 0]
    ones = np.ones_like(position)
    span = np.array([6.0])
    support = third_party_support(position, weight, ones, np.ones_like(position, dtype=bool), span)[0]
    contest = support + support.T
    differ = position[0][:, None] != position[0][None, :]
    np.testing.assert_allclose((support / np.where(differ, contest, 1))[differ] + (support.T / np.where(differ, contest, 1))[differ], 1.0)
    scholz = support / all_pairs_votes(position, weight, ones, np.ones_like(position, dtype=bool), span)[0]
    assert scholz.max() < 0.07

    printed = ExpectedUtility(variant="printed").forecast(table, RNG)
    figure = ExpectedUtility().forecast(table, RNG)
    france, italy = table.actors.index("France"), table.actors.index("Italy")
    assert printed.positions[1, france, 0] == printed.positions[1, italy, 0] == 7.0
    assert (figure.positions[:, [france, italy], 0] == 10.0).all()
    moves = lambda run: int((run.diagnostics["eu_emissions"]["move"] > 0).sum())  # noqa: E731
    assert moves(printed) > 2 * moves(figure)


# --- Each formula on a three-actor case worked by hand
#
# A at 0 (capability 1, salience 0.9), B at 4 (1, 0.5), C at 10 (2, 0.5); the position
# range is 10, so the normalised distances are d_AB = 0.4, d_AC = 1, d_BC = 0.6 and the vote
# weights c*s are 0.9, 0.5, 1.

HAND = dict(position=[0.0, 4.0, 10.0], capability=[1.0, 1.0, 2.0], salience=[0.9, 0.5, 0.5])


def hand_arrays():
    position = np.array([HAND["position"]])
    weight = np.array(HAND["capability"]) * np.array(HAND["salience"])
    return position, weight[None, :], np.array([10.0])


def test_basic_utilities_by_hand():
    # A challenging B (d = 0.4), r = 1: U_s = 2 - 4 (0.5 - 0.2) = 0.8, U_f = 2 - 4 (0.5 + 0.2) = -0.8,
    # U_sq = 2 - 4 * 0.5 = 0; with r = 2: U_s = 2 - 4 * 0.3^2 = 1.64, U_f = 2 - 4 * 0.7^2 = 0.04, U_sq = 1
    assert basic_utilities(np.array(0.4), np.array(1.0)) == pytest.approx((0.8, -0.8, 0.0))
    assert basic_utilities(np.array(0.4), np.array(2.0)) == pytest.approx((1.64, 0.04, 1.0))
    # The median: weights 0.9, 0.5, 1 (total 2.4); sorted by position the cumulative weight first
    # reaches 1.2 at B, so mu = 4 and A is d_Amu = 0.4 from it. A challenging C (d = 1), r = 1:
    # U_b = 2 - 4 (0.5 - 0.25 (0.4 + 1)) = 1.4, U_w = 2 - 4 (0.5 + 0.35) = -1.4;
    # T = 0.25: 0.25 * 1.4 + 0.75 * -1.4 = -0.7
    assert status_quo_change(np.array(1.0), np.array(0.4), np.array(1.0), t=1.0) == pytest.approx(1.4)
    assert status_quo_change(np.array(1.0), np.array(0.4), np.array(1.0), t=0.0) == pytest.approx(-1.4)
    assert status_quo_change(np.array(1.0), np.array(0.4), np.array(1.0), t=0.25) == pytest.approx(-0.7)
    run = ExpectedUtility(rounds=0, outcome="median").forecast(problem(**HAND), RNG)
    assert run.forecast[0] == 4.0


def test_expected_utility_by_hand():
    # B challenging A (d = 0.4, r = 1: U_s = 0.8, U_f = -0.8, U_sq = 0) with the printed P_BA = 5/8
    # (below) and s_A = 0.9, Q = 1: 0.9 (5/8 * 0.8 - 3/8 * 0.8) + 0.1 * 0.8 - 0 = 0.18 + 0.08 = 0.26
    assert expected_utility(np.array(5 / 8), np.array(0.9), 0.8, -0.8, 0.0, 1.0, 0.0) == pytest.approx(0.26)
    # the same with Q = 0.5 and T U_b + (1 - T) U_w = -0.7: 0.26 - 0.5 * 0 - 0.5 * -0.7 = 0.61
    assert expected_utility(np.array(5 / 8), np.array(0.9), 0.8, -0.8, 0.0, 0.5, -0.7) == pytest.approx(0.61)


def test_third_party_support_by_hand():
    # N[i, j] = Σ_k w_k max(0, d_kj - d_ki) with r = 1:
    # N[A,B]: only A is nearer 0 than 4: 0.9 * (0.4 - 0) = 0.36
    # N[B,A]: B 0.5 * 0.4 + C 1 * (1 - 0.6) = 0.6
    # N[A,C]: A 0.9 * 1 + B 0.5 * (0.6 - 0.4) = 1.0;   N[C,A]: C 1 * 1 = 1.0
    # N[B,C]: A 0.9 * (1 - 0.4) + B 0.5 * 0.6 = 0.84;  N[C,B]: C 1 * 0.6 = 0.6
    position, weight, span = hand_arrays()
    expected = [[0, 0.36, 1.0], [0.6, 0, 0.84], [1.0, 0.6, 0]]
    np.testing.assert_allclose(third_party_support(position, weight, np.ones((1, 3)), np.ones((1, 3), dtype=bool), span)[0], expected, atol=1e-12)
    # With A's exponent 2 its terms use squared distances: N[A,B] = 0.9 * 0.4^2 = 0.144,
    # N[A,C] = 0.9 * 1 + 0.1 = 1.0, N[B,C] = 0.9 * (1 - 0.16) + 0.3 = 1.056
    exponent = np.array([[2.0, 1.0, 1.0]])
    expected = [[0, 0.144, 1.0], [0.6, 0, 1.056], [1.0, 0.6, 0]]
    np.testing.assert_allclose(third_party_support(position, weight, exponent, np.ones((1, 3), dtype=bool), span)[0], expected, atol=1e-12)


def test_all_pairs_denominator_by_hand():
    # Σ_k w_k Σ_a Σ_b |d_kb - d_ka| over ordered pairs: voter A sees (0, 0.4, 1) -> 2 (0.4 + 1 + 0.6) = 4,
    # B sees (0.4, 0, 0.6) -> 2 (0.4 + 0.2 + 0.6) = 2.4, C sees (1, 0.6, 0) -> 4;
    # 0.9 * 4 + 0.5 * 2.4 + 1 * 4 = 8.8
    position, weight, span = hand_arrays()
    active = np.ones((1, 3), dtype=bool)
    assert all_pairs_votes(position, weight, np.ones((1, 3)), active, span)[0] == pytest.approx(8.8)
    # without C (inactive) only the pair A, B counts: 0.9 * 2 * 0.4 + 0.5 * 2 * 0.4 = 1.12
    assert all_pairs_votes(position, weight * [1, 1, 0], np.ones((1, 3)), np.array([[True, True, False]]), span)[0] == pytest.approx(1.12)


def test_risk_exponents_by_hand():
    # exposures S = (1, 0, -1): R = (2 S - 1 + 1) / 2 = S, r = (1 - R/3) / (1 + R/3) = (0.5, 1, 2)
    attacked = np.array([[[9.0, 0.5, 0.5], [0.25, 9.0, -0.25], [-2.0, 1.0, 9.0]]])  # diagonal is ignored
    active = np.ones((1, 3), dtype=bool)
    np.testing.assert_allclose(risk_exponents(attacked, active)[0], [0.5, 1.0, 2.0])
    # everyone equally exposed: R = 0, r = 1 (instead of 0 / 0)
    np.testing.assert_allclose(risk_exponents(np.ones((1, 3, 3)), active)[0], [1.0, 1.0, 1.0])


def test_offers_by_hand():
    # i at 0, j at 10, with (E_ij, E_ji):
    # (0.2, 0.5) conflict -> 10; (-0.1, 0.4) compromise -> 0 + 10 * 0.1 / 0.4 = 2.5;
    # (-0.5, 0.2) capitulation -> 10; (0.5, 0.2), (-0.3, -0.1) and (-0.2, 0.2) no offer
    own = np.array([0.2, -0.1, -0.5, 0.5, -0.3, -0.2])
    other = np.array([0.5, 0.4, 0.2, 0.2, -0.1, 0.2])
    k = own.size
    position = np.concatenate([np.zeros(k), np.full(k, 10.0)])[None, :]
    own_matrix = np.zeros((1, 2 * k, 2 * k))
    other_matrix = np.zeros((1, 2 * k, 2 * k))
    own_matrix[0, np.arange(k), k + np.arange(k)] = own
    other_matrix[0, np.arange(k), k + np.arange(k)] = other
    pair = position[:, :, None] != position[:, None, :]
    move, target = classify_offers(own_matrix, other_matrix, position, pair)
    picked = (0, np.arange(k), k + np.arange(k))
    assert move[picked].tolist() == [CONFLICT, COMPROMISE, CAPITULATION, NO_MOVE, NO_MOVE, NO_MOVE]
    assert target[picked][:3].tolist() == pytest.approx([10.0, 2.5, 10.0])


def test_offer_choice_by_hand():
    # one actor with three offers: a conflict to 9, a compromise to 2, a capitulation to 1
    move = np.array([[[CONFLICT, COMPROMISE, CAPITULATION]]], dtype=np.int8)
    target = np.array([[[9.0, 2.0, 1.0]]])
    distance = np.abs(target)
    # printed: the smallest change of position wins (the capitulation to 1)
    chosen, partner = choose_offer(move, np.zeros_like(target), distance, target)
    assert (chosen[0, 0], partner[0, 0]) == (1.0, 2)
    # scholz: a conflict beats a compromise beats a capitulation
    chosen, partner = choose_offer(move, move.astype(float), distance, target)
    assert (chosen[0, 0], partner[0, 0]) == (9.0, 0)
    # equal moves either way: the lower target position
    chosen, partner = choose_offer(np.array([[[CONFLICT, CONFLICT]]], dtype=np.int8), np.ones((1, 1, 2)), np.array([[[3.0, 3.0]]]), np.array([[[8.0, 2.0]]]))
    assert (chosen[0, 0], partner[0, 0]) == (2.0, 1)


def test_one_printed_round_by_hand():
    # Printed P_ij = N[i,j] / (N[i,j] + N[j,i]) (N above): P_AB = 0.36/0.96 = 3/8, P_BA = 5/8,
    # P_AC = P_CA = 1/2, P_BC = 0.84/1.44 = 7/12, P_CB = 5/12.
    # Risk, all r = 1: U_s = 2d, U_f = -2d, U_sq = 0, so E(U_ji) = 2d (1 - 2 s_i (1 - P_ji)).
    # S_A = E(U_BA) + E(U_CA) = 0.8 (1 - 1.8 * 3/8) + 2 (1 - 1.8 / 2) = 0.26 + 0.2 = 0.46
    # S_B = E(U_AB) + E(U_CB) = 0.8 (1 - 5/8) + 1.2 (1 - 7/12) = 0.3 + 0.5 = 0.8
    # S_C = E(U_AC) + E(U_BC) = 2 (1 - 1/2) + 1.2 (1 - 5/12) = 1 + 0.7 = 1.7
    # R = (2 S - 1.7 - 0.46) / 1.24: R_A = -1, R_B = -0.56 / 1.24 = -14/31, R_C = 1
    # r = (1 - R/3) / (1 + R/3): r_A = 2, r_B = (1 + 14/93) / (1 - 14/93) = 107/79, r_C = 1/2
    r_b = Fraction(107, 79)
    # Offers, each seen with the receiver's exponent (E_ij = E^i(U_ij), E_ji = E^i(U_ji)):
    # B (r = 107/79) from A (d = 0.4): U_s = 2 - 4 * 0.3^r = 0.71191, U_f = 2 - 4 * 0.7^r = -0.49697,
    #   E_BA = 0.9 (5/8 U_s + 3/8 U_f) + 0.1 U_s - U_sq = 0.21273, E_AB = 0.5 (3/8 U_s + 5/8 U_f)
    #   + 0.5 U_s - U_sq = 0.25483 with U_sq = 2 - 4 * 0.5^r = 0.43371:
    #   E_AB > E_BA > 0, so B loses a conflict to A and moves to 0. (B vs C: E_BC = 0.59 > E_CB = 0.38: none.)
    u_s, u_f, u_sq = (2 - 4 * base ** float(r_b) for base in (0.3, 0.7, 0.5))
    e_ba = 0.9 * (5 / 8 * u_s + 3 / 8 * u_f) + 0.1 * u_s - u_sq
    e_ab = 0.5 * (3 / 8 * u_s + 5 / 8 * u_f) + 0.5 * u_s - u_sq
    # C (r = 1/2) from A (d = 1): U_s = 2, U_f = 2 - 4 = -2, U_sq = 2 - 4 * 0.5^0.5 = -0.82843,
    #   E_CA = 0.9 (1/2 * 2 + 1/2 * -2) + 0.1 * 2 - U_sq = 1.02843, E_AC = 0.5 * 0 + 0.5 * 2 - U_sq = 1.82843: conflict -> 0.
    # C from B (d = 0.6): U_s = 2 - 4 * 0.2^0.5 = 0.21115, U_f = 2 - 4 * 0.8^0.5 = -1.57771,
    #   E_CB = 0.5 (5/12 U_s + 7/12 U_f) + 0.5 U_s - U_sq = 0.51782,
    #   E_BC = 0.5 (7/12 U_s + 5/12 U_f) + 0.5 U_s - U_sq = 0.66689: conflict -> 4.
    #   Printed rule: the smallest change of position, |10 - 4| < |10 - 0|: C moves to 4.
    # A (r = 2): from B E_AB = 0.14 > E_BA = 0.10, from C E_AC = 0 = ... no offer: A stays at 0.
    run = ExpectedUtility(variant="printed", rounds=1).forecast(problem(**HAND), RNG)
    diagnostics = run.diagnostics["issue"]
    np.testing.assert_allclose(diagnostics["risk_exponent"][1], [2.0, float(r_b), 0.5], rtol=1e-12)
    np.testing.assert_allclose(run.positions[1, :, 0], [0.0, 0.0, 4.0])
    assert diagnostics["move"][1].tolist() == [NO_MOVE, CONFLICT, CONFLICT]
    assert diagnostics["partner"][1].tolist() == [-1, 0, 1]
    assert diagnostics["eu_own"][1, 1] == pytest.approx(e_ba, abs=1e-12)
    assert diagnostics["eu_partner"][1, 1] == pytest.approx(e_ab, abs=1e-12)
    assert (e_ba, e_ab) == pytest.approx((0.21273, 0.25483), abs=1e-5)


def test_one_scholz_round_by_hand():
    # Scholz P_ij = N[i,j] / 8.8 (the all-pairs denominator above) with r = 1:
    # P_AB = 0.36/8.8, P_BA = 0.6/8.8, P_AC = P_CA = 1/8.8, P_BC = 0.84/8.8, P_CB = 0.6/8.8.
    # E(U_ji) = 2d (1 - 2 s_i (1 - P_ji)):
    # S_A = 0.8 (1 - 1.8 (1 - 0.6/8.8)) + 2 (1 - 1.8 (1 - 1/8.8)) = -149/275 - 131/110 = -953/550
    # S_B = 0.8 (1 - (1 - 0.36/8.8)) + 1.2 (1 - (1 - 0.6/8.8)) = 9/275 + 9/110 = 63/550
    # S_C = 2 (1 - (1 - 1/8.8)) + 1.2 (1 - (1 - 0.84/8.8)) = 5/22 + 63/550 = 188/550
    # R_A = -1, R_C = 1, R_B = (126 - 188 + 953) / 1141 = 891/1141; r_B = (1 - 297/1141) / (1 + 297/1141) = 422/719
    s = {"A": Fraction(-953, 550), "B": Fraction(63, 550), "C": Fraction(188, 550)}
    r_b = (1 - (2 * s["B"] - s["C"] - s["A"]) / (s["C"] - s["A"]) / 3) / (1 + (2 * s["B"] - s["C"] - s["A"]) / (s["C"] - s["A"]) / 3)
    assert r_b == Fraction(422, 719)
    # With r = (2, 422/719, 1/2) the offers (worked as in the printed case, P now from the
    # exponent-weighted votes over their all-pairs sum, 9.08191):
    # B from A: E_BA = -0.38912 < 0 < E_AB = 0.06429 < |E_BA|: B capitulates to A (moves to 0).
    # C from A: compromise (E_CA = -0.37518, E_AC = 1.04390); from B: E_BC = 0.25609 > E_CB = 0.22143 > 0,
    #   a conflict, which the scholz rule prefers to any compromise: C moves to 4.
    # A: no offer (both E_AB and E_BA negative, both E_AC and E_CA negative).
    run = ExpectedUtility(rounds=1).forecast(problem(**HAND), RNG)
    diagnostics = run.diagnostics["issue"]
    np.testing.assert_allclose(diagnostics["risk_exponent"][1], [2.0, float(r_b), 0.5], rtol=1e-12)
    np.testing.assert_allclose(run.positions[1, :, 0], [0.0, 0.0, 4.0])
    assert diagnostics["move"][1].tolist() == [NO_MOVE, CAPITULATION, CONFLICT]
    np.testing.assert_allclose(diagnostics["eu_own"][1], [0.0, -0.38912, 0.22143], atol=1e-5)
    np.testing.assert_allclose(diagnostics["eu_partner"][1], [0.0, 0.06429, 0.25609], atol=1e-5)


def test_offer_rule_overrides_the_variants_choice():
    # In the scholz round above C has two offers: a compromise with A, to
    # 10 + (0 - 10) |-0.37518 / 1.04390| = 6.4060 (a move of 3.594), and a conflict with B, to 4
    # (a move of 6). kind_first takes the conflict; smallest_move, the paper's rule, the compromise.
    smallest = ExpectedUtility(rounds=1, offer_rule="smallest_move").forecast(problem(**HAND), RNG)
    assert smallest.positions[1, 2, 0] == pytest.approx(6.4060, abs=1e-4)
    assert smallest.diagnostics["issue"]["move"][1, 2] == COMPROMISE
    kind_first = ExpectedUtility(variant="printed", offer_rule="kind_first", rounds=1).forecast(problem(**HAND), RNG)
    default = ExpectedUtility(variant="printed", rounds=1).forecast(problem(**HAND), RNG)
    np.testing.assert_array_equal(kind_first.positions, default.positions)  # here both pick the conflict with B


def test_exact_comparisons_give_the_same_figure():
    rows = list(csv.DictReader((DATA / "mckibben_eu_rounds.csv").open()))
    run = ExpectedUtility(tie_tolerance=0.0).forecast(eu_problem(), RNG)
    expected = np.array([float(row["position"]) for row in rows]).reshape(11, 10)
    np.testing.assert_allclose(run.positions[:, :, 0], expected, rtol=0, atol=1e-9)


# --- Runs, stopping, batches, several issues


def test_registered_and_built_from_cli_parameters():
    assert MODELS["eum"] is ExpectedUtility
    model = make_model("eum", variant="printed", rounds=3)
    assert (model.variant, model.rounds) == ("printed", 3)


@pytest.mark.parametrize(
    ("parameters", "field"),
    [
        ({"variant": "bdm"}, "variant"),
        ({"rounds": -1}, "rounds"),
        ({"rounds": 2.5}, "rounds"),
        ({"tolerance": float("nan")}, "tolerance"),
        ({"status_quo_probability": 1.5}, "status_quo_probability"),
        ({"improvement_probability": -0.1}, "improvement_probability"),
        ({"position_range": "widest"}, "position_range"),
        ({"outcome": "mode"}, "outcome"),
        ({"offer_rule": "largest_move"}, "offer_rule"),
        ({"tie_tolerance": -1e-12}, "tie_tolerance"),
    ],
)
def test_bad_parameters_are_one_line_errors(parameters, field):
    with pytest.raises(JirgaError, match=field):
        ExpectedUtility(**parameters)


def test_a_run_stops_at_a_fixed_point():
    # Two actors at 20 and 80 with equal weights: whatever the offers, one round later the state
    # repeats or nobody moves; the run ends as soon as a round moves nobody.
    run = ExpectedUtility(rounds=50).forecast(problem([20, 20, 80], [1, 1, 1], [0.5, 0.5, 0.5]), RNG)
    assert run.rounds[0] < 50
    assert np.array_equal(run.positions[-1], run.positions[-2])


def test_tolerance_stops_when_moves_are_small():
    table = eu_problem()
    exact = ExpectedUtility(rounds=10).forecast(table, RNG)
    loose = ExpectedUtility(rounds=10, tolerance=1.0).forecast(table, RNG)  # a move of a whole scale width
    assert exact.rounds[0] == 10 and loose.rounds[0] == 1
    np.testing.assert_array_equal(loose.positions[1], exact.positions[1])


@pytest.mark.parametrize("variant", ["scholz", "printed"])
def test_a_batch_equals_its_items_run_one_by_one(variant):
    base = eu_problem()
    noise = np.random.default_rng(7)
    capability = base.capability[None] * noise.uniform(0.5, 1.5, (4, *base.capability.shape))
    salience = np.clip(base.salience[None] + noise.normal(0, 0.1, (4, *base.salience.shape)), 0, 1)
    position = np.broadcast_to(base.position, (4, *base.position.shape)).copy()
    position[3] = 7.0  # one item where everyone agrees: it stops after one round
    capability[2, 1] = 0.0  # one item where Belgium has no capability: passive there only
    batch = base.with_values(capability=capability, salience=salience, position=position)
    model = ExpectedUtility(variant=variant)
    together = model.forecast(batch, RNG)
    for item in range(4):
        alone = model.forecast(base.with_values(capability=capability[item], salience=salience[item], position=position[item]), RNG)
        length = alone.positions.shape[0]
        np.testing.assert_allclose(together.positions[item, :length], alone.positions, atol=1e-12)
        np.testing.assert_allclose(together.positions[item, length:], np.broadcast_to(alone.positions[-1], together.positions[item, length:].shape))
        assert together.rounds[item, 0] == alone.rounds[0]
        assert together.forecast[item, 0] == pytest.approx(alone.forecast[0], abs=1e-12)
    assert together.rounds[3, 0] == 1
    assert (together.positions[2, :, 1, 0] == 7.0).all() and not (together.positions[0, :, 1, 0] == 7.0).all()


def test_several_issues_run_one_by_one_on_the_afghan_scenario():
    scenario = load_scenario()
    full = Problem.from_scenario(scenario)
    run = ExpectedUtility().forecast(full, RNG)
    assert run.forecast.shape == (full.n_issues,)
    for index, issue in enumerate(full.issues):
        alone = ExpectedUtility().forecast(full.issue(index), RNG)
        assert run.forecast[index] == pytest.approx(alone.forecast[0], abs=1e-12)
        rows = np.flatnonzero(full.present[:, index])
        np.testing.assert_allclose(run.positions[: alone.positions.shape[0], rows, index], alone.positions[:, :, 0])
        absent = np.flatnonzero(~full.present[:, index])
        assert (run.positions[:, absent, index] == full.position[absent, index]).all()
        assert run.diagnostics[issue]["actors"] == alone.actors
        assert full.lower[index] <= run.forecast[index] <= full.upper[index]


def test_median_outcome_and_position_ranges():
    table = eu_problem()
    median = ExpectedUtility(outcome="median").forecast(table, RNG)
    assert median.forecast[0] == median.diagnostics["eu_emissions"]["median"][-1]
    # The weighted median of each round, as the anchors' README (section 3) reports from a re-run
    # of the replication with its median routine fixed (printed to 4 decimals); round 0 is the
    # initial Condorcet winner, 7.0.
    reported = [7.0, 8.4159, 9.6109, 9.9620, 9.9620, 9.9620, 7.4720, 8.8246, 9.6711, 9.6711, 7.0]
    np.testing.assert_allclose(median.diagnostics["eu_emissions"]["median"], reported, atol=5e-5)
    # on the paper's example the extremes (4 and 10) never move, so the three ranges agree
    reference = ExpectedUtility().forecast(table, RNG)
    for position_range in ("current", "scale"):
        other = ExpectedUtility(position_range=position_range).forecast(table, RNG)
        np.testing.assert_allclose(other.positions, reference.positions, atol=1e-12)


def test_status_quo_probability_below_one_changes_the_run():
    table = eu_problem()
    run = ExpectedUtility(status_quo_probability=0.5, improvement_probability=0.5).forecast(table, RNG)
    assert np.isfinite(run.positions).all()
    assert not np.allclose(run.positions, ExpectedUtility().forecast(table, RNG).positions)


# --- Bad input: a defined result or a one-line error, never a crash, a warning or a NaN


def no_warnings(model: ExpectedUtility, case: Problem):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(divide="raise", over="raise", invalid="raise"):
            return model.forecast(case, RNG)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"capability": [-0.1, 1, 1]}, "capability"),
        ({"salience": [0.5, 1.5, 0.5]}, "salience"),
        ({"salience": [0.5, -0.5, 0.5]}, "salience"),
        ({"position": [10, float("nan"), 30]}, "position"),
        ({"position": [10, 120, 30]}, "position"),
        ({"capability": [1, float("inf"), 1]}, "capability"),
    ],
)
def test_bad_numbers_are_one_line_errors(change, field):
    values = {"position": [10, 20, 30], "capability": [1, 1, 1], "salience": [0.5, 0.5, 0.5]} | change
    with pytest.raises(JirgaError, match=field) as caught:
        ExpectedUtility().forecast(problem(**values), RNG)
    assert "\n" not in str(caught.value) and "a1" in str(caught.value) or "a0" in str(caught.value)


@pytest.mark.parametrize("variant", ["scholz", "printed"])
def test_a_single_actor_stays_put(variant):
    run = no_warnings(ExpectedUtility(variant=variant), problem([30], [1], [0.5]))
    assert run.forecast[0] == 30 and run.rounds[0] == 1
    assert run.diagnostics["issue"]["risk_exponent"][1, 0] == 1.0


@pytest.mark.parametrize("variant", ["scholz", "printed"])
@pytest.mark.parametrize("position_range", ["initial", "current", "scale"])
def test_everyone_at_one_position_stays_put(variant, position_range):
    run = no_warnings(ExpectedUtility(variant=variant, position_range=position_range), problem([40] * 4, [1, 2, 0, 1], [0.2, 1, 0.5, 0]))
    assert (run.positions == 40).all() and run.forecast[0] == 40 and run.rounds[0] == 1


@pytest.mark.parametrize("variant", ["scholz", "printed"])
def test_nobody_with_capability_or_salience_gives_a_defined_result(variant):
    # no capability at all: nobody bargains, the forecast is the plain mean (the compromise baseline's rule)
    run = no_warnings(ExpectedUtility(variant=variant), problem([0, 50, 100], [0, 0, 0], [0.5, 0.5, 0.5]))
    assert (run.positions == run.positions[0]).all() and run.forecast[0] == 50
    # no salience at all: nobody votes, P = 0 (scholz) or 1/2 (printed), no NaN anywhere
    run = no_warnings(ExpectedUtility(variant=variant), problem([0, 50, 100], [1, 1, 1], [0, 0, 0]))
    assert np.isfinite(run.positions).all() and np.isfinite(run.forecast).all()


def test_an_issue_without_actors_has_nothing_to_forecast_and_the_others_are_forecast():
    """As of a date before anyone spoke on the second issue: its forecast is NaN, the first's is
    what the first issue alone gives."""
    one = problem([10, 20], [1, 1], [0.5, 0.5])
    two = Problem(
        one.actors, ("first", "later"), np.repeat(one.capability, 2, axis=1), np.repeat(one.position, 2, axis=1),
        np.repeat(one.salience, 2, axis=1), np.repeat(one.lower, 2), np.repeat(one.upper, 2), np.array([[True, False], [True, False]]),
    )
    alone = ExpectedUtility().forecast(one, RNG)
    both = no_warnings(ExpectedUtility(), two)
    assert both.forecast[0] == alone.forecast[0] and np.isnan(both.forecast[1]) and both.rounds[1] == 0


# --- Properties


@st.composite
def scenarios(draw, min_actors=1, max_actors=7):
    n = draw(st.integers(min_actors, max_actors))
    lower = draw(st.sampled_from([0.0, -5.0, 4.0]))
    upper = lower + draw(st.sampled_from([1.0, 6.0, 100.0]))
    unit = st.floats(0, 1, allow_subnormal=False)
    position = draw(st.lists(st.floats(lower, upper, allow_subnormal=False), min_size=n, max_size=n))
    capability = draw(st.lists(st.one_of(st.just(0.0), unit, st.floats(0, 50, allow_subnormal=False)), min_size=n, max_size=n))
    salience = draw(st.lists(st.one_of(st.just(0.0), st.just(1.0), unit), min_size=n, max_size=n))
    return problem(position, capability, salience, lower, upper)


MODELS_UNDER_TEST = st.builds(
    ExpectedUtility,
    variant=st.sampled_from(["scholz", "printed"]),
    rounds=st.integers(1, 6),
    position_range=st.sampled_from(["initial", "current", "scale"]),
    status_quo_probability=st.sampled_from([1.0, 0.5]),
    offer_rule=st.sampled_from(["variant", "kind_first", "smallest_move"]),
)


@settings(max_examples=60, deadline=None)
@given(case=scenarios(), model=MODELS_UNDER_TEST, data=st.data())
def test_actor_order_does_not_change_the_result(case, model, data):
    order = np.array(data.draw(st.permutations(range(case.n_actors))))
    shuffled = Problem(
        tuple(case.actors[index] for index in order), case.issues, case.capability[order], case.position[order],
        case.salience[order], case.lower, case.upper, case.present[order],
    )
    run, other = no_warnings(model, case), no_warnings(model, shuffled)
    assert other.rounds[0] == run.rounds[0]
    np.testing.assert_allclose(other.positions[:, :, 0], run.positions[:, order, 0], atol=1e-9)
    np.testing.assert_allclose(other.forecast, run.forecast, atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(case=scenarios(), model=MODELS_UNDER_TEST, data=st.data())
def test_a_unanimous_scenario_stays_put(case, model, data):
    common = data.draw(st.floats(case.lower[0], case.upper[0], allow_subnormal=False))
    unanimous = case.with_values(position=np.full_like(case.position, common))
    run = no_warnings(model, unanimous)
    assert (run.positions == common).all()
    assert run.forecast[0] == pytest.approx(common, abs=1e-9 * max(1.0, abs(common)))


@settings(max_examples=60, deadline=None)
@given(case=scenarios(min_actors=2), model=MODELS_UNDER_TEST, data=st.data())
def test_an_actor_without_capability_changes_nothing(case, model, data):
    where = data.draw(st.integers(0, case.n_actors))
    position = data.draw(st.floats(case.lower[0], case.upper[0], allow_subnormal=False))
    salience = data.draw(st.floats(0, 1, allow_subnormal=False))
    insert = lambda array, value: np.insert(array, where, value, axis=0)  # noqa: E731
    joined = Problem(
        (*case.actors[:where], "nobody", *case.actors[where:]), case.issues, insert(case.capability, 0.0),
        insert(case.position, position), insert(case.salience, salience), case.lower, case.upper, insert(case.present, True),
    )
    run, other = no_warnings(model, case), no_warnings(model, joined)
    if case.capability.sum() == 0:  # the plain mean of everybody: the newcomer counts as everyone does
        return
    others = [index for index in range(joined.n_actors) if index != where]
    assert other.rounds[0] == run.rounds[0]
    np.testing.assert_allclose(other.positions[:, others, 0], run.positions[:, :, 0], atol=1e-9)
    assert (other.positions[:, where, 0] == position).all()
    np.testing.assert_allclose(other.forecast, run.forecast, atol=1e-9)


@settings(max_examples=80, deadline=None)
@given(case=scenarios(), model=MODELS_UNDER_TEST)
def test_every_forecast_is_finite_and_on_the_scale(case, model):
    run = no_warnings(model, case)
    assert np.isfinite(run.positions).all() and np.isfinite(run.forecast).all()
    assert (run.positions >= case.lower[0]).all() and (run.positions <= case.upper[0]).all()
    assert case.lower[0] <= run.forecast[0] <= case.upper[0]
    risk = run.diagnostics["issue"]["risk_exponent"]
    assert ((risk >= 0.5 - 1e-12) & (risk <= 2 + 1e-12)).all()

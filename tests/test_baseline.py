"""The compromise and weighted-median baselines: hand calculations and properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jirga.models import MODELS, Model, Problem, make_model
from jirga.models.baseline import weighted_median

RNG = np.random.default_rng(0)


def problem(capability, position, salience, present=None) -> Problem:
    """A problem from per-actor lists (one issue) or (n_actors, n_issues) arrays, scale 0-100."""
    position = np.asarray(position, dtype=float)
    if position.ndim == 1:
        position = position[:, None]
    n_actors, n_issues = position.shape
    capability = np.broadcast_to(np.asarray(capability, dtype=float).reshape(n_actors, -1), position.shape).copy()
    salience = np.broadcast_to(np.asarray(salience, dtype=float).reshape(n_actors, -1), position.shape).copy()
    return Problem(
        actors=tuple(f"a{index}" for index in range(n_actors)),
        issues=tuple(f"i{index}" for index in range(n_issues)),
        capability=capability,
        position=position,
        salience=salience,
        lower=np.zeros(n_issues),
        upper=np.full(n_issues, 100.0),
        present=np.ones(position.shape, dtype=bool) if present is None else np.asarray(present),
    )


def forecast(name: str, p: Problem) -> np.ndarray:
    return make_model(name).forecast(p, RNG).forecast


def test_models_follow_the_protocol():
    for name in MODELS:
        assert isinstance(make_model(name), Model)


def test_compromise_by_hand():
    # weights c*s: 2*0.5 = 1, 1*1 = 1, 1*0.5 = 0.5; sum 2.5
    # mean = (1*20 + 1*60 + 0.5*100) / 2.5 = 130 / 2.5 = 52
    p = problem([2, 1, 1], [20, 60, 100], [0.5, 1, 0.5])
    assert forecast("compromise", p) == pytest.approx([52.0], abs=1e-12)


def test_median_by_hand():
    # sorted positions 20, 60, 100 with weights 1, 1, 0.5: cumulative 1, 2, 2.5; half = 1.25
    # first cumulative >= 1.25 is at 60 -> median 60
    p = problem([2, 1, 1], [20, 60, 100], [0.5, 1, 0.5])
    assert forecast("median", p) == pytest.approx([60.0], abs=1e-12)
    # a heavy actor decides alone: weights 10, 1, 1 -> cumulative 10 >= 6 at 20
    p = problem([10, 1, 1], [20, 60, 100], [1, 1, 1])
    assert forecast("median", p) == pytest.approx([20.0])


def test_median_tie_takes_the_midpoint():
    # weights 1, 1 at 20 and 60: cumulative reaches exactly half (1 of 2) at 20, so every point of
    # [20, 60] is a median and the rule gives the midpoint 40
    p = problem([1, 1], [20, 60], [1, 1])
    assert forecast("median", p) == pytest.approx([40.0])
    # four actors, weights 1, 2, 2, 1 at 10, 30, 50, 90: cumulative 1, 3, 5, 6; half 3 hit at 30 -> (30+50)/2
    p = problem([1, 2, 2, 1], [10, 30, 50, 90], [1, 1, 1, 1])
    assert forecast("median", p) == pytest.approx([40.0])


def test_absent_actors_and_zero_weights():
    # actor 2 is absent on issue 1: its placeholder position must not count
    p = problem([1, 1, 5], [[10, 10], [30, 30], [90, 0]], [1, 1, 1], present=[[1, 1], [1, 1], [1, 0]])
    assert forecast("compromise", p)[1] == pytest.approx(20.0)
    assert forecast("median", p)[1] == pytest.approx(20.0)
    # all saliences zero: equal weights over the participants
    p = problem([1, 1, 1], [0, 30, 90], [0, 0, 0])
    assert forecast("compromise", p) == pytest.approx([40.0])
    assert forecast("median", p) == pytest.approx([30.0])


def test_batched_equals_one_by_one():
    rng = np.random.default_rng(7)
    position = rng.uniform(0, 100, (5, 6, 3))
    capability = rng.uniform(0.1, 10, (5, 6, 3))
    salience = rng.uniform(0, 1, (5, 6, 3))
    base = problem(np.ones(6), position[0], np.ones(6))
    batch = base.with_values(position=position, capability=capability, salience=salience)
    for name in MODELS:
        if not make_model(name).batched:
            continue
        together = forecast(name, batch)
        for index in range(5):
            alone = forecast(name, base.with_values(position=position[index], capability=capability[index], salience=salience[index]))
            np.testing.assert_allclose(together[index], alone, rtol=0, atol=1e-12)


actors = st.integers(min_value=1, max_value=12)


@st.composite
def one_issue(draw):
    n = draw(actors)
    numbers = st.floats(min_value=0, max_value=100, allow_nan=False)
    position = draw(st.lists(numbers, min_size=n, max_size=n))
    capability = draw(st.lists(st.floats(min_value=0.01, max_value=1000), min_size=n, max_size=n))
    salience = draw(st.lists(st.floats(min_value=0.01, max_value=1), min_size=n, max_size=n))
    return problem(capability, position, salience)


@settings(max_examples=60, deadline=None)
@given(one_issue(), st.randoms(use_true_random=False))
def test_properties(p, shuffler):
    order = list(range(p.n_actors))
    shuffler.shuffle(order)
    shuffled = p.with_values(capability=p.capability[order], position=p.position[order], salience=p.salience[order])
    scaled = p.with_values(capability=p.capability * 7.5)
    for name in ("compromise", "median"):
        value = forecast(name, p)
        assert p.position.min() - 1e-9 <= value[0] <= p.position.max() + 1e-9
        np.testing.assert_allclose(forecast(name, shuffled), value, rtol=1e-12, atol=1e-9)
        np.testing.assert_allclose(forecast(name, scaled), value, rtol=1e-12, atol=1e-9)


def test_compromise_stays_on_the_scale():
    # with these weights, Σ w x / Σ w for x = 100 everywhere rounds to 100.00000000000001
    weight = [0.625095466604667, 0.8972138009695755, 0.7756856902451935, 0.22520718999059186, 0.30016628491122543]
    p = problem(weight, [100] * 5, [1] * 5)
    from jirga.models.baseline import weighted_mean

    assert weighted_mean(p.position, p.weight)[0] > 100.0
    assert forecast("compromise", p)[0] == 100.0


@given(st.integers(min_value=1, max_value=10), st.floats(min_value=0, max_value=100))
def test_unanimity(n, common):
    p = problem(np.arange(1, n + 1), np.full(n, common), np.linspace(0.1, 1, n))
    for name in ("compromise", "median"):
        assert forecast(name, p)[0] == pytest.approx(common, abs=1e-12)


def test_weighted_median_function_matches_a_sorted_scan():
    # an independent, slow definition: the smallest x whose cumulative weight reaches half
    rng = np.random.default_rng(3)
    for _ in range(50):
        position = rng.integers(0, 100, 9).astype(float)
        weight = rng.integers(1, 5, 9).astype(float)
        pairs = sorted(zip(position, weight))
        total, running = weight.sum(), 0.0
        for k, (x, w) in enumerate(pairs):
            running += w
            if running == total / 2:  # exactly half: midpoint with the next position
                median = (x + pairs[k + 1][0]) / 2
                break
            if running > total / 2:
                median = x
                break
        assert weighted_median(position[:, None], weight[:, None])[0] == pytest.approx(median)

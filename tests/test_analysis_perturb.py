"""Uncertain inputs of a scenario and the perturbed problems drawn from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from jirga.analysis.perturb import DRAW_BLOCK, Distribution, UncertainInputs, child_generator, unit_draws
from jirga.errors import JirgaError
from jirga.scenario import load_scenario
from jirga.scenario.model import Interval, Value
from jirga.scenario.native import parse_yaml

TINY = Path(__file__).parent / "data" / "tiny.yaml"

TWO_ISSUES = """
name: Two issues
actors:
  - {id: A, name: Alpha, capability: {value: 10, interval: [5, 20]}}
  - {id: B, name: Beta, capability: 4}
issues:
  - {id: x, name: X}
  - {id: y, name: Y, lower: -1, upper: 1}
stances:
  - {actor: A, issue: x, position: 30, salience: 0.5}
  - {actor: A, issue: y, position: 0.5, salience: {value: 0.95, interval: [0.9, 1.0]}, capability: 2}
  - {actor: B, issue: x, position: 95, salience: 0.05}
"""


def test_inputs_of_the_tiny_scenario_by_hand():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY), spread=0.1)
    bounds = {name: (low, point, high) for name, low, point, high in zip(inputs.names, inputs.low, inputs.point, inputs.high)}
    assert bounds["A.capability"] == pytest.approx((1.8, 2.0, 2.2))  # 2 x (1 ± 0.1)
    assert bounds["A.war.position"] == (10, 20, 30)  # its own interval
    assert bounds["A.war.salience"] == pytest.approx((0.4, 0.5, 0.6))  # 0.5 ± 0.1
    assert bounds["B.war.position"] == pytest.approx((50, 60, 70))  # 60 ± 0.1 x 100
    assert bounds["C.war.position"] == pytest.approx((90, 100, 100))  # clipped to the scale
    assert bounds["C.war.salience"] == pytest.approx((0.9, 1.0, 1.0))  # clipped to [0, 1]
    assert inputs.size == 9


def test_actor_capability_is_one_input_shared_by_its_issues_and_stance_capability_its_own():
    inputs = UncertainInputs.from_scenario(parse_yaml(TWO_ISSUES), spread=0.25)
    assert inputs.names == (
        "A.capability", "A.x.position", "A.x.salience", "A.y.capability", "A.y.position", "A.y.salience",
        "B.capability", "B.x.position", "B.x.salience",
    )
    index = {name: number for number, name in enumerate(inputs.names)}
    assert inputs.cells["capability"].tolist() == [[index["A.capability"], index["A.y.capability"]], [index["B.capability"], -1]]
    # B has no stance on y: its cells stay absent placeholders whatever the values
    values = inputs.values(np.full(inputs.size, 0.999))
    problem = inputs.problem_for(values)
    assert problem.capability[1, 1] == 0 and problem.salience[1, 1] == 0 and problem.position[1, 1] == 0
    # y's scale is [-1, 1]: default half-width 0.25 x 2 = 0.5 around 0.5, clipped at 1
    assert (inputs.low[index["A.y.position"]], inputs.high[index["A.y.position"]]) == (0.0, 1.0)
    assert (inputs.low[index["A.y.capability"]], inputs.high[index["A.y.capability"]]) == (1.5, 2.5)
    assert (inputs.low[index["A.capability"]], inputs.high[index["A.capability"]]) == (5, 20)


def test_problem_for_a_batch_fills_every_cell_from_its_input():
    inputs = UncertainInputs.from_scenario(parse_yaml(TWO_ISSUES))
    values = np.arange(3 * inputs.size, dtype=float).reshape(3, inputs.size)
    problem = inputs.problem_for(values)
    assert problem.position.shape == (3, 2, 2) and problem.batch_shape == (3,)
    index = {name: number for number, name in enumerate(inputs.names)}
    assert problem.capability[2, 0, 0] == values[2, index["A.capability"]]
    assert problem.capability[2, 1, 0] == values[2, index["B.capability"]]
    assert problem.capability[1, 0, 1] == values[1, index["A.y.capability"]]
    assert problem.salience[0, 1, 0] == values[0, index["B.x.salience"]]
    assert problem.present.shape == (2, 2)


def test_uniform_maps_the_unit_interval_onto_the_interval():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    assert inputs.values(np.zeros(inputs.size)).tolist() == inputs.low.tolist()
    assert inputs.values(np.ones(inputs.size)).tolist() == pytest.approx(inputs.high.tolist())
    assert inputs.values(np.full(inputs.size, 0.5)).tolist() == pytest.approx(((inputs.low + inputs.high) / 2).tolist())


def test_truncated_normal_is_scipys_truncnorm_quantile():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    units = np.random.default_rng(3).random((50, inputs.size))
    drawn = inputs.values(units, Distribution.truncnorm)
    sigma = (inputs.high - inputs.low) / 4
    expected = stats.truncnorm.ppf(units, (inputs.low - inputs.point) / sigma, (inputs.high - inputs.point) / sigma, loc=inputs.point, scale=sigma)
    assert np.allclose(drawn, expected, rtol=0, atol=1e-9)


def test_truncated_normal_draws_pass_a_kolmogorov_smirnov_test():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    column = inputs.names.index("C.war.position")  # point 100 at the top of [90, 100]: a half normal
    drawn = inputs.values(unit_draws(11, 0, 5000, inputs.size), Distribution.truncnorm)[:, column]
    sigma = 10 / 4
    assert stats.kstest(drawn, stats.truncnorm(-4, 0, loc=100, scale=sigma).cdf).pvalue > 0.01
    assert drawn.max() <= 100 and drawn.min() >= 90


@settings(max_examples=60, deadline=None)
@given(
    low=st.floats(-100, 100),
    width=st.floats(0, 50),
    where=st.floats(0, 1),
    unit=st.floats(0, 1),
    distribution=st.sampled_from(list(Distribution)),
)
def test_every_draw_lies_in_its_interval(low, width, where, unit, distribution):
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    point = low + where * width
    inputs = UncertainInputs(inputs.problem, ("v",), ("position",), np.array([point]), np.array([low]), np.array([low + width]), inputs.cells)
    value = inputs.values(np.array([unit]), distribution)[0]
    assert low <= value <= low + width
    if width == 0:
        assert value == point


@settings(max_examples=40, deadline=None)
@given(start=st.integers(0, 3 * DRAW_BLOCK), length=st.integers(0, 2 * DRAW_BLOCK))
def test_unit_draws_do_not_depend_on_how_the_runs_are_cut(start, length):
    whole = unit_draws(5, 0, 5 * DRAW_BLOCK, 3)
    assert np.array_equal(unit_draws(5, start, start + length, 3), whole[start : start + length])


def test_child_generator_is_the_child_that_spawn_hands_out():
    spawned = np.random.default_rng(np.random.SeedSequence(42).spawn(2)[1].spawn(4)[3])
    assert np.array_equal(child_generator(42, 1, 3).random(5), spawned.random(5))
    assert not np.array_equal(child_generator(42, 1, 3).random(5), child_generator(43, 1, 3).random(5))


def test_same_seed_same_problems_other_seed_other_problems():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    first, again, other = inputs.draw(10, 7), inputs.draw(10, 7), inputs.draw(10, 8)
    assert np.array_equal(first.position, again.position)
    assert not np.array_equal(first.position, other.position)


def test_negative_spread_and_intervals_that_exclude_the_value_are_errors():
    scenario = load_scenario(TINY)
    with pytest.raises(JirgaError, match="--spread: the default spread must be >= 0"):
        UncertainInputs.from_scenario(scenario, spread=-0.1)
    # a scenario built in code, skipping validation, with an interval that excludes its value
    broken = Value.model_construct(value=50.0, interval=Interval(low=0, high=10), evidence=())
    stance = scenario.stances[1].model_copy(update={"position": broken})
    patched = scenario.model_copy(update={"stances": (scenario.stances[0], stance, scenario.stances[2])})
    with pytest.raises(JirgaError, match=r"B\.war\.position: interval \[0, 10\] excludes the value 50"):
        UncertainInputs.from_scenario(patched)


def test_unknown_input_kind_is_an_error():
    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    assert inputs.select(("salience",)).tolist() == [2, 5, 8]
    with pytest.raises(JirgaError, match="--vary: unknown input kind 'power'"):
        inputs.select(("power",))


def test_only_the_stances_known_by_as_of_are_inputs():
    import datetime as dt

    text = TWO_ISSUES + "  - {actor: B, issue: y, position: -0.5, salience: 1, date: 2021-06-01}\n"
    later = UncertainInputs.from_scenario(parse_yaml(text))
    earlier = UncertainInputs.from_scenario(parse_yaml(text), as_of=dt.date(2021, 1, 1))
    assert "B.y.position" in later.names and "B.y.position" not in earlier.names
    assert earlier.size == later.size - 2  # B's capability input is shared, so only position and salience go

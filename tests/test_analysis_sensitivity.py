"""Sensitivity: one-at-a-time swings by hand, Sobol' indices of a linear forecast in closed form."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from jirga.analysis.perturb import UncertainInputs
from jirga.analysis.sensitivity import one_at_a_time, sobol
from jirga.errors import JirgaError
from jirga.models import make_model
from jirga.scenario import load_scenario

TINY = Path(__file__).parent / "data" / "tiny.yaml"


def tiny_inputs(spread: float = 0.1) -> UncertainInputs:
    return UncertainInputs.from_scenario(load_scenario(TINY), spread)


def test_one_at_a_time_swings_by_hand():
    # point: weights c*s = 2*0.5, 1*1, 1*1 = 1, 1, 1 -> F = (20 + 60 + 100) / 3 = 60
    result = one_at_a_time(tiny_inputs(), make_model("compromise"), workers=1)
    swing = dict(zip(result.names, result.swing[:, 0]))
    assert result.point[0] == pytest.approx(60)
    # A's position over [10, 30]: (10 + 160) / 3 = 56.667 .. (30 + 160) / 3 = 63.333
    assert swing["A.war.position"] == pytest.approx(20 / 3)
    # A's salience over [0.4, 0.6]: weight 0.8 -> (16 + 160) / 2.8 = 62.857; 1.2 -> (24 + 160) / 3.2 = 57.5
    assert swing["A.war.salience"] == pytest.approx(57.5 - 176 / 2.8)
    # C's position over [90, 100] (clipped): (20 + 60 + 90) / 3 = 56.667 .. 60
    assert swing["C.war.position"] == pytest.approx(10 / 3)
    # B stands at the mean, so its weight moves nothing: (20 + 0.9*60 + 100) / 2.9 = 60
    assert swing["B.capability"] == pytest.approx(0, abs=1e-12)
    (ranking,) = result.rankings(top=3)
    assert ranking.inputs == ("A.war.position", "B.war.position", "A.war.salience")


def test_one_at_a_time_of_one_kind_only():
    result = one_at_a_time(tiny_inputs(), make_model("median"), vary=("capability",), workers=1)
    assert result.names == ("A.capability", "B.capability", "C.capability")
    # weights 1, 1, 1 (A: 2 x 0.5): within +-10% nobody's weight reaches half alone, B stays the median
    assert np.all(result.swing == 0)


def test_sobol_indices_of_a_linear_forecast_match_the_closed_form():
    # With only positions varied, F = sum_a w_a x_a / W is linear with weights 1, 1, 1 (each /3).
    # Uniform x_a has variance width^2 / 12: widths 20 (A), 20 (B), 10 (C, clipped at 100), so
    # S1_a = ST_a = width_a^2 / sum width^2 = 400/900, 400/900, 100/900.
    result = sobol(tiny_inputs(), make_model("compromise"), 1024, vary=("position",), seed=1, workers=1)
    assert result.names == ("A.war.position", "B.war.position", "C.war.position")
    assert result.runs == 1024 * 5
    expected = np.array([4, 4, 1]) / 9
    assert result.first[:, 0] == pytest.approx(expected, abs=0.04)
    assert result.total[:, 0] == pytest.approx(expected, abs=0.04)
    assert result.rankings()[0].inputs[2] == "C.war.position"


def test_sobol_is_reproducible_and_zero_for_a_forecast_that_does_not_move():
    inputs = tiny_inputs()
    first = sobol(inputs, make_model("median"), 64, seed=3, workers=1, batch_size=100)
    again = sobol(inputs, make_model("median"), 64, seed=3, workers=1, batch_size=64)
    assert np.array_equal(first.total, again.total)
    # the median is B's position whatever the weights (see above): only B.war.position matters
    index = first.names.index("B.war.position")
    assert first.total[index, 0] == pytest.approx(1.0, abs=0.05)
    assert np.all(np.delete(first.total[:, 0], index) == 0)
    frozen = sobol(inputs, make_model("median"), 64, vary=("salience",), workers=1)
    assert np.all(frozen.total == 0) and np.all(frozen.first == 0)


@pytest.mark.parametrize("samples", [0, 1, 100])
def test_sobol_samples_must_be_a_power_of_two(samples):
    with pytest.raises(JirgaError, match="--samples: the number of samples must be a power of 2"):
        sobol(tiny_inputs(), make_model("compromise"), samples)

"""Monte Carlo: hand-computable spreads, reproducibility on 1, 2 processes and a Dask cluster."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, replace
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from jirga.analysis import parallel
from jirga.analysis.montecarlo import run_montecarlo
from jirga.analysis.perturb import Distribution, UncertainInputs, unit_draws
from jirga.errors import JirgaError
from jirga.models import MODELS, Problem, Trajectory, make_model
from jirga.models.baseline import Compromise
from jirga.scenario import load_scenario
from jirga.scenario.native import parse_yaml

TINY = Path(__file__).parent / "data" / "tiny.yaml"

# B's position (60, interval [40, 90]) is the only uncertain number once the default spread is 0
MEDIAN_CASE = """
name: Median case
actors:
  - {id: A, name: A, capability: 1}
  - {id: B, name: B, capability: 1}
  - {id: C, name: C, capability: 1}
issues:
  - {id: war, name: War}
stances:
  - {actor: A, issue: war, position: 20, salience: 1}
  - {actor: B, issue: war, position: {value: 60, interval: [40, 90]}, salience: 1}
  - {actor: C, issue: war, position: 100, salience: 1}
"""


@dataclass(frozen=True)
class LoopedCompromise:
    """The compromise model as a model that cannot batch: the analysis must loop for it."""

    name: ClassVar[str] = "looped"
    title: ClassVar[str] = "Looped compromise"
    batched: ClassVar[bool] = False

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        assert problem.batch_shape == ()
        return Compromise().forecast(problem, rng)


@dataclass(frozen=True)
class NoisyCompromise:
    """The compromise plus a standard normal draw: a model that uses its generator."""

    name: ClassVar[str] = "noisy"
    title: ClassVar[str] = "Noisy compromise"
    batched: ClassVar[bool] = True

    def forecast(self, problem: Problem, rng: np.random.Generator) -> Trajectory:
        trajectory = Compromise().forecast(problem, rng)
        return replace(trajectory, forecast=trajectory.forecast + rng.normal(size=trajectory.forecast.shape))


def test_compromise_spread_by_hand():
    # weights c*s are 2*0.5 = 1, 1*1 = 1, 1*1 = 1, so F = (x_A + 60 + 100) / 3 with
    # x_A = 10 + 20 u (uniform on A's interval [10, 30]): F runs uniformly over [56.67, 63.33]
    result = run_montecarlo(load_scenario(TINY), make_model("compromise"), 4000, seed=3, spread=0.0, workers=1)
    u = unit_draws(3, 0, 4000, 9)[:, 1]  # input 1 is A.war.position
    assert np.allclose(result.forecasts[:, 0], (10 + 20 * u + 160) / 3, rtol=0, atol=1e-12)
    (summary,) = result.summary(bins=10)
    assert summary.point == pytest.approx(60.0)
    assert summary.mean == pytest.approx(60.0, abs=0.15)  # sd of the mean 6.67/sqrt(12)/sqrt(4000) = 0.03
    assert summary.p5 == pytest.approx(170 / 3 + 0.05 * 20 / 3, abs=0.15)
    assert summary.p95 == pytest.approx(170 / 3 + 0.95 * 20 / 3, abs=0.15)
    assert sum(summary.counts) == 4000
    assert summary.counts[:5] == (0,) * 5 and summary.counts[7:] == (0,) * 3  # all within [50, 70)


def test_median_follows_the_uncertain_middle_actor():
    # three equal weights: B is the median voter wherever it stands in [40, 90]
    result = run_montecarlo(parse_yaml(MEDIAN_CASE), make_model("median"), 500, seed=1, spread=0.0, workers=1)
    inputs = UncertainInputs.from_scenario(parse_yaml(MEDIAN_CASE), spread=0.0)
    assert inputs.names[4] == "B.war.position"  # after A's capability, position, salience and B's capability
    u = unit_draws(1, 0, 500, inputs.size)[:, 4]
    assert np.array_equal(result.forecasts[:, 0], 40 + 50 * u)


def test_summary_matches_numpy():
    result = run_montecarlo(load_scenario(TINY), make_model("median"), 300, seed=2, workers=1, distribution=Distribution.truncnorm)
    (summary,) = result.summary()
    column = result.forecasts[:, 0]
    assert (summary.mean, summary.median) == (column.mean(), np.median(column))
    assert (summary.p5, summary.p95) == tuple(np.percentile(column, [5, 95]))


def test_same_seed_same_numbers_and_batch_size_does_not_matter_for_a_model_without_draws():
    scenario, model = load_scenario(TINY), make_model("compromise")
    first = run_montecarlo(scenario, model, 2500, seed=9, batch_size=1000, workers=1).forecasts
    assert np.array_equal(first, run_montecarlo(scenario, model, 2500, seed=9, batch_size=1000, workers=1).forecasts)
    assert np.array_equal(first, run_montecarlo(scenario, model, 2500, seed=9, batch_size=333, workers=1).forecasts)
    assert not np.array_equal(first, run_montecarlo(scenario, model, 2500, seed=10, workers=1).forecasts)


def test_a_model_that_cannot_batch_is_looped_and_gives_the_batched_numbers():
    scenario = load_scenario(TINY)
    looped = run_montecarlo(scenario, LoopedCompromise(), 40, seed=4, batch_size=16, workers=1).forecasts
    batched = run_montecarlo(scenario, Compromise(), 40, seed=4, batch_size=16, workers=1).forecasts
    assert np.allclose(looped, batched, rtol=0, atol=1e-12)


def test_two_local_processes_give_the_numbers_of_one_even_for_a_model_that_draws():
    scenario = load_scenario(TINY)
    one = run_montecarlo(scenario, NoisyCompromise(), 3000, seed=5, batch_size=500, workers=1).forecasts
    two = run_montecarlo(scenario, NoisyCompromise(), 3000, seed=5, batch_size=500, workers=2).forecasts
    assert np.array_equal(one, two)
    # the model's draws come from the chunk's generator: noise really is there
    plain = run_montecarlo(scenario, Compromise(), 3000, seed=5, batch_size=500, workers=1).forecasts
    assert 0.9 < np.std(one - plain) < 1.1


@pytest.mark.parametrize("name", sorted(MODELS))
def test_every_registered_model_runs_reproducibly(name):
    scenario, model = load_scenario(TINY), make_model(name)
    first = run_montecarlo(scenario, model, 24, seed=1, batch_size=10, workers=1)
    again = run_montecarlo(scenario, model, 24, seed=1, batch_size=10, workers=1)
    assert first.forecasts.shape == (24, 1)
    assert np.array_equal(first.forecasts, again.forecasts)
    assert np.all((0 <= first.forecasts) & (first.forecasts <= 100))


def test_json_and_csv_hold_every_run():
    result = run_montecarlo(load_scenario(TINY), make_model("compromise"), 50, seed=1, workers=1)
    data = json.loads(json.dumps(result.to_json()))
    assert data["runs"] == 50 and len(data["forecasts"]) == 50
    assert data["forecasts"][7] == result.forecasts[7].tolist()
    assert data["issues"][0]["id"] == "war" and sum(data["issues"][0]["histogram"]["counts"]) == 50
    rows = list(csv.DictReader(io.StringIO(result.to_csv())))
    assert len(rows) == 50 and float(rows[49]["war"]) == result.forecasts[49, 0]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"runs": 0}, "--runs: the number of runs must be positive, got 0"),
        ({"runs": -5}, "--runs: the number of runs must be positive"),
        ({"runs": 10, "batch_size": 0}, "--batch-size: the batch size must be positive"),
        ({"runs": 10, "workers": 0, "batch_size": 5}, "--workers: the number of workers must be at least 1"),
    ],
)
def test_bad_arguments(arguments, message):
    with pytest.raises(JirgaError, match=message):
        run_montecarlo(load_scenario(TINY), make_model("compromise"), **arguments)


def test_a_scheduler_that_does_not_answer_is_a_one_line_error(monkeypatch):
    monkeypatch.setattr(parallel, "CONNECT_TIMEOUT", 0.5)
    with pytest.raises(JirgaError, match=r"--scheduler: the Dask scheduler at tcp://127\.0\.0\.1:9 does not answer"):
        run_montecarlo(load_scenario(TINY), make_model("compromise"), 10, scheduler="tcp://127.0.0.1:9")
    monkeypatch.setenv(parallel.SCHEDULER_VARIABLE, "tcp://127.0.0.1:9")
    with pytest.raises(JirgaError, match="does not answer"):
        run_montecarlo(load_scenario(TINY), make_model("compromise"), 10)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local


def test_a_dask_cluster_of_two_workers_gives_the_local_numbers(cluster, monkeypatch):
    scenario, model = load_scenario(TINY), make_model("median")
    local = run_montecarlo(scenario, model, 2000, seed=8, batch_size=300, workers=1, distribution=Distribution.truncnorm)
    remote = run_montecarlo(
        scenario, model, 2000, seed=8, batch_size=300, scheduler=cluster.scheduler_address, distribution=Distribution.truncnorm
    )
    assert np.array_equal(local.forecasts, remote.forecasts)
    monkeypatch.setenv(parallel.SCHEDULER_VARIABLE, cluster.scheduler_address)
    from_environment = run_montecarlo(scenario, model, 2000, seed=8, batch_size=300, distribution=Distribution.truncnorm)
    assert np.array_equal(local.forecasts, from_environment.forecasts)


def test_sensitivity_on_the_dask_cluster_gives_the_local_numbers(cluster):
    from jirga.analysis.sensitivity import one_at_a_time, sobol

    inputs = UncertainInputs.from_scenario(load_scenario(TINY))
    local = sobol(inputs, make_model("compromise"), 64, seed=2, batch_size=100, workers=1)
    remote = sobol(inputs, make_model("compromise"), 64, seed=2, batch_size=100, scheduler=cluster.scheduler_address)
    assert np.array_equal(local.total, remote.total) and np.array_equal(local.first, remote.first)
    swings = one_at_a_time(inputs, make_model("median"), batch_size=5, scheduler=cluster.scheduler_address)
    assert np.array_equal(swings.swing, one_at_a_time(inputs, make_model("median"), workers=1).swing)

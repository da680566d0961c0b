"""Monte Carlo throughput: runs per second by model, number of local workers and batch size.

The scenario is random but fixed (seed 0): 20 actors, 5 issues, every actor on every issue,
capabilities uniform in [1, 100], positions in [0, 100], saliences in [0.1, 1], no intervals
(the default spread of 0.1 applies), so 20 + 2 x 100 = 220 uncertain inputs. Each cell is one
``run_montecarlo`` call, timed end to end: drawing the inputs, forecasting, and with 2 workers
forking a pool of worker processes. A job of one chunk runs in this process whatever the
number of workers, so the "processes" column says how many really worked.

    .venv/bin/python benchmarks/analysis.py                       # compromise, median, eum
    .venv/bin/python benchmarks/analysis.py --models smp --runs 200 --batch-sizes 20 200
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
from rich.console import Console
from rich.table import Table

from jirga.analysis.montecarlo import run_montecarlo
from jirga.models import MODELS, make_model
from jirga.scenario.model import Actor, Issue, Scenario, Stance

DEFAULT_RUNS = {"compromise": 10_000, "median": 10_000}
"""Runs per cell; models not named here (the iterative ones) get ``--slow-runs``."""
REPEATS = 3
"""The fast models' cells are the best of this many timings; the slow ones are timed once."""


def random_scenario(n_actors: int = 20, n_issues: int = 5, seed: int = 0) -> Scenario:
    rng = np.random.default_rng(seed)
    actors = tuple(Actor(id=f"A{index:02d}", name=f"Actor {index}", capability=float(rng.uniform(1, 100))) for index in range(n_actors))
    issues = tuple(Issue(id=f"I{index}", name=f"Issue {index}") for index in range(n_issues))
    stances = tuple(
        Stance(actor=actor.id, issue=issue.id, position=float(rng.uniform(0, 100)), salience=float(rng.uniform(0.1, 1)))
        for actor in actors
        for issue in issues
    )
    return Scenario(name="random 20 x 5", actors=actors, issues=issues, stances=stances)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--models", nargs="+", default=["compromise", "median", "eum"], choices=sorted(MODELS))
    parser.add_argument("--runs", type=int, default=None, help="runs per cell for every model (default: 10,000 for the baselines)")
    parser.add_argument("--slow-runs", type=int, default=1000, help="runs per cell for the iterative models")
    parser.add_argument("--workers", nargs="+", type=int, default=[1, 2])
    parser.add_argument("--batch-sizes", nargs="+", type=int, default=None, help="default: runs/100, runs/10, runs")
    arguments = parser.parse_args()

    scenario = random_scenario()
    table = Table(title="Monte Carlo throughput, random 20-actor 5-issue scenario", title_justify="left")
    for heading in ("model", "runs", "workers", "processes", "batch size", "seconds", "runs/s"):
        table.add_column(heading, justify="left" if heading == "model" else "right")
    reference: dict[str, np.ndarray] = {}
    for name in arguments.models:
        model = make_model(name)
        runs = arguments.runs or DEFAULT_RUNS.get(name, arguments.slow_runs)
        batch_sizes = arguments.batch_sizes or [max(runs // 100, 1), max(runs // 10, 1), runs]
        for workers in arguments.workers:
            for batch_size in batch_sizes:
                timings = []
                for _ in range(REPEATS if name in DEFAULT_RUNS else 1):
                    start = time.perf_counter()
                    result = run_montecarlo(scenario, model, runs, seed=1, batch_size=batch_size, workers=workers)
                    timings.append(time.perf_counter() - start)
                seconds = min(timings)
                processes = min(workers, -(-runs // batch_size)) if workers > 1 and runs > batch_size else 1
                key = f"{name}/{batch_size}"
                if key in reference and not np.array_equal(reference[key], result.forecasts):
                    raise SystemExit(f"{name}: {workers} workers changed the numbers at batch size {batch_size}")
                reference.setdefault(key, result.forecasts)
                table.add_row(name, f"{runs:,}", str(workers), str(processes), f"{batch_size:,}", f"{seconds:.3f}", f"{runs / seconds:,.0f}")
        table.add_section()
    Console().print(table)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg()) if hasattr(os, "getloadavg") else "n/a"
    Console().print(
        f"[dim]Same numbers for every worker count at each batch size (checked). {os.cpu_count()} cores; "
        f"load average at the end {load} (other processes slow the 2-worker figures most).[/dim]"
    )


if __name__ == "__main__":
    main()

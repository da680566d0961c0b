"""The exchange model against decide-exchange-model itself, side by side on the same inputs.

For each data set: decide 2022.1.28 runs through ``shared/tools/decide-reference.sh`` (its own
venv; model-only seconds = ``ModelLoop.loop`` with no observers, best of its timing runs), then
jirga runs with decide's tie decisions (``ties="replay"``) in both arithmetics, timed as the
model alone (best of ``--repeats``; wall-clock seconds for the ratio, as decide's timer, and
jirga's CPU seconds, which a loaded machine inflates less). Decimal arithmetic must reproduce decide's positions in
every round (asserted, 1e-9); float64 is reported by its largest deviation, since decide's
Decimal rounding noise decides some of its branches (docs/models/exchange.md, "How close").
With ``--randomized P`` both run decide's randomized equal gain from Python's random seeded with
``--decide-seed`` (no tie decisions replayed: ties draw from the same stream).

Data sets: decide's copenhagen (COP15) and cop21 inputs, and synthetic sets (every actor on every
issue, positions 0-100 and saliences 0.1-1 rounded as in decide's samples, capabilities 0.05-1,
seed 0). decide is run on the synthetic sets up to ``--decide-max`` actors x issues cells.
The first jirga call loads the compiled kernel from numba's cache, or compiles it (about 20 s)
when there is none; it is timed apart. Peak memory is the process's maximum resident set so
far, so it belongs to the largest set run until then.

    .venv/bin/python benchmarks/exchange.py
    .venv/bin/python benchmarks/exchange.py --sets copenhagen cop21 --repeats 5
    .venv/bin/python benchmarks/exchange.py --sets 50x10 100x10 --decide-max 0
    .venv/bin/python benchmarks/exchange.py --sets copenhagen cop21 --randomized 0.5 --decide-seed 1
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
from rich.console import Console
from rich.table import Table

from jirga.models.base import Problem
from jirga.models.exchange import ExchangeModel
from jirga.scenario import read_scenario
from jirga.scenario.decide_csv import dump_decide
from jirga.scenario.model import Actor, Issue, Scenario, Stance

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "decide"
REFERENCE = Path(os.environ.get("DECIDE_REFERENCE", ROOT.parent / "shared" / "tools" / "decide-reference.sh"))
DEFAULT_SETS = ("copenhagen", "cop21", "25x5", "50x10", "100x10", "200x20")
SINGLE_RUN_CELLS = 1000
"""Sets of more actor x issue cells are timed once (200 x 20 takes about a minute)."""


def synthetic(n_actors: int, n_issues: int, seed: int = 0) -> Scenario:
    rng = np.random.default_rng(seed)
    actors = tuple(Actor(id=f"A{index:03d}", name=f"Actor {index}", capability=round(float(rng.uniform(0.05, 1)), 3)) for index in range(n_actors))
    issues = tuple(Issue(id=f"I{index:02d}", name=f"Issue {index}") for index in range(n_issues))
    stances = tuple(
        Stance(actor=actor.id, issue=issue.id, position=float(rng.integers(0, 101)), salience=round(float(rng.uniform(0.1, 1)), 2))
        for actor in actors
        for issue in issues
    )
    return Scenario(name=f"synthetic {n_actors}x{n_issues}", actors=actors, issues=issues, stances=stances)


def load(name: str) -> tuple[Scenario, Path]:
    """The scenario and a decide input file for it."""
    if name in ("copenhagen", "cop21", "sample_data"):
        path = DATA / ("sample_data.txt" if name == "sample_data" else f"{name}.csv")
        return read_scenario(path), path
    n_actors, n_issues = (int(part) for part in name.split("x"))
    scenario = synthetic(n_actors, n_issues)
    path = Path(tempfile.gettempdir()) / f"jirga-exchange-bench-{name}.csv"
    path.write_text(dump_decide(scenario))
    return scenario, path


def run_decide(path: Path, rounds: int, timing_runs: int, timeout: float, randomized: float, seed: int) -> dict | None:
    """decide's run as its reference runner reports it; with p = 0 on its own inputs, with the
    tie decisions behind the anchors, else with Python's random seeded with ``seed``."""
    if not REFERENCE.exists():
        return None
    anchored = randomized == 0 and path.stem in ("copenhagen", "cop21", "sample_data")
    flips = ["--tie-flips", "anchor"] if anchored else ["--seed", str(seed)]
    command = [
        str(REFERENCE), str(path), "--rounds", str(rounds), "--p", repr(randomized), "--floats", "--timing-runs", str(timing_runs), *flips,
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=True)
    except subprocess.TimeoutExpired:
        return {"timeout": True}
    return json.loads(done.stdout)


def decide_positions(result: dict, problem: Problem) -> np.ndarray:
    """decide's positions at the start of rounds 1..N (the state after each round), ours' layout."""
    names = {issue: column for column, issue in enumerate(problem.issues)}
    states = [round_data["positions"] for round_data in result["rounds_data"][1:]] + [result["final"]["positions"]]
    out = np.full((len(states), problem.n_actors, problem.n_issues), np.nan)
    actor_rows = {actor: row for row, actor in enumerate(problem.actors)}
    for index, state in enumerate(states):
        for issue, positions in state.items():
            for actor, value in positions.items():
                out[index, actor_rows[_id(actor)], names[_id(issue)]] = value
    return out


def _id(name: str) -> str:
    from jirga.scenario.decide_csv import identifier

    return identifier(name)


def time_model(model: ExchangeModel, problem: Problem, repeats: int) -> tuple[float, float, object]:
    """Best wall-clock and best CPU seconds of ``repeats`` runs, and the last trajectory."""
    best, best_cpu, trajectory = float("inf"), float("inf"), None
    for _ in range(repeats):
        start, start_cpu = time.perf_counter(), time.process_time()
        trajectory = model.forecast(problem, np.random.default_rng(0))
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
    return best, best_cpu, trajectory


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", nargs="+", default=list(DEFAULT_SETS), help="copenhagen, cop21, sample_data or AxI (synthetic)")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3, help="jirga float timings per set (best counts)")
    parser.add_argument("--decide-runs", type=int, default=2, help="decide model-only timing runs (best counts)")
    parser.add_argument("--decide-max", type=int, default=125, help="run decide on synthetic sets up to this many actor-issue cells")
    parser.add_argument("--decide-timeout", type=float, default=600.0)
    parser.add_argument("--randomized", type=float, default=0.0, help="decide's p (randomized equal gain); > 0 compares seeded runs")
    parser.add_argument("--decide-seed", type=int, default=1, help="Python random seed of both runs when --randomized > 0")
    args = parser.parse_args()
    console = Console(width=210)
    load_before = os.getloadavg()[0]
    variant = f"randomized equal gain p = {args.randomized:g}, seed {args.decide_seed}" if args.randomized > 0 else "equal gain"
    table = Table(title=f"Exchange model, {variant}, {args.rounds} rounds: decide 2022.1.28 vs jirga (model-only seconds)", title_justify="left")
    columns = (
        "data set", "actors x issues", "exchanges", "decide s", "jirga float s", "jirga float cpu s", "speed-up",
        "float max |Δ|", "jirga decimal s", "decimal = decide", "peak MB",
    )
    for column in columns:
        table.add_column(column, justify="left" if column == "data set" else "right")
    start = time.perf_counter()
    ExchangeModel(rounds=1).forecast(Problem.from_scenario(synthetic(4, 2)), np.random.default_rng(0))
    kernel_seconds = time.perf_counter() - start
    for name in args.sets:
        scenario, path = load(name)
        problem = Problem.from_scenario(scenario)
        cells = problem.n_actors * problem.n_issues
        synthetic_set = "x" in name
        decide = None
        if not synthetic_set or cells <= args.decide_max:
            decide = run_decide(path, args.rounds, args.decide_runs, args.decide_timeout, args.randomized, args.decide_seed)
        decided = decide is not None and "rounds_data" in decide
        decisions = decide["tie_flips_used"] if decided else ""
        if args.randomized > 0:
            # decide's ties and randomized gains draw from one seeded stream: replay neither, draw both.
            replay: dict[str, object] = dict(rounds=args.rounds, randomized=args.randomized, decide_seed=args.decide_seed)
        else:
            replay = dict(rounds=args.rounds, ties="replay", tie_decisions=decisions)
        repeats = 1 if cells > SINGLE_RUN_CELLS else args.repeats
        fast_seconds, fast_cpu, fast = time_model(ExchangeModel(**replay), problem, repeats)
        exchanges = len(fast.diagnostics["exchanges"]["round"])
        row = [name, f"{problem.n_actors} x {problem.n_issues}"]
        if decided:
            reference = decide_positions(decide, problem)
            decide_seconds = decide.get("model_seconds_best", decide["model_seconds"])
            exact_seconds, _, exact = time_model(ExchangeModel(arithmetic="decimal", **replay), problem, 1)
            exact_gap = float(np.nanmax(np.abs(exact.positions[1:] - reference)))
            assert exact_gap <= 1e-9, f"{name}: decimal arithmetic departs from decide by {exact_gap}"
            fast_gap = float(np.nanmax(np.abs(fast.positions[1:] - reference)))
            row += [
                f"{sum(decide['exchanges_per_round'])}",
                f"{decide_seconds:.3f}",
                f"{fast_seconds:.3f}",
                f"{fast_cpu:.3f}",
                f"{decide_seconds / fast_seconds:.1f}x",
                f"{fast_gap:.2g}",
                f"{exact_seconds:.3f}",
                f"yes ({exact_gap:.0e})",
            ]
        else:
            note = "timed out" if decide and decide.get("timeout") else "not run"
            row += [str(exchanges), note, f"{fast_seconds:.3f}", f"{fast_cpu:.3f}", "", "", "", ""]
        row.append(f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f}")
        table.add_row(*row)
        console.print(" | ".join(row), style="dim")
    console.print(table)
    console.print(
        f"[dim]decide: {REFERENCE} ({'found' if REFERENCE.exists() else 'missing: jirga only'}); cpu count {os.cpu_count()}, "
        f"load average {load_before:.1f} before, {os.getloadavg()[0]:.1f} after; seconds are wall-clock (decide's model-only "
        f"timer), cpu s is jirga's process time; loading (or compiling) jirga's kernel took {kernel_seconds:.1f} s[/dim]"
    )


if __name__ == "__main__":
    main()

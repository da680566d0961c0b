"""KTAB's Spatial Model of Politics: jirga's port against KTAB's own ``smpc``, side by side.

For each input: jirga's seconds per run (best of ``--repeats``, wall clock, reading the CSV not
included), its peak memory (NumPy and Python allocations, ``tracemalloc``), the number of turns,
and, where ``smpc`` is built (``../shared/tools/build-ktab.sh``), smpc's seconds on the same file
in the same run (``../shared/tools/run-ktab-smp.sh``, one run; it reports the smpc process's wall
time), the ratio, and whether smpc's positions at every turn equal jirga's (to 1e-9).

Inputs: KTAB's eight examples (``tests/data/ktab/inputs``) and synthetic one-dimensional
scenarios of 50, 100, 200 and 500 actors made like KTAB's dummyData files (capabilities in
[1, 2], positions and saliences in [10, 90] on KTAB's 0-100 scale, two decimals; seed 0). smpc
refuses more than 250 actors, and its time grows about 12-17x per doubling of actors, so by
default it runs only on files of at most 80 actors (``--ktab-max-actors``; dummyData-a160 takes
smpc about 10 minutes, 200 actors about half an hour). A last row times a Monte Carlo batch:
``--batch`` copies of SOE-Competitive with capabilities perturbed by ±10% in one batched call.

    .venv/bin/python benchmarks/smp.py
    .venv/bin/python benchmarks/smp.py --ktab-max-actors 160    # also smpc on dummyData-a160
    .venv/bin/python benchmarks/smp.py --no-ktab --sizes 50 100 # jirga only
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jirga.models import Problem
from jirga.models.smp import SpatialModel
from jirga.scenario import read_scenario

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "tests" / "data" / "ktab" / "inputs"
RUNNER = ROOT.parent / "shared" / "tools" / "run-ktab-smp.sh"
SMPC = Path(os.environ.get("KTAB_PREFIX", "/tmp/ktab")) / "bin" / "smpc"
ORDER = (
    "dummyData_3Dim",
    "SOE-Pol-Comp",
    "SOE-Policy",
    "dummyData_6Dim",
    "SOE-Competitive",
    "dummyData-a040",
    "dummyData-a080",
    "dummyData-a160",
)


@dataclass
class Row:
    name: str
    actors: int
    dims: int
    turns: int
    seconds: float
    peak_mb: float
    ktab_seconds: float | None = None
    identical: bool | None = None
    note: str = ""


def synthetic_csv(n_actors: int, seed: int = 0) -> str:
    """A KTAB CSV of ``n_actors`` on one dimension, in the style of KTAB's dummyData files."""
    rng = np.random.default_rng(seed)
    lines = [f"XYZ,Synthetic {n_actors} actors,{n_actors},1", "Actor,Description,Influence,XYZ Position,XYZ Salience"]
    for index in range(n_actors):
        capability, position, salience = rng.uniform(1, 2), rng.uniform(10, 90), rng.uniform(10, 90)
        lines.append(f"Act-{1001 + index},Desc-{1001 + index},{capability:.2f},{position:.2f},{salience:.2f}")
    return "\n".join(lines) + "\n"


def time_jirga(problem: Problem, repeats: int) -> tuple[float, float, np.ndarray]:
    model = SpatialModel()
    best = float("inf")
    trajectory = None
    for _ in range(repeats):
        start = time.perf_counter()
        trajectory = model.forecast(problem, np.random.default_rng(0))
        best = min(best, time.perf_counter() - start)
    tracemalloc.start()
    model.forecast(problem, np.random.default_rng(0))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert trajectory is not None
    return best, peak / 2**20, trajectory.positions


def run_ktab(path: Path, ours: np.ndarray, problem: Problem) -> tuple[float, bool]:
    """smpc's wall seconds on ``path`` and whether its positions equal ``ours`` at every turn."""
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "positions.csv"
        result = subprocess.run(
            ["bash", str(RUNNER), "--short", "--out", str(out), str(path)], capture_output=True, text=True, check=True
        )
        fields = dict(item.split("=", 1) for item in result.stderr.split() if "=" in item)
        theirs = np.full((int(fields["states"]), problem.n_actors, problem.n_issues), np.nan)
        actor_row = {name: row for row, name in enumerate(problem.actors)}
        with out.open(newline="") as stream:
            rows = list(csv.DictReader(stream))
        dims: dict[str, int] = {}
        for row in rows:
            column = dims.setdefault(row["dim"], len(dims))
            theirs[int(row["turn"]), actor_row[row["actor"]], column] = float(row["position"])
    identical = theirs.shape == ours.shape and bool(np.allclose(theirs, ours, rtol=0, atol=1e-9))
    return float(fields["elapsed_seconds"]), identical


def batch_row(repeats: int, size: int) -> Row:
    problem = Problem.from_scenario(read_scenario(EXAMPLES / "SOE-Competitive.csv"))
    rng = np.random.default_rng(0)
    factors = rng.uniform(0.9, 1.1, (size, problem.n_actors, 1))
    batch = problem.with_values(capability=problem.capability * factors)
    seconds, peak, positions = time_jirga(batch, repeats)
    return Row(f"SOE-Competitive x{size} (batch)", problem.n_actors, problem.n_issues, positions.shape[-3] - 1, seconds, peak,
               note=f"{seconds / size * 1000:.1f} ms per run")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", nargs="*", type=int, default=[50, 100, 200, 500], help="synthetic scenarios (actors)")
    parser.add_argument("--repeats", type=int, default=3, help="jirga runs per input (best is reported)")
    parser.add_argument("--ktab-max-actors", type=int, default=80, help="run smpc only on inputs this small")
    parser.add_argument("--no-ktab", action="store_true", help="do not run smpc even where it is built")
    parser.add_argument("--batch", type=int, default=100, help="Monte Carlo batch size (0: skip)")
    arguments = parser.parse_args()
    use_ktab = not arguments.no_ktab and SMPC.exists() and RUNNER.exists()

    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as folder:
        inputs = [(name, EXAMPLES / f"{name}.csv") for name in ORDER]
        for size in arguments.sizes:
            path = Path(folder) / f"synthetic-{size}.csv"
            path.write_text(synthetic_csv(size))
            inputs.append((f"synthetic-{size}", path))
        for name, path in inputs:
            problem = Problem.from_scenario(read_scenario(path))
            repeats = arguments.repeats if problem.n_actors <= 200 else 1
            seconds, peak, positions = time_jirga(problem, repeats)
            row = Row(name, problem.n_actors, problem.n_issues, positions.shape[0] - 1, seconds, peak)
            if use_ktab and problem.n_actors <= min(arguments.ktab_max_actors, 250):
                row.ktab_seconds, row.identical = run_ktab(path, positions, problem)
            elif use_ktab:
                row.note = "smpc not run (--ktab-max-actors)" if problem.n_actors <= 250 else "smpc refuses > 250 actors"
            rows.append(row)
            smpc = f", smpc {row.ktab_seconds:.2f} s, same positions: {row.identical}" if row.ktab_seconds else ""
            print(f"  {name}: {row.turns} turns, {seconds:.3f} s, peak {peak:.1f} MB{smpc}", flush=True)
    if arguments.batch:
        rows.append(batch_row(max(1, arguments.repeats - 1), arguments.batch))

    print()
    print(f"smpc: {SMPC if use_ktab else 'not run'}; load average before the table: {os.getloadavg()[0]:.2f}")
    header = ("input", "actors", "dims", "turns", "jirga s", "peak MB", "smpc s", "smpc/jirga", "same positions", "note")
    table = [header]
    for row in rows:
        ratio = f"{row.ktab_seconds / row.seconds:.0f}x" if row.ktab_seconds else ""
        table.append(
            (
                row.name,
                str(row.actors),
                str(row.dims),
                str(row.turns),
                f"{row.seconds:.3f}",
                f"{row.peak_mb:.1f}",
                f"{row.ktab_seconds:.2f}" if row.ktab_seconds else "",
                ratio,
                "" if row.identical is None else ("yes" if row.identical else "NO"),
                row.note,
            )
        )
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for index, line in enumerate(table):
        print("  ".join(cell.ljust(width) if column in (0, 9) else cell.rjust(width) for column, (cell, width) in enumerate(zip(line, widths))))
        if index == 0:
            print("  ".join("-" * width for width in widths))


if __name__ == "__main__":
    main()

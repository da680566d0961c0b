"""Speed and memory of the expected utility model (jirga.models.eum) against a plain-Python loop.

Times a full run (10 rounds, one issue) on random scenarios (fixed seed) of 10 to 500 actors,
reports seconds per run and peak memory (tracemalloc), and runs beside it a plain-Python
version of the same algorithm that loops over actor pairs and third parties, written for
this benchmark only. Both give the same positions (asserted to 1e-9); the table shows the ratio.

    .venv/bin/python benchmarks/eum.py [--loop-up-to 50] [--sizes 10 50 100 200 500]
"""

from __future__ import annotations

import argparse
import time
import tracemalloc

import numpy as np

from jirga.models.base import Problem
from jirga.models.eum import TIE, ExpectedUtility

ROUNDS = 10


def random_problem(n_actors: int, seed: int = 2026, batch: tuple[int, ...] = ()) -> Problem:
    """Positions uniform on 0-100, capability and salience uniform on [0.1, 1]."""
    rng = np.random.default_rng(seed)
    shape = (*batch, n_actors, 1)
    return Problem(
        actors=tuple(f"actor{index}" for index in range(n_actors)),
        issues=("issue",),
        capability=rng.uniform(0.1, 1.0, shape),
        position=rng.uniform(0.0, 100.0, shape),
        salience=rng.uniform(0.1, 1.0, shape),
        lower=np.array([0.0]),
        upper=np.array([100.0]),
        present=np.ones((n_actors, 1), dtype=bool),
    )


def loop_model(position: list[float], capability: list[float], salience: list[float], variant: str, rounds: int) -> list[list[float]]:
    """The EUM with the default parameters (Q = 1, initial position range), one pair at a time.

    The same steps and rules as jirga.models.eum, in loops: O(n³) per round (the all-pairs
    denominator once per pass, each pair's support over the n voters).
    """
    n = len(position)
    x = list(position)
    active = [value > 0 for value in capability]
    members = [k for k in range(n) if active[k]]
    weight = [capability[k] * salience[k] if active[k] else 0.0 for k in range(n)]
    span = (max(x[k] for k in members) - min(x[k] for k in members)) if members else 0.0
    span = span if span > 0 else 1.0
    history = [list(x)]

    def distance(a: int, b: int) -> float:
        return abs(x[a] - x[b]) / span

    def probabilities(exponent: list[float]) -> dict[tuple[int, int], float]:
        support = {
            (i, j): sum(max(0.0, weight[k] * (distance(k, j) ** exponent[k] - distance(k, i) ** exponent[k])) for k in members)
            for i in members
            for j in members
        }
        if variant == "scholz":
            total = sum(
                weight[k] * abs(distance(k, b) ** exponent[k] - distance(k, a) ** exponent[k])
                for k in members
                for a in members
                for b in members
            )
            return {pair: value / total if total > 0 else 0.0 for pair, value in support.items()}
        result = {}
        for i, j in support:
            contest = support[i, j] + support[j, i]
            result[i, j] = 0.0 if x[i] == x[j] else (support[i, j] / contest if contest > 0 else 0.5)
        return result

    def expected(challenger: int, target: int, exponent: float, success: dict[tuple[int, int], float]) -> float:
        d = distance(challenger, target)
        u_success = 2 - 4 * (0.5 - 0.5 * d) ** exponent
        u_failure = 2 - 4 * (0.5 + 0.5 * d) ** exponent
        u_status_quo = 2 - 4 * 0.5**exponent
        p = success[challenger, target]
        s = salience[target]
        return s * (p * u_success + (1 - p) * u_failure) + (1 - s) * u_success - u_status_quo

    for _ in range(rounds):
        neutral = [1.0] * n
        success = probabilities(neutral)
        exposure = {i: sum(expected(j, i, 1.0, success) for j in members if j != i) for i in members}
        exponent = [1.0] * n
        if members:
            most, least = max(exposure.values()), min(exposure.values())
            spread = most - least
            distinct = spread > TIE * (1 + max(abs(value) for value in exposure.values()))
            for i in members:
                risk = min(1.0, max(-1.0, (2 * exposure[i] - most - least) / spread)) if distinct else 0.0
                exponent[i] = (1 - risk / 3) / (1 + risk / 3)
        if variant == "scholz":
            success = probabilities(exponent)
        new_x = list(x)
        for i in members:
            offers = []  # (priority, key, target)
            for j in members:
                if j == i or x[i] == x[j]:
                    continue
                own = expected(i, j, exponent[i], success)
                other = expected(j, i, exponent[i], success)
                if other <= TIE:
                    continue
                if other > own + TIE and own > TIE:
                    kind, target = 1, x[j]
                elif own < -TIE and other > -own + TIE:
                    kind, target = 2, x[i] + (x[j] - x[i]) * abs(own) / abs(other)
                elif own < -TIE and other < -own - TIE:
                    kind, target = 3, x[j]
                else:
                    continue
                if variant == "scholz":
                    key = (abs(own) * x[i] + abs(other) * x[j]) / (abs(own) + abs(other)) if kind == 2 else abs(target - x[i])
                    offers.append((float(kind), key, target))
                else:
                    offers.append((0.0, abs(target - x[i]), target))
            for field in range(3):
                if offers:
                    lowest = min(offer[field] for offer in offers)
                    offers = [offer for offer in offers if offer[field] <= lowest + TIE * (1 + abs(lowest))]
            if offers:
                new_x[i] = offers[0][2]
        moved = max(abs(a - b) for a, b in zip(new_x, x))
        x = new_x
        history.append(list(x))
        if moved <= 0:
            break
    return history


def seconds_per_run(call, repeats: int = 1) -> tuple[float, float]:
    """The best CPU time and the best wall time of ``repeats`` calls (CPU time is what a run
    costs when other processes share the machine; on an idle machine the two agree)."""
    cpu = wall = float("inf")
    for _ in range(repeats):
        start_cpu, start_wall = time.process_time(), time.perf_counter()
        call()
        cpu, wall = min(cpu, time.process_time() - start_cpu), min(wall, time.perf_counter() - start_wall)
    return cpu, wall


def peak_megabytes(call) -> float:
    tracemalloc.start()
    try:
        call()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 50, 100, 200, 500])
    parser.add_argument("--loop-up-to", type=int, default=50, help="largest size to run the loop version on")
    parser.add_argument("--batch", type=int, default=1000, help="items in the batched run of 10 actors")
    arguments = parser.parse_args()
    rng = np.random.default_rng(0)

    print(f"EUM, one issue, {ROUNDS} rounds, random actors (seed 2026); seconds per run: best CPU time (wall time)")
    print(f"{'actors':>7} {'variant':>8} {'numpy s/run':>20} {'peak MB':>8} {'loop s/run':>20} {'loop/numpy':>11}")
    for n_actors in arguments.sizes:
        problem = random_problem(n_actors)
        for variant in ("scholz", "printed"):
            model = ExpectedUtility(variant=variant, rounds=ROUNDS)
            run = model.forecast(problem, rng)
            repeats = 20 if n_actors <= 50 else 10 if n_actors <= 100 else 5 if n_actors <= 200 else 3
            vectorised = seconds_per_run(lambda: model.forecast(problem, rng), repeats)
            memory = peak_megabytes(lambda: model.forecast(problem, rng))
            loop_cell = ratio_cell = "-"
            if n_actors <= arguments.loop_up_to:
                arrays = [problem.position[:, 0].tolist(), problem.capability[:, 0].tolist(), problem.salience[:, 0].tolist()]
                history: list[list[float]] = []
                loop = seconds_per_run(lambda: history.append(loop_model(*arrays, variant, ROUNDS)))
                np.testing.assert_allclose(np.array(history[0]), run.positions[: len(history[0]), :, 0], rtol=0, atol=1e-9)
                assert len(history[0]) - 1 == run.rounds[0]
                loop_cell, ratio_cell = _seconds(loop), f"{loop[0] / vectorised[0]:.0f}x"
            print(f"{n_actors:>7} {variant:>8} {_seconds(vectorised):>20} {memory:>8.2f} {loop_cell:>20} {ratio_cell:>11}")

    batch = random_problem(10, batch=(arguments.batch,))
    model = ExpectedUtility(rounds=ROUNDS)
    batched, _ = seconds_per_run(lambda: model.forecast(batch, rng), 3)
    single = random_problem(10)
    one, _ = seconds_per_run(lambda: model.forecast(single, rng), 20)
    print(
        f"batch of {arguments.batch} random 10-actor scenarios (scholz): {batched:.3f} s CPU in one call, "
        f"{batched / arguments.batch * 1e3:.3f} ms each (one at a time: {one * 1e3:.2f} ms); "
        f"peak {peak_megabytes(lambda: model.forecast(batch, rng)):.1f} MB"
    )


def _seconds(times: tuple[float, float]) -> str:
    return f"{times[0]:.4f} ({times[1]:.4f})"


if __name__ == "__main__":
    main()

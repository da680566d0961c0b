"""Problem arrays from a scenario, one-issue views and the per-issue stitching of trajectories."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from jirga.models.base import Problem, per_issue
from jirga.scenario.native import parse_yaml

TINY = (Path(__file__).parent / "data" / "tiny.yaml").read_text(encoding="utf-8")

# a second issue on which only A and C take part, C with an issue-specific capability
TWO_ISSUES = TINY.replace(
    "issues:\n",
    "issues:\n  - id: aid\n    name: Aid\n    lower: 4\n    upper: 10\n",
) + """  - actor: A
    issue: aid
    position: 4
    salience: 0.25
  - actor: C
    issue: aid
    position: 10
    salience: 1
    capability: 3
"""


def test_from_scenario_lays_out_actors_by_issues():
    problem = Problem.from_scenario(parse_yaml(TWO_ISSUES))
    assert problem.actors == ("A", "B", "C") and problem.issues == ("aid", "war")
    np.testing.assert_array_equal(problem.present, [[True, True], [False, True], [True, True]])
    np.testing.assert_array_equal(problem.capability, [[2, 2], [0, 1], [3, 1]])
    np.testing.assert_array_equal(problem.position, [[4, 20], [7, 60], [10, 100]])  # B absent: midpoint 7
    np.testing.assert_array_equal(problem.salience, [[0.25, 0.5], [0, 1], [1, 1]])
    np.testing.assert_array_equal(problem.lower, [4, 0])
    aid = problem.issue(0)
    assert aid.actors == ("A", "C")
    np.testing.assert_array_equal(aid.position, [[4], [10]])


def test_per_issue_pads_short_runs_and_keeps_absent_cells():
    problem = Problem.from_scenario(parse_yaml(TWO_ISSUES))

    def halve_distance_to_mean(sub: Problem, rng: np.random.Generator):
        # a toy kernel: each round everybody moves halfway to the plain mean; issue 'aid' runs 1 round, 'war' 2
        n_rounds = 1 if sub.issues == ("aid",) else 2
        rounds = [sub.position]
        for _ in range(n_rounds):
            current = rounds[-1]
            rounds.append(current + (current.mean(axis=-2, keepdims=True) - current) / 2)
        positions = np.stack(rounds, axis=-3)
        return positions, positions[..., -1, :, 0].mean(axis=-1), n_rounds, {"kernel": "toy"}

    trajectory = per_issue("toy", problem, halve_distance_to_mean, np.random.default_rng(0))
    assert trajectory.positions.shape == (3, 3, 2)
    np.testing.assert_array_equal(trajectory.rounds, [1, 2])
    # aid: A 4 -> 5.5 (mean 7), C 10 -> 8.5; padded: round 2 repeats round 1; B stays at its placeholder
    np.testing.assert_allclose(trajectory.positions[:, :, 0], [[4, 7, 10], [5.5, 7, 8.5], [5.5, 7, 8.5]])
    # war: mean 60; round 1: 40, 60, 80; round 2: 50, 60, 70
    np.testing.assert_allclose(trajectory.positions[:, :, 1], [[20, 60, 100], [40, 60, 80], [50, 60, 70]])
    np.testing.assert_allclose(trajectory.forecast, [7, 60])
    assert trajectory.diagnostics == {"aid": {"kernel": "toy"}, "war": {"kernel": "toy"}}

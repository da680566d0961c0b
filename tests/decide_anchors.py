"""decide-exchange-model's outputs in tests/data/decide/outputs, read for the exchange tests.

Actor and issue names are turned into jirga ids (:func:`jirga.scenario.decide_csv.identifier`).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from jirga.models.base import Problem, Trajectory
from jirga.models.exchange import ExchangeModel
from jirga.scenario import read_scenario
from jirga.scenario.decide_csv import identifier

DATA = Path(__file__).parent / "data" / "decide"
INPUTS = {"copenhagen": "copenhagen.csv", "sample_data": "sample_data.txt", "cop21": "cop21.csv"}
DECIDE_TIE_FLIPS = {
    # decide_reference.py's ANCHOR_TIE_FLIPS: the draws behind outputs/ (shared/tools).
    "copenhagen": "00100001010000010111101011110000001100011011100",
    "sample_data": "00110111110000111",
    "cop21": "1000011000111100110010110101101100010",
}
ROUNDS = 10


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        return list(csv.reader(stream, delimiter=";"))


def _issue_name(cell: str) -> str:
    """'Extra [0 - 100]' -> 'Extra'."""
    return cell.rsplit(" [", 1)[0]


def exchanges(name: str) -> dict[int, list[dict[str, object]]]:
    """Every exchange decide lists per round: both sides' actor id, supply issue, start, move, y, and the gain."""
    folder = DATA / "outputs" / name / "exchanges"
    table: dict[int, list[dict[str, object]]] = {}
    for round_number in range(1, ROUNDS + 1):
        path = folder / f"round.{round_number}.equal-0.00.csv"
        rows = _rows(path)[1:] if path.exists() else []
        table[round_number] = [
            {
                "actor_i": identifier(row[0]),
                "supply_i": identifier(_issue_name(row[1])),
                "x_i": float(row[6]),
                "move_i": float(row[7]),
                "y_i": float(row[8]),
                "gain": float(row[16]),
                "actor_j": identifier(row[22]),
                "supply_j": identifier(_issue_name(row[23])),
                "x_j": float(row[28]),
                "move_j": float(row[29]),
                "y_j": float(row[30]),
            }
            for row in rows
        ]
    return table


PREFERENCE = "Preference development MDS and all actors"
VOTING = "Voting development MDS and all actors"


def issue_tables(name: str) -> dict[str, dict[str, dict[str, list[float]]]]:
    """Per issue id, decide's PREFERENCE and VOTING tables: row ('MDS' or actor id) -> rounds 0..9.

    Preference = positions at the start of each round; voting = after the round's exchanges.
    """
    tables: dict[str, dict[str, dict[str, list[float]]]] = {}
    for path in sorted((DATA / "outputs" / name / "issues").glob("*.csv")):
        issue = identifier(_issue_name(path.name.rsplit(".equal", 1)[0]))
        sections: dict[str, dict[str, list[float]]] = {}
        current: dict[str, list[float]] | None = None
        for row in _rows(path):
            if len(row) == 1:
                current = sections.setdefault(row[0], {}) if row[0] in (PREFERENCE, VOTING) else None
            elif current is not None and len(row) > 3 and row[0] not in ("actor", "Actor"):
                current[row[0] if row[0] == "MDS" else identifier(row[0])] = [float(cell) for cell in row[3:]]
        tables[issue] = sections
    return tables


def externality_totals(name: str) -> dict[int, dict[str, list[float]]]:
    """Per round, per actor id: decide's totals [inner +, inner -, outer +, outer -, own]."""
    folder = DATA / "outputs" / name / "externalities"
    totals: dict[int, dict[str, list[float]]] = {}
    for round_number in range(1, ROUNDS + 1):
        path = folder / f"externalities.{round_number}.csv"
        rows = _rows(path) if path.exists() else []
        block: dict[str, list[float]] = {}
        for row in rows[1:]:
            if not row:
                break
            block[identifier(row[0])] = [float(cell) for cell in row[1:6]]
        totals[round_number] = block
    return totals


def problem(name: str) -> Problem:
    return Problem.from_scenario(read_scenario(DATA / INPUTS[name]))


def run(name: str, arithmetic: str = "decimal") -> Trajectory:
    """jirga's exchange model on ``name`` with decide's tie decisions, as the anchors were made."""
    model = ExchangeModel(rounds=ROUNDS, ties="replay", tie_decisions=DECIDE_TIE_FLIPS[name], arithmetic=arithmetic)
    return model.forecast(problem(name), np.random.default_rng(0))

"""Scenarios as of a date and the hindcast, on a small scenario worked by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from jirga.analysis.hindcast import STATUS_QUO, UNWEIGHTED_MEAN, evidence_dates, hindcast
from jirga.errors import JirgaError
from jirga.scenario.native import parse_yaml
from jirga.scenario.outcomes import read_outcomes

DATA = Path(__file__).parent / "data"

# Two sources. B's position moves from 80 (2019, its own stance date) to 60 (2020-06-01);
# C's only stance is undated but its evidence quotes doc2, so it is known from doc2's date.
SCENARIO = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace(
    "    date: 2020-01-01\n",
    "    date: 2019-01-01\n  - id: doc2\n    date: 2020-06-01\n",
).replace(
    "  - actor: B\n    issue: war\n    position: 60\n",
    "  - actor: B\n    issue: war\n    date: 2019-01-01\n    position: 80\n    salience: 1\n"
    "  - actor: B\n    issue: war\n    date: 2020-06-01\n    position: 60\n",
).replace(
    "  - actor: C\n    issue: war\n    position: 100\n",
    "  - actor: C\n    issue: war\n    position:\n      value: 100\n      evidence:\n"
    "        - {document: doc2, quote: war, rationale: says so}\n",
).replace("    name: War\n", "    name: War\n    status_quo: 50\n")


def test_as_of_uses_only_what_was_known():
    scenario = parse_yaml(SCENARIO)
    assert evidence_dates(scenario) == (dt.date(2019, 1, 1), dt.date(2020, 6, 1))
    early = {stance.actor: stance.position.value for stance in scenario.current_stances(dt.date(2019, 6, 1))}
    assert early == {"A": 20, "B": 80}
    late = {stance.actor: stance.position.value for stance in scenario.current_stances()}
    assert late == {"A": 20, "B": 60, "C": 100}


def test_hindcast_by_hand(tmp_path):
    scenario = parse_yaml(SCENARIO)
    outcomes = read_outcomes(DATA / "tiny-outcomes.yaml", scenario)
    result = hindcast(scenario, outcomes, ["compromise", "median"])
    first, last = result.dates
    # 2019: A (w = 2 * 0.5 = 1) at 20, B (w = 1) at 80 -> mean 50, error 50;
    # median: cumulative 1 of 2 at 20 is exactly half -> midpoint 50, error 50
    assert result.score("compromise", "war", first).forecast == pytest.approx(50)
    assert result.score("median", "war", first).error == pytest.approx(50)
    assert result.score(UNWEIGHTED_MEAN, "war", first).forecast == pytest.approx(50)
    # 2020-06: A 20, B 60, C 100, weights 1, 1, 1 -> mean 60 (error 40), median 60
    assert result.score("compromise", "war", last).error == pytest.approx(40)
    assert result.score("median", "war", last).forecast == pytest.approx(60)
    assert result.score(STATUS_QUO, "war", last).error == pytest.approx(50)
    assert result.trend("compromise", "war") == "toward"
    assert result.trend(STATUS_QUO, "war") == "flat"
    assert result.mean_error("median") == pytest.approx(40)


def test_outcomes_are_checked(tmp_path):
    scenario = parse_yaml(SCENARIO)
    bad = tmp_path / "outcomes.yaml"
    bad.write_text((DATA / "tiny-outcomes.yaml").read_text().replace("value: 100", "value: 140"), encoding="utf-8")
    with pytest.raises(JirgaError) as caught:
        read_outcomes(bad, scenario)
    assert str(caught.value) == f"{bad}:4: outcomes[0].value: 140 lies outside the scale of 'war'"
    bad.write_text((DATA / "tiny-outcomes.yaml").read_text().replace("issue: war", "issue: peace"), encoding="utf-8")
    with pytest.raises(JirgaError, match="outcomes\\[0\\].issue: unknown issue 'peace'"):
        read_outcomes(bad, scenario)


def test_the_embedded_outcomes_fit_the_embedded_scenario():
    from jirga.scenario import load_scenario

    scenario = load_scenario()
    outcomes = read_outcomes(None, scenario)
    assert {outcome.issue for outcome in outcomes.outcomes} == {issue.id for issue in scenario.issues}
    assert all(outcome.date <= dt.date(2021, 9, 30) for outcome in outcomes.outcomes)
    result = hindcast(scenario, outcomes, ["median"])
    assert result.dates == evidence_dates(scenario) and len(result.dates) == 5

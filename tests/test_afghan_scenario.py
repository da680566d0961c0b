"""The embedded Afghan peace process scenario: its structure, its evidence and its dated stances.

The structural tests run everywhere. The tests marked ``seeds`` read the five source articles
from ``../shared/seeds`` (relative to the repository root) and skip when that folder is absent.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest

from jirga.scenario import Scenario, Value, default_scenario_path, load_scenario
from jirga.scenario.checks import check_evidence, normalise_text, numbers

SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
needs_seeds = pytest.mark.skipif(not SEEDS.is_dir(), reason=f"the seed articles are not at {SEEDS}")

REQUIRED_ACTORS = {"USA", "TAL", "AFG", "PAK_GOV", "PAK_MIL", "RUS", "CHN", "IRN", "IND", "QAT", "UAE"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return load_scenario()


def seed_text(document_id: str) -> str | None:
    path = SEEDS / f"{document_id}.txt"
    return path.read_text(encoding="utf-8") if path.is_file() else None


def test_the_default_scenario_is_the_afghan_file(scenario: Scenario) -> None:
    assert default_scenario_path().name == "afghanistan.yaml"
    assert scenario == load_scenario(default_scenario_path())


def test_size_and_required_actors(scenario: Scenario) -> None:
    ids = {actor.id for actor in scenario.actors}
    assert REQUIRED_ACTORS <= ids
    assert len(scenario.actors) >= 10
    assert len(scenario.issues) >= 5
    assert len(scenario.sources) == 5


def test_every_actor_has_aliases_and_no_alias_is_shared(scenario: Scenario) -> None:
    owners: dict[str, set[str]] = {}
    for actor in scenario.actors:
        assert actor.aliases, f"{actor.id} has no aliases"
        for alias in actor.aliases:
            owners.setdefault(alias.casefold(), set()).add(actor.id)
    shared = {alias: ids for alias, ids in owners.items() if len(ids) > 1}
    assert not shared, f"aliases claimed by several actors: {shared}"


def test_every_issue_labels_both_ends_and_the_middle(scenario: Scenario) -> None:
    for issue in scenario.issues:
        labelled = {anchor.value for anchor in issue.anchors}
        middle = (issue.lower + issue.upper) / 2
        assert {issue.lower, middle, issue.upper} <= labelled, issue.id
        assert (issue.lower, issue.upper) == (0, 100), issue.id
        assert issue.status_quo is not None and issue.lower <= issue.status_quo <= issue.upper, issue.id


def test_every_number_has_evidence_and_an_interval(scenario: Scenario) -> None:
    assert check_evidence(scenario) == []
    for loc, value in numbers(scenario):
        assert value.evidence, loc
        assert value.interval is not None, f"{loc}: no uncertainty interval"


def _judgement_only(value: Value) -> bool:
    return all(item.judgement for item in value.evidence)


def test_judgements_carry_wide_intervals(scenario: Scenario) -> None:
    """Analyst judgements are flagged and honestly uncertain: positions span at least 20 points of
    the 0-100 scale, saliences at least 0.3, capabilities at least a factor of two."""
    judged = 0
    for loc, value in numbers(scenario):
        if not _judgement_only(value):
            continue
        judged += 1
        width = value.interval.high - value.interval.low
        if loc[-1] == "position":
            assert width >= 20, loc
        elif loc[-1] == "salience":
            assert width >= 0.3, loc
        else:
            assert value.interval.high >= 2 * value.interval.low, loc
    assert judged > 0


def test_evidence_dates_are_their_documents_dates(scenario: Scenario) -> None:
    source_dates = {source.id: source.date for source in scenario.sources}
    assert all(source_dates.values())
    for loc, value in numbers(scenario):
        for item in value.evidence:
            assert item.date == source_dates[item.document], loc


def test_each_stance_is_dated_by_the_article_it_comes_from(scenario: Scenario) -> None:
    """A stance's date is its article's date, so as of that date nothing later is used."""
    source_dates = {source.id: source.date for source in scenario.sources}
    for index, stance in enumerate(scenario.stances):
        assert stance.date is not None, index
        documents = {item.document for value in (stance.position, stance.salience) for item in value.evidence}
        assert {source_dates[document] for document in documents} == {stance.date}, (stance.actor, stance.issue)
    assert scenario.as_of == max(source_dates.values())


def test_dated_stances_of_a_pair_have_distinct_dates(scenario: Scenario) -> None:
    counts = Counter((stance.actor, stance.issue, stance.date) for stance in scenario.stances)
    assert [key for key, count in counts.items() if count > 1] == []


def test_capabilities_cite_only_the_early_articles(scenario: Scenario) -> None:
    """Capabilities are undated, so every forecast uses them; they quote only the 2019 articles,
    so that a forecast as of 2019 sees little that was written later."""
    latest_allowed = dt.date(2019, 12, 31)
    for actor in scenario.actors:
        for item in actor.capability.evidence:
            assert item.date <= latest_allowed, actor.id


# Moves the articles report, each backed in the YAML by a quote from the article of that date:
# (actor, issue, earlier date, later date, direction of the move on the issue's scale).
REPORTED_MOVES = [
    # Biden's fixed date of 11 September (Aug 2021) after "condition-based" (Mar 2021).
    ("USA", "withdrawal", dt.date(2021, 3, 8), dt.date(2021, 8, 13), +1),
    # "ardently opposed to negotiating with Kabul" (Apr 2019), then talks under the Feb 2020 agreement.
    ("TAL", "kabul_role", dt.date(2019, 4, 15), dt.date(2020, 7, 15), +1),
    # Pakistan backs Russia's "collective mechanism" (Mar 2021) after brokering the US track (Jan 2019).
    ("PAK_GOV", "talks_format", dt.date(2019, 1, 17), dt.date(2021, 3, 8), +1),
    # Strategic-asset assessment (Apr 2019), then action conditional on a settlement per Rubin (Jul 2020).
    ("PAK_MIL", "sanctuaries", dt.date(2019, 4, 15), dt.date(2020, 7, 15), +1),
]


@pytest.mark.parametrize(("actor", "issue", "before", "after", "direction"), REPORTED_MOVES)
def test_as_of_picks_the_stance_held_then(
    scenario: Scenario, actor: str, issue: str, before: dt.date, after: dt.date, direction: int
) -> None:
    earlier = scenario.stance(actor, issue, as_of=before)
    later = scenario.stance(actor, issue, as_of=after)
    assert earlier is not None and later is not None
    assert (earlier.date, later.date) == (before, after)
    assert direction * (later.position.value - earlier.position.value) > 0


def test_nothing_is_known_before_the_first_article(scenario: Scenario) -> None:
    assert scenario.current_stances(as_of=dt.date(2019, 1, 16)) == ()
    first = scenario.current_stances(as_of=dt.date(2019, 1, 17))
    assert first and all(stance.date == dt.date(2019, 1, 17) for stance in first)


@pytest.mark.seeds
@needs_seeds
def test_every_quote_occurs_verbatim_in_its_seed(scenario: Scenario) -> None:
    for source in scenario.sources:
        assert seed_text(source.id) is not None, f"no seed file for source {source.id}"
    assert check_evidence(scenario, seed_text) == []


@pytest.mark.seeds
@needs_seeds
def test_quote_check_catches_an_altered_quote(scenario: Scenario) -> None:
    """The verbatim check is not vacuous: one changed word in one quote is reported."""
    stance = scenario.stances[0]
    item = stance.position.evidence[0]
    altered = item.model_copy(update={"quote": item.quote.replace("US", "UK", 1)})
    position = stance.position.model_copy(update={"evidence": (altered, *stance.position.evidence[1:])})
    broken = scenario.model_copy(update={"stances": (stance.model_copy(update={"position": position}), *scenario.stances[1:])})
    problems = check_evidence(broken, seed_text)
    assert [loc for loc, _ in problems] == [("stances", 0, "position", "evidence", 0, "quote")]


@pytest.mark.seeds
@needs_seeds
def test_every_actor_is_named_in_the_seeds(scenario: Scenario) -> None:
    corpus = normalise_text(" ".join(seed_text(source.id) or "" for source in scenario.sources)).casefold()
    for actor in scenario.actors:
        named = [alias for alias in (actor.name, *actor.aliases) if normalise_text(alias).casefold() in corpus]
        assert named, f"{actor.id}: neither its name nor an alias occurs in the seed articles"

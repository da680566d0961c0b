"""The scoring script's matching rules, and the extraction's quality on the gold seeds (a regression guard)."""

from __future__ import annotations

from pathlib import Path

import pytest

from jirga.evidence.score import Counts, score, surface_occurrences

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"


def test_longer_surfaces_claim_their_words_first():
    text = "The Afghan Taliban and the Taliban met US-Taliban envoys, not USA."
    found = surface_occurrences(text, ["Taliban", "Afghan Taliban", "US"])
    assert found["Afghan Taliban"] == [(4, 18)]
    assert [text[start:end] for start, end in found["Taliban"]] == ["Taliban", "Taliban"]  # "the Taliban", "US-Taliban"
    assert found["US"] == [(39, 41)]  # in "US-Taliban", not inside "USA"


def test_precision_recall_f1():
    counts = Counts(true_positive_predicted=3, predicted=4, true_positive_gold=3, gold=6)
    assert (counts.precision, counts.recall) == (0.75, 0.5)
    assert counts.f1 == pytest.approx(2 * 0.75 * 0.5 / 1.25)  # 0.6
    assert Counts().f1 == 0.0


@pytest.mark.seeds
@pytest.mark.skipif(not SEEDS.is_dir(), reason="the seed articles (../shared/seeds) are absent")
def test_quality_on_the_gold_seeds_does_not_fall():
    totals = score(SEEDS, ROOT / "tests" / "gold")
    # Figures when this test was written (docs/evidence.md): 0.94, 0.90, 0.73, 0.58.
    assert totals["actor mentions"].f1 >= 0.9
    assert totals["direct quote + speaker"].f1 >= 0.85
    assert totals["indirect quote + speaker"].f1 >= 0.65
    assert totals["events (category + actors)"].f1 >= 0.5

"""Precision, recall and F1 of the extraction against hand-annotated gold files (tests/gold/*.yaml).

Run ``python -m jirga.evidence.score [--seeds DIR] [--gold DIR]``. The annotation guideline is
in tests/gold/README.md. Matching rules:

- actor mentions: a resolved predicted mention is correct when it overlaps a gold mention of
  the same actor; a gold mention is found when a predicted mention of its actor overlaps it.
- quotations: a predicted quote matches a gold one of the same kind when their spans overlap;
  quote+speaker also needs the same actor and, when the gold speaker is named, that name's
  last word in the predicted speaker.
- events: a predicted event matches when its trigger lies in the gold event's context and
  category, source and target agree ("actors only" ignores the category).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from spacy.language import Language

from jirga.evidence.events import Event, find_events
from jirga.evidence.gazetteer import Gazetteer, MentionFinder
from jirga.evidence.ingest import normalise
from jirga.evidence.nlp import load_pipeline
from jirga.evidence.quotes import Quote, find_quotes

REPOSITORY = Path(__file__).resolve().parents[3]


def surface_occurrences(text: str, surfaces: list[str]) -> dict[str, list[tuple[int, int]]]:
    """Whole-word, case-sensitive occurrences of each surface, longest surfaces first; shorter
    ones skip text a longer one already covers ("Taliban" inside "Afghan Taliban")."""
    covered: list[tuple[int, int]] = []
    found: dict[str, list[tuple[int, int]]] = {}
    for surface in sorted(surfaces, key=len, reverse=True):
        spans = []
        for match in re.finditer(rf"(?<!\w){re.escape(surface)}(?!\w)", text):
            if not any(start < match.end() and match.start() < end for start, end in covered):
                spans.append(match.span())
        covered.extend(spans)
        found[surface] = spans
    return found


@dataclass
class Counts:
    true_positive_predicted: int = 0
    predicted: int = 0
    true_positive_gold: int = 0
    gold: int = 0

    def add(self, other: Counts) -> None:
        self.true_positive_predicted += other.true_positive_predicted
        self.predicted += other.predicted
        self.true_positive_gold += other.true_positive_gold
        self.gold += other.gold

    @property
    def precision(self) -> float:
        return self.true_positive_predicted / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positive_gold / self.gold if self.gold else 0.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def _counts(predicted: list[Any], gold: list[Any], match: Callable[[Any, Any], bool]) -> Counts:
    return Counts(
        sum(any(match(item, truth) for truth in gold) for item in predicted), len(predicted),
        sum(any(match(item, truth) for item in predicted) for truth in gold), len(gold),
    )


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _locate(text: str, snippet: str, where: str) -> tuple[int, int]:
    start = text.find(snippet)
    if start < 0:
        raise ValueError(f"{where}: {snippet!r} does not occur in the document")
    return start, start + len(snippet)


def score_document(gold: dict[str, Any], text: str, nlp: Language, finder: MentionFinder) -> dict[str, Counts]:
    """Counts for one annotated document (``gold`` as read from its YAML file)."""
    doc = nlp(text)
    mentions = finder(doc)
    occurrences = surface_occurrences(text, list(gold["mentions"]))
    gold_mentions = []
    for surface, actors in gold["mentions"].items():
        spans = occurrences[surface]
        if len(spans) != len(actors):
            raise ValueError(f"{gold['document']}: {surface!r} occurs {len(spans)} times, annotated {len(actors)}")
        gold_mentions += [(span, actor) for span, actor in zip(spans, actors) if actor]
    predicted_mentions = [((item.start, item.end), item.actor) for item in mentions if item.actor]
    result = {"actor mentions": _counts(predicted_mentions, gold_mentions, lambda p, g: p[1] == g[1] and _overlap(p[0], g[0]))}

    gold_quotes = [(_locate(text, item["begins"], "quote"), item) for item in gold["quotes"]]
    quotes = find_quotes(doc, mentions)

    def same_span(quote: Quote, truth: tuple[tuple[int, int], dict[str, Any]]) -> bool:
        return quote.kind == truth[1]["kind"] and _overlap((quote.start, quote.end), (truth[0][0], truth[0][0] + len(truth[1]["begins"])))

    def same_speaker(quote: Quote, truth: tuple[tuple[int, int], dict[str, Any]]) -> bool:
        speaker = truth[1].get("speaker")
        named = speaker is None or speaker.split()[-1] in (quote.speaker or "")
        return same_span(quote, truth) and quote.actor == truth[1].get("actor") and named

    for kind in ("direct", "indirect"):
        subset = [quote for quote in quotes if quote.kind == kind]
        truths = [truth for truth in gold_quotes if truth[1]["kind"] == kind]
        result[f"{kind} quote spans"] = _counts(subset, truths, same_span)
        result[f"{kind} quote + speaker"] = _counts(subset, truths, same_speaker)

    date = dt.date.fromisoformat(str(gold["date"])) if gold.get("date") else None
    events = find_events(doc, mentions, date)
    gold_events = [(_locate(text, item["context"], "event"), item) for item in gold["events"]]

    def actors_match(event: Event, truth: tuple[tuple[int, int], dict[str, Any]]) -> bool:
        return truth[0][0] <= event.trigger_start < truth[0][1] and (event.source, event.target) == (truth[1]["source"], truth[1]["target"])

    result["events (actors only)"] = _counts(events, gold_events, actors_match)
    result["events (category + actors)"] = _counts(events, gold_events, lambda e, t: actors_match(e, t) and e.category == t[1]["category"])
    return result


def score(seeds: Path, gold_folder: Path) -> dict[str, Counts]:
    nlp = load_pipeline()
    finder = MentionFinder(Gazetteer.default(), nlp)
    totals: dict[str, Counts] = {}
    for path in sorted(gold_folder.glob("*.yaml")):
        gold = YAML(typ="safe").load(path.read_text(encoding="utf-8"))
        text = normalise((seeds / f"{gold['document']}.txt").read_text(encoding="utf-8"))
        for key, counts in score_document(gold, text, nlp, finder).items():
            totals.setdefault(key, Counts()).add(counts)
    return totals


def suggestion_agreement(seeds: Path, embeddings: bool) -> dict[str, float]:
    """How `jirga suggest` on the seeds agrees with the embedded scenario's stances (another reader's).

    Over the (actor, issue) pairs that both have: the share whose scenario position (latest
    dated) lies in the suggested range, and the mean distance from the range's midpoint.
    """
    import tempfile

    from jirga.evidence.commands import linked_rows, suggest_stances
    from jirga.evidence.ingest import ingest, read_metadata
    from jirga.evidence.store import open_store
    from jirga.scenario import default_scenario_path, load_scenario

    scenario = load_scenario()
    with tempfile.TemporaryDirectory() as folder:
        store_path = Path(folder) / "seeds.duckdb"
        ingest([seeds], store_path, metadata=read_metadata(default_scenario_path()))
        with open_store(store_path, read_only=True) as store:
            suggestions = suggest_stances(scenario, linked_rows(store, scenario, embeddings)[0])
    pairs = [(item, scenario.stance(item["actor"], item["issue"])) for item in suggestions]
    with_position = [(item, stance) for item, stance in pairs if item["position"] is not None]
    compared = [(item, stance) for item, stance in with_position if stance is not None]
    inside = [low <= stance.position.value <= high for item, stance in compared for low, high in [item["position"]]]
    distance = [abs((low + high) / 2 - stance.position.value) for item, stance in compared for low, high in [item["position"]]]
    return {
        "pairs suggested": len(suggestions), "with a position": len(with_position), "also in the scenario": len(compared),
        "scenario value in range": sum(inside) / len(inside) if inside else 0.0,
        "mean |midpoint - scenario|": sum(distance) / len(distance) if distance else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=Path, default=REPOSITORY.parent / "shared" / "seeds")
    parser.add_argument("--gold", type=Path, default=REPOSITORY / "tests" / "gold")
    parser.add_argument("--suggest", action="store_true", help="Also compare `jirga suggest` with the embedded scenario.")
    arguments = parser.parse_args()
    totals = score(arguments.seeds, arguments.gold)
    print(f"{'task':30} {'precision':>9} {'recall':>7} {'F1':>6} {'predicted':>9} {'gold':>5}")
    for key, counts in totals.items():
        print(f"{key:30} {counts.precision:9.2f} {counts.recall:7.2f} {counts.f1:6.2f} {counts.predicted:9d} {counts.gold:5d}")
    if arguments.suggest:
        from jirga.evidence.embeddings import load_encoder

        methods = [("keywords", False)] + ([("keywords + embeddings", True)] if load_encoder() is not None else [])
        results = {name: suggestion_agreement(arguments.seeds, embeddings) for name, embeddings in methods}
        print(f"\n{'jirga suggest vs the embedded scenario':38}" + "".join(f"{name:>24}" for name in results))
        for key in next(iter(results.values())):
            print(f"{key:38}" + "".join(f"{values[key]:>24.2f}" if isinstance(values[key], float) else f"{values[key]:>24d}" for values in results.values()))


if __name__ == "__main__":
    main()

"""Checks that span more than one field: ids, ranges on an issue's scale, evidence and quotes.

Each check returns ``(location, message)`` pairs; the location is the pydantic-style path
of the offending field, which the YAML reader turns into a line number.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator

from jirga.scenario.model import Evidence, Scenario, Value

Problem = tuple[tuple[str | int, ...], str]


def check_references(scenario: Scenario) -> list[Problem]:
    """Structural problems that make a scenario unusable: always checked on load."""
    problems: list[Problem] = []
    for collection in ("actors", "issues", "sources"):
        seen: set[str] = set()
        for index, item in enumerate(getattr(scenario, collection)):
            if item.id in seen:
                problems.append(((collection, index, "id"), f"duplicate id {item.id!r}"))
            seen.add(item.id)
    actor_ids = {actor.id for actor in scenario.actors}
    issues = {issue.id: issue for issue in scenario.issues}
    pairs: set[tuple[str, str, object]] = set()
    for index, stance in enumerate(scenario.stances):
        where = ("stances", index)
        if stance.actor not in actor_ids:
            problems.append(((*where, "actor"), f"unknown actor {stance.actor!r}"))
        if stance.issue not in issues:
            problems.append(((*where, "issue"), f"unknown issue {stance.issue!r}"))
            continue
        if (stance.actor, stance.issue, stance.date) in pairs:
            dated = f" dated {stance.date}" if stance.date else ""
            problems.append((where, f"second stance of {stance.actor!r} on {stance.issue!r}{dated}"))
        pairs.add((stance.actor, stance.issue, stance.date))
        issue = issues[stance.issue]
        position = stance.position
        if not issue.lower <= position.value <= issue.upper:
            problems.append(
                ((*where, "position", "value"), f"{position.value:g} lies outside the scale [{issue.lower:g}, {issue.upper:g}] of {issue.id!r}")
            )
        if position.interval is not None and not (issue.lower <= position.interval.low and position.interval.high <= issue.upper):
            problems.append(((*where, "position", "interval"), f"interval leaves the scale [{issue.lower:g}, {issue.upper:g}] of {issue.id!r}"))
        if stance.salience.interval is not None and not (0 <= stance.salience.interval.low and stance.salience.interval.high <= 1):
            problems.append(((*where, "salience", "interval"), "a salience interval lies within [0, 1]"))
    if not scenario.actors:
        problems.append((("actors",), "a scenario needs at least one actor"))
    if not scenario.issues:
        problems.append((("issues",), "a scenario needs at least one issue"))
    return problems


def numbers(scenario: Scenario) -> Iterator[tuple[tuple[str | int, ...], Value]]:
    """Every number of the scenario that evidence should back, with its location."""
    for index, actor in enumerate(scenario.actors):
        yield ("actors", index, "capability"), actor.capability
    for index, stance in enumerate(scenario.stances):
        yield ("stances", index, "position"), stance.position
        yield ("stances", index, "salience"), stance.salience
        if stance.capability is not None:
            yield ("stances", index, "capability"), stance.capability


def normalise_text(text: str) -> str:
    """Fold typographic quotes, dashes and white space so quotes compare as a reader sees them."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(_TYPOGRAPHY)
    return re.sub(r"\s+", " ", text).strip()


_TYPOGRAPHY = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-", "\u00a0": " "})


def check_evidence(scenario: Scenario, document_text: Callable[[str], str | None] | None = None) -> list[Problem]:
    """Grounding problems: numbers without evidence, unknown documents, quotes not in their document.

    ``document_text(id)`` returns a document's text, or None when the corpus lacks it (then its
    quotes are not checked).
    """
    problems: list[Problem] = []
    source_ids = {source.id for source in scenario.sources}
    normalised: dict[str, str | None] = {}
    for loc, value in numbers(scenario):
        if not value.evidence:
            problems.append((loc, "no evidence: cite at least one quote, or mark the number as a judgement"))
        for index, item in enumerate(value.evidence):
            where = (*loc, "evidence", index)
            if source_ids and item.document not in source_ids:
                problems.append(((*where, "document"), f"document {item.document!r} is not among the scenario's sources"))
            if document_text is None:
                continue
            if item.document not in normalised:
                text = document_text(item.document)
                normalised[item.document] = normalise_text(text) if text is not None else None
            text = normalised[item.document]
            if text is not None and not quote_occurs(item, text):
                problems.append(((*where, "quote"), f"quote does not occur in document {item.document!r}: {item.quote[:60]!r}"))
    return problems


def quote_occurs(evidence: Evidence, normalised_document: str) -> bool:
    """Whether the quote occurs verbatim in the document, modulo white space and typography."""
    return normalise_text(evidence.quote) in normalised_document

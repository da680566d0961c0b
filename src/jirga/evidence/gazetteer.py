"""Canonical actors and their aliases, and the mentions of actors in a parsed document.

The gazetteer maps names, capitals and officials' titles to the actor ids of a scenario.
It ships for the embedded Afghan scenario (``data/afghanistan.yaml``) and a user extends it
with a YAML file of the same shape. :func:`find_mentions` combines spaCy's named entities
with the gazetteer: an entity takes the actor of the longest alias inside it; aliases found
outside any entity ("the army chief") are mentions too; entities no alias explains are kept
with no actor, so that ``jirga actors`` can list them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from bisect import bisect_right
from importlib import resources
from pathlib import Path

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from jirga.errors import JirgaError
from jirga.scenario.native import line_of, load_yaml, read_text

ENTITY_LABELS = frozenset({"PERSON", "ORG", "GPE", "NORP"})
LOCATIVE_PREPOSITIONS = frozenset({"in", "at", "from", "into", "across", "inside", "within", "throughout", "near", "around"})
EXCLUDED = "-"
"""The actor id of names that are known to be no actor ("Pakistan Today")."""


@dataclass(frozen=True)
class Mention:
    """A stretch of text that names an actor (or an entity that no alias resolves)."""

    start: int
    end: int
    text: str
    label: str
    """The entity label (PERSON, ORG, GPE, NORP) or ALIAS for a gazetteer match outside any entity."""
    actor: str | None
    sentence: int
    place: bool = False
    """True when a country or city alias stands after a locative preposition: a place, not the actor."""
    country: str | None = None
    """For a place, the actor whose country or city it is (an event's target of last resort)."""


@dataclass
class Gazetteer:
    """Actor ids with display names and aliases; names that are no actor; aliases that are places."""

    names: dict[str, str] = field(default_factory=dict)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    places: set[str] = field(default_factory=set)
    exclude: list[str] = field(default_factory=list)

    @classmethod
    def default(cls) -> Gazetteer:
        """The gazetteer of the embedded Afghan scenario."""
        return cls.from_yaml(Path(str(resources.files("jirga.evidence") / "data" / "afghanistan.yaml")))

    @classmethod
    def from_yaml(cls, path: str | Path, base: Gazetteer | None = None) -> Gazetteer:
        """Read a gazetteer file; with ``base``, add its aliases to a copy of ``base``."""
        path = Path(path)
        data = load_yaml(read_text(path, "--gazetteer"), path)
        if not isinstance(data, dict) or not isinstance(data.get("actors", {}), dict):
            raise JirgaError("a gazetteer is a mapping with 'actors' (id -> name, aliases) and 'exclude'", file=path, line=1, field="actors")
        gazetteer = Gazetteer() if base is None else Gazetteer(
            dict(base.names), {key: list(value) for key, value in base.aliases.items()}, set(base.places), list(base.exclude)
        )
        for actor_id, entry in (data.get("actors") or {}).items():
            entry = entry or {}
            if not isinstance(entry, dict) or not isinstance(entry.get("aliases", []), list):
                raise JirgaError(
                    "an actor is a mapping with 'name', 'aliases' (a list) and 'places'",
                    file=path, line=line_of(data, ("actors", actor_id)), field=f"actors.{actor_id}",
                )
            gazetteer.names[str(actor_id)] = str(entry.get("name", gazetteer.names.get(str(actor_id), actor_id)))
            known = gazetteer.aliases.setdefault(str(actor_id), [])
            known.extend(str(alias) for alias in entry.get("aliases", []) if str(alias) not in known)
            gazetteer.places.update(_without_article(str(place).lower()) for place in entry.get("places", []))
        gazetteer.exclude.extend(str(name) for name in data.get("exclude", []) or [])
        return gazetteer

    def matchers(self, nlp: Language) -> tuple[PhraseMatcher, PhraseMatcher]:
        """Two phrase matchers: aliases in capitals match case-sensitively, the rest in any case."""
        exact, anycase = PhraseMatcher(nlp.vocab, attr="ORTH"), PhraseMatcher(nlp.vocab, attr="LOWER")
        entries = [(actor, alias) for actor, aliases in self.aliases.items() for alias in aliases]
        entries += [(EXCLUDED, name) for name in self.exclude]
        for actor, alias in entries:
            variants = {alias, alias.replace("'", "’"), alias.replace("’", "'")}
            (exact if alias.isupper() else anycase).add(actor, [nlp.make_doc(variant) for variant in variants])
        return exact, anycase


class MentionFinder:
    """Finds actor mentions in parsed documents with one gazetteer (built once, used per document)."""

    def __init__(self, gazetteer: Gazetteer, nlp: Language) -> None:
        self.gazetteer = gazetteer
        self._exact, self._anycase = gazetteer.matchers(nlp)

    def __call__(self, doc: Doc) -> list[Mention]:
        aliases = filter_spans(
            [Span(doc, start, end, label=key) for matcher in (self._exact, self._anycase) for key, start, end in matcher(doc)]
        )
        alias_at = {token: span for span in aliases for token in range(span.start, span.end)}
        used: set[int] = set()
        mentions: list[Mention] = []
        for entity in doc.ents:
            if entity.label_ not in ENTITY_LABELS or not any(character.isalpha() for character in entity.text):
                continue
            inside = {id(alias_at[token]): alias_at[token] for token in range(entity.start, entity.end) if token in alias_at}
            best = max(inside.values(), key=len, default=None)
            used.update(id(span) for span in inside.values())
            start = min([entity.start] + [span.start for span in inside.values()])
            end = max([entity.end] + [span.end for span in inside.values()])
            mentions.append(self._mention(doc[start:end], entity.label_, best.label_ if best is not None else None, best))
        for span in aliases:
            if id(span) not in used:
                mentions.append(self._mention(span, "ALIAS", span.label_, span))
        return sorted(mentions, key=lambda mention: mention.start)

    def _mention(self, span: Span, label: str, actor: str | None, alias: Span | None) -> Mention:
        span = _trim(span)
        place = False
        if actor is not None and actor != EXCLUDED and alias is not None and _without_article(alias.text.lower()) in self.gazetteer.places:
            head = span.root.head
            place = span.root.dep_ == "pobj" and head.lower_ in LOCATIVE_PREPOSITIONS
        sentence = sentence_index(span.doc, span.start)
        resolved = None if actor == EXCLUDED or place else actor
        label = "EXCLUDED" if actor == EXCLUDED else label
        return Mention(span.start_char, span.end_char, span.text, label, resolved, sentence, place, actor if place else None)


def _trim(span: Span) -> Span:
    """Without a leading 'the', a trailing possessive "'s", or whitespace and bullets at either end."""
    doc, start, end = span.doc, span.start, span.end
    while end - start > 1 and (doc[end - 1].tag_ == "POS" or doc[end - 1].text in ("’s", "'s", "’", "'") or doc[end - 1].is_space
                               or (doc[end - 1].is_punct and doc[end - 1].text not in ".)")):
        end -= 1
    while end - start > 1 and (doc[start].lower_ == "the" or doc[start].is_space or doc[start].is_punct):
        start += 1
    return doc[start:end]


def _sentence_starts(doc: Doc) -> list[int]:
    starts = doc.user_data.get("jirga_sentence_starts")
    if starts is None:
        starts = doc.user_data["jirga_sentence_starts"] = [sentence.start for sentence in doc.sents]
    return starts


def sentence_index(doc: Doc, token: int) -> int:
    """The index of the sentence that holds token ``token`` (sentence starts cached on the doc)."""
    return bisect_right(_sentence_starts(doc), token) - 1


def sentence_of(doc: Doc, token: int) -> Span:
    """The sentence that holds token ``token``, without trailing line breaks (cheaper than ``Token.sent``)."""
    starts = _sentence_starts(doc)
    index = bisect_right(starts, token) - 1
    return without_trailing_space(doc[starts[index] : starts[index + 1] if index + 1 < len(starts) else len(doc)])


def sentences(doc: Doc) -> list[Span]:
    """The sentences of ``doc``, without trailing line breaks."""
    starts = _sentence_starts(doc)
    return [without_trailing_space(doc[start:end]) for start, end in zip(starts, [*starts[1:], len(doc)])]


def without_trailing_space(span: Span) -> Span:
    end = span.end
    while end - span.start > 1 and span.doc[end - 1].is_space:
        end -= 1
    return span.doc[span.start : end]


def _without_article(name: str) -> str:
    return name[4:] if name.startswith("the ") else name

"""Events: sentences in which one actor acts on another, in PLOVER's categories.

PLOVER (the Political Language Ontology for Verifiable Event Records, Halterman et al. 2023)
has sixteen event types from cooperative (AGREE, CONSULT, SUPPORT, CONCEDE, COOPERATE, AID,
RETREAT) through verbal conflict (REQUEST, ACCUSE, REJECT, THREATEN, PROTEST) to material
conflict (SANCTION, MOBILIZE, COERCE, ASSAULT). An event here is a verb of the lexicon below
whose subject names a canonical actor (the source) and whose objects (or, for "A and B
agreed", the other conjunct of the subject) name another (the target). A negated cooperative
verb ("would not participate") is a REJECT. Dates come from the date expressions of the
sentence, resolved against the document date; the place is a country or city named after a
locative preposition.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from spacy.tokens import Doc, Span, Token

from jirga.evidence.dates import resolve_date
from jirga.evidence.gazetteer import Mention, sentence_index, sentence_of
from jirga.evidence.nlp import tokens_with_lemma

CATEGORIES = (
    "AGREE", "CONSULT", "SUPPORT", "CONCEDE", "COOPERATE", "AID", "RETREAT",
    "REQUEST", "ACCUSE", "REJECT", "THREATEN", "PROTEST", "SANCTION", "MOBILIZE", "COERCE", "ASSAULT",
)
LEXICON: dict[str, str] = {
    **dict.fromkeys(["agree", "sign", "accept", "pledge", "commit", "promise", "settle"], "AGREE"),
    **dict.fromkeys(["meet", "discuss", "visit", "consult", "talk", "host", "negotiate", "attend", "brief", "confer",
                     "convene", "engage", "participate", "join"], "CONSULT"),
    **dict.fromkeys(["support", "back", "praise", "laud", "appreciate", "welcome", "endorse", "recognize", "recognise",
                     "commend", "defend", "favour", "favor", "thank"], "SUPPORT"),
    **dict.fromkeys(["concede", "release", "yield", "compromise", "relent"], "CONCEDE"),
    **dict.fromkeys(["cooperate", "facilitate", "broker", "collaborate", "coordinate", "mediate", "share", "arrange"], "COOPERATE"),
    **dict.fromkeys(["aid", "assist", "help", "provide", "supply", "fund", "finance", "shelter", "harbour", "harbor"], "AID"),
    **dict.fromkeys(["withdraw", "retreat", "evacuate", "depart"], "RETREAT"),
    **dict.fromkeys(["request", "urge", "ask", "demand", "seek", "appeal", "invite", "propose", "press", "push"], "REQUEST"),
    **dict.fromkeys(["accuse", "blame", "criticize", "criticise", "condemn", "denounce", "charge"], "ACCUSE"),
    **dict.fromkeys(["reject", "refuse", "deny", "oppose", "object", "veto", "dismiss", "boycott", "decline", "resist"], "REJECT"),
    **dict.fromkeys(["threaten", "ultimatum"], "THREATEN"),
    **dict.fromkeys(["protest", "demonstrate"], "PROTEST"),
    **dict.fromkeys(["sanction", "suspend", "freeze", "expel", "ban", "embargo", "recall"], "SANCTION"),
    **dict.fromkeys(["mobilize", "mobilise", "deploy"], "MOBILIZE"),
    **dict.fromkeys(["arrest", "raid", "detain", "pressure", "coerce", "bully"], "COERCE"),
    **dict.fromkeys(["attack", "kill", "bomb", "seize", "capture", "strike", "shell", "invade", "topple", "fight", "assault"], "ASSAULT"),
}
PHRASAL: dict[tuple[str, str], str] = {
    ("cut", "off"): "SANCTION", ("call", "on"): "REQUEST", ("call", "upon"): "REQUEST", ("call", "for"): "REQUEST",
    ("pull", "out"): "RETREAT", ("call", "back"): "SANCTION", ("take", "into"): "CONSULT", ("sit", "down"): "CONSULT",
    ("speak", "to"): "CONSULT", ("speak", "with"): "CONSULT",
}
"""Verb + particle or preposition whose meaning differs from the verb's alone. Recalling an
ambassador ("called back its ambassador") is PLOVER's SANCTION (reducing diplomatic relations)."""
MEETING_NOUNS = frozenset({"meeting", "talk", "talks", "dialogue", "negotiation", "negotiations", "summit", "round"})
"""'hold' with one of these as its object is a CONSULT ("held a meeting")."""
EVENT_LEMMAS = frozenset(LEXICON) | frozenset(verb for verb, _ in PHRASAL) | {"hold"}
NEGATED_TO_REJECT = frozenset({"AGREE", "CONSULT", "SUPPORT", "COOPERATE", "AID", "CONCEDE"})
OBJECT_DEPENDENCIES = frozenset({"dobj", "dative", "attr", "oprd", "pobj", "prep", "agent", "xcomp", "ccomp", "advcl", "acomp", "npadvmod"})


@dataclass(frozen=True)
class Event:
    start: int
    end: int
    """The character span of the sentence."""
    trigger: str
    trigger_start: int
    category: str
    source: str
    target: str
    sentence: int
    date: dt.date | None
    date_text: str | None
    date_precision: str | None
    date_relative: bool
    place: str | None


def category_of(verb: Token) -> str | None:
    """The PLOVER category of ``verb`` (negation applied), or None if it names no event."""
    lemma = verb.lemma_.lower()
    particles = [child for child in verb.children if child.dep_ in ("prt", "advmod")]
    # A preposition counts only when its object is not a date ("called on Pakistan", not "called on Monday").
    prepositions = [child for child in verb.children if child.dep_ == "prep" and not any(token.ent_type_ == "DATE" for token in child.subtree)]
    category = next((PHRASAL[(lemma, child.lower_)] for child in particles + prepositions if (lemma, child.lower_) in PHRASAL), None)
    if category is None and lemma == "hold":
        if any(child.dep_ == "dobj" and child.lemma_.lower() in MEETING_NOUNS for child in verb.children):
            category = "CONSULT"
    category = category or LEXICON.get(lemma)
    if category is None:
        return None
    if any(child.dep_ == "neg" for child in verb.children):
        return "REJECT" if category in NEGATED_TO_REJECT else None
    return category


def _subject(verb: Token) -> Token | None:
    """The subject of ``verb``, or of the verb it is conjoined to or complements ("agreed to share", "are opposed")."""
    while True:
        subject = next((child for child in verb.children if child.dep_ in ("nsubj", "nsubjpass")), None)
        if subject is not None and verb.dep_ == "relcl" and subject.tag_ in ("WDT", "WP"):
            return verb.head  # "the Afghan government, which called back ...": the antecedent
        if subject is not None or verb.dep_ not in ("conj", "xcomp", "acomp") or verb.head is verb:
            return subject
        verb = verb.head


def _actors_in(mentions: list[Mention], start: int, end: int) -> list[Mention]:
    return [mention for mention in mentions if (mention.actor or mention.country) and start <= mention.start and mention.end <= end]


def find_events(doc: Doc, mentions: list[Mention], document_date: dt.date | None) -> list[Event]:
    """Events of ``doc`` in text order; dates resolved against ``document_date``."""
    events: list[Event] = []
    for token in tokens_with_lemma(doc, EVENT_LEMMAS):
        if token.pos_ not in ("VERB", "AUX") and token.tag_ != "VBN":  # a participle tagged as an adjective counts
            continue
        category = category_of(token)
        subject = _subject(token) if category else None
        if subject is None:
            continue
        subject_span = doc[subject.left_edge.i : subject.right_edge.i + 1]
        passive = subject.dep_ == "nsubjpass"
        subject_actors = _actors_in(mentions, subject_span.start_char, subject_span.end_char)
        if not subject_actors and subject.lower_ in ("he", "she"):
            subject_actors = _previous_person(doc, mentions, token.i)
        object_actors = [
            mention
            for child in token.children
            if child.dep_ in OBJECT_DEPENDENCIES and child.i != subject.i
            for mention in _actors_in(mentions, doc[child.left_edge.i].idx, doc[child.right_edge.i].idx + len(doc[child.right_edge.i]))
        ]
        if passive:
            subject_actors, object_actors = object_actors, subject_actors
        subject_actors = [mention for mention in subject_actors if mention.actor]
        if not subject_actors:
            continue
        source = subject_actors[0].actor
        # Target: an actor among the objects, else the other conjunct of the subject ("A and B agreed"),
        # else the country of a place among the objects ("recalled its ambassador from Islamabad").
        target = next((mention.actor for mention in object_actors if mention.actor and mention.actor != source), None)
        if target is None:
            target = next((mention.actor for mention in subject_actors if mention.actor != source), None)
        if target is None:
            target = next((mention.country for mention in object_actors if mention.country and mention.country != source), None)
        if target is None:
            continue
        sentence = sentence_of(doc, token.i)
        date = _date(sentence, token, document_date)
        events.append(
            Event(
                sentence.start_char, sentence.end_char, token.text, token.idx, category, source, target,
                sentence_index(doc, token.i), *date, _place(sentence, mentions, token),
            )
        )
    return events


def _previous_person(doc: Doc, mentions: list[Mention], token: int) -> list[Mention]:
    """For "he"/"she": the last person named with a canonical actor in this or the previous sentence."""
    sentence = sentence_index(doc, token)
    before = doc[token].idx
    people = [mention for mention in mentions if mention.label == "PERSON" and mention.actor
              and sentence - 1 <= mention.sentence <= sentence and mention.start < before]
    return people[-1:]


def _date(sentence: Span, verb: Token, document_date: dt.date | None) -> tuple:
    """The date expression of the sentence nearest the verb, resolved in the tense of the verb it modifies."""
    dates = sorted(_entities(sentence, ("DATE",)), key=lambda entity: abs(entity.start - verb.i))
    for entity in dates:
        resolved = resolve_date(entity.text, document_date, past=_is_past(_governing_verb(entity.root)))
        if resolved is not None:
            return resolved.date, entity.text, resolved.precision, resolved.relative
    return None, None, None, False


def _entities(sentence: Span, labels: tuple[str, ...]) -> list[Span]:
    """The sentence's entities with one of ``labels`` (the doc's entity list read once, not per sentence)."""
    doc = sentence.doc
    entities = doc.user_data.get("jirga_entities")
    if entities is None:
        entities = doc.user_data["jirga_entities"] = list(doc.ents)
    return [entity for entity in entities if entity.label_ in labels and sentence.start <= entity.start and entity.end <= sentence.end]


def _governing_verb(token: Token) -> Token:
    while token.pos_ not in ("VERB", "AUX") and token.head is not token:
        token = token.head
    return token


def _is_past(verb: Token) -> bool:
    """Past tense or perfect aspect ("said", "has withdrawn"); 'will' or a bare verb is not past."""
    if any(child.dep_ == "aux" and child.lower_ in ("will", "would", "shall") for child in verb.children):
        return False
    return verb.tag_ in ("VBD", "VBN") or any(child.lemma_ == "have" and child.dep_ == "aux" for child in verb.children)


def _place(sentence: Span, mentions: list[Mention], verb: Token) -> str | None:
    places = [mention for mention in mentions if mention.place and sentence.start_char <= mention.start < sentence.end_char]
    if places:
        return min(places, key=lambda mention: abs(mention.start - verb.idx)).text
    for entity in _entities(sentence, ("GPE", "LOC", "FAC")):
        if entity.root.dep_ == "pobj" and entity.root.head.lower_ in ("in", "at"):
            return entity.text
    return None

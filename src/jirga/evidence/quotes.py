"""Quotations and their speakers: direct quotes in curly or straight marks, and indirect speech.

Direct quotes are found in the raw text by pairing quotation marks (an opening mark left
open at the end of a paragraph closes there; a closing mark with no opening one opens at
the paragraph's start, as when a publisher dropped the first mark). The speaker is the
subject of the reporting verb ("said", "added", "stressed") nearest the quote in its
sentence, before or after it, skipping other quotes in between. A quote with no reporting
verb that opens a sentence continues the previous speaker (the speaker named in a previous
sentence, or a quote split across a speaker clause). A pronoun or a bare title ("he", "the
spokesperson") as speaker also stands for the previous speaker. Indirect speech is a
reporting verb with a clausal complement outside any quote ("X said that ...").
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np

from spacy.tokens import Doc, Span, Token

from jirga.evidence.gazetteer import Mention, sentence_index, sentence_of, without_trailing_space
from jirga.evidence.nlp import tokens_with_lemma

REPORTING_VERBS = frozenset({
    "say", "add", "tell", "state", "note", "stress", "emphasise", "emphasize", "argue", "claim", "insist", "warn",
    "explain", "conclude", "write", "declare", "announce", "confirm", "assert", "reiterate", "remark", "comment",
    "observe", "maintain", "acknowledge", "admit", "reply", "respond", "tweet", "allege", "contend", "question",
})
OPENING, CLOSING, STRAIGHT = "“", "”", '"'
MINIMUM_WORDS = 2
"""Quotes of one word ("victory", "meltdown") are scare quotes, not quotations."""
UNATTRIBUTED_MINIMUM_WORDS = 5
"""A quote that no speaker can be found for is kept only if it is a statement, not a phrase."""
TITLES = frozenset({
    "spokesperson", "spokesman", "spokeswoman", "analyst", "minister", "envoy", "official", "diplomat", "ambassador",
    "president", "chief", "secretary", "general", "adviser", "advisor", "expert", "leader", "representative",
    "negotiator", "commander", "source", "writer",
})
"""Heads of a speaker phrase that, with no name, point back to the previous speaker ("the spokesperson")."""
NEAR_SENTENCES = 2
"""A quote with no reporting verb continues a speaker quoted at most this many sentences before."""
PRONOUN_SENTENCES = 6
"""A pronoun or bare title points back to a speaker quoted at most this many sentences before."""
MAXIMUM_GAP = 4
"""Indirect speech: at most this many words between the reporting verb and its clause ("said on Thursday that")."""


@dataclass(frozen=True)
class Quote:
    start: int
    end: int
    text: str
    kind: str
    """'direct' (in quotation marks) or 'indirect' (reported speech)."""
    speaker: str | None
    """The speaker's name (a PERSON entity) or, failing one, the speaker phrase ("the Taliban")."""
    role: str | None
    """The rest of the speaker phrase: title and affiliation ("Foreign Office Spokesperson")."""
    actor: str | None
    verb: str | None
    sentence: int
    inherited: bool = False
    """True when the speaker was carried over from the previous quote (pronoun, title or no verb)."""


_MARKS = re.compile("[\n“”\"]")


def quote_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of the words between paired quotation marks, marks excluded."""
    spans: list[tuple[int, int]] = []
    open_at: int | None = None
    paragraph_start = 0
    for match in _MARKS.finditer(text):
        index, char = match.start(), match.group()
        if char == "\n":
            if open_at is not None and (index + 1 < len(text) and text[index + 1] == "\n" or index - open_at > 2000):
                spans.append((open_at, index))
                open_at = None
            if index + 1 < len(text) and text[index + 1] == "\n":
                paragraph_start = index + 2
            continue
        if char == OPENING or (char == STRAIGHT and open_at is None):
            if open_at is not None and char == OPENING and index > open_at:
                spans.append((open_at, index))
            open_at = index + 1
        elif char == CLOSING or char == STRAIGHT:
            if open_at is None:
                start = max(paragraph_start, spans[-1][1] + 1 if spans else 0)
                spans.append((start, index))
            else:
                spans.append((open_at, index))
                open_at = None
    if open_at is not None:
        spans.append((open_at, len(text)))
    stripped = (_strip(text, start, end) for start, end in spans)
    return [(start, end) for start, end in stripped if start < end]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] == ","):
        end -= 1
    return start, end


def find_quotes(doc: Doc, mentions: list[Mention]) -> list[Quote]:
    """Direct and indirect quotations of ``doc`` with their speakers, in text order."""
    text = doc.text  # built afresh on every access: read it once
    spans = quote_spans(text)
    quoted = _quoted_tokens(doc, spans)
    candidates: list[tuple[Quote, Token | None]] = []
    for start, end in spans:
        tokens = doc.char_span(start, end, alignment_mode="expand")
        if len(text[start:end].split()) < MINIMUM_WORDS or tokens is None or len(tokens) == 0:
            continue
        quote = Quote(start, end, text[start:end], "direct", None, None, None, None, sentence_index(doc, tokens.start))
        candidates.append((quote, _nearest_reporting_verb(doc, tokens, quoted)))
    candidates += _indirect(doc, quoted)
    found: list[Quote] = []
    previous: Quote | None = None
    previous_end = 0  # the sentence in which the previous attributed quote ends
    for quote, verb in sorted(candidates, key=lambda item: item[0].start):
        if previous is not None and quote.sentence - previous_end > PRONOUN_SENTENCES:
            previous = None
        if verb is not None:
            quote = _with_speaker(quote, verb, mentions, previous)
        elif previous is not None and quote.sentence - previous_end <= NEAR_SENTENCES and _opens_sentence(text, quote.start):
            quote = replace(quote, speaker=previous.speaker, role=previous.role, actor=previous.actor, inherited=True)
        attributed = quote.speaker is not None or quote.actor is not None
        if not attributed and len(quote.text.split()) < UNATTRIBUTED_MINIMUM_WORDS:
            continue
        found.append(quote)
        if attributed:
            previous = quote
            last = doc.char_span(quote.end - 1, quote.end, alignment_mode="expand")
            previous_end = sentence_index(doc, last.start) if last is not None else quote.sentence
    return found


def _quoted_tokens(doc: Doc, spans: list[tuple[int, int]]) -> set[int]:
    inside: set[int] = set()
    for start, end in spans:
        tokens = doc.char_span(start, end, alignment_mode="expand")
        if tokens is not None:
            inside.update(range(tokens.start, tokens.end))
    marks = np.array([doc.vocab.strings.add(mark) for mark in (OPENING, CLOSING, STRAIGHT)], dtype=np.uint64)
    inside.update(int(index) for index in np.flatnonzero(np.isin(doc.to_array("ORTH"), marks)))
    return inside


def _opens_sentence(text: str, start: int) -> bool:
    """Whether the quote at character ``start`` begins a sentence (not a phrase quoted mid-sentence)."""
    before = text[max(0, start - 200) : start].rstrip(" “\"\t")
    return not before or before[-1] in ".!?:\n”\""


def _nearest_reporting_verb(doc: Doc, quote: Span, quoted: set[int]) -> Token | None:
    """The reporting verb with a subject nearest the quote in its sentence(s), quoted words not counted."""
    first, last = sentence_of(doc, quote.start), sentence_of(doc, quote.end - 1)
    candidates: list[tuple[int, int, Token]] = []
    for direction, indices in ((0, range(quote.end, last.end)), (1, range(quote.start - 1, first.start - 1, -1))):
        distance = 0
        for index in indices:
            if index in quoted:
                continue
            distance += 1
            token = doc[index]
            if token.lemma_.lower() in REPORTING_VERBS and token.pos_ in ("VERB", "AUX") and _subject(token) is not None:
                candidates.append((distance, direction, token))
                break
    return min(candidates, key=lambda item: (item[0], item[1]))[2] if candidates else None


def _subject(verb: Token) -> Token | None:
    """The active subject of ``verb`` (or of the verb it is conjoined to); none for "it can be noted"."""
    for child in verb.children:
        if child.dep_ == "nsubj" and child.lower_ != "it":
            return child
    if verb.dep_ == "conj" and verb.head.pos_ in ("VERB", "AUX"):
        return _subject(verb.head)
    return None


def _with_speaker(quote: Quote, verb: Token, mentions: list[Mention], previous: Quote | None) -> Quote:
    subject = _subject(verb)
    assert subject is not None
    doc = verb.doc
    left, right = subject.left_edge.i, subject.right_edge.i + 1
    phrase = doc[left:right]
    person = next((entity for entity in _people(doc) if left <= entity.start and entity.end <= right), None)
    actor = next(
        (mention.actor for mention in mentions if mention.actor and phrase.start_char <= mention.start and mention.end <= phrase.end_char),
        None,
    )
    definite = any(child.dep_ == "det" and child.lower_ in ("the", "this", "that") for child in subject.children)
    anaphoric = subject.pos_ == "PRON" or (person is None and actor is None and definite and subject.lemma_.lower() in TITLES)
    if anaphoric and previous is not None:
        return replace(quote, speaker=previous.speaker, role=previous.role, actor=previous.actor, verb=verb.lemma_, inherited=True)
    if anaphoric:
        return replace(quote, speaker=phrase.text, verb=verb.lemma_)
    name = person.text if person is not None else _without_article(phrase.text)
    role = phrase.text.replace(person.text, "").strip(" ,") if person is not None else None
    return replace(quote, speaker=name, role=role or None, actor=actor, verb=verb.lemma_)


def _people(doc: Doc) -> list[Span]:
    people = doc.user_data.get("jirga_people")
    if people is None:
        people = doc.user_data["jirga_people"] = [entity for entity in doc.ents if entity.label_ == "PERSON"]
    return people


def _without_article(text: str) -> str:
    return text[4:] if text.lower().startswith("the ") else text


def _indirect(doc: Doc, quoted: set[int]) -> list[tuple[Quote, Token]]:
    """Reported speech: a reporting verb outside quotes next to a clausal complement.

    "Made it clear that ..." counts as a reporting verb. The clause may hold a partial quote
    ("says Pakistan is using the Taliban “through terrorism”") but not be a quote alone
    (“...,” he said), which is a direct quote already.
    """
    found: list[tuple[Quote, Token]] = []
    for token in tokens_with_lemma(doc, REPORTING_VERBS | {"make"}):
        if token.i in quoted or token.pos_ not in ("VERB", "AUX"):
            continue
        heads = [token]
        if token.lemma_ == "make":
            heads = [child for child in token.children if child.lower_ == "clear"]
            if not heads:
                continue
        clausal = ("ccomp",) if heads[0] is token else ("ccomp", "advcl")  # "clear that ..." parses either way
        complement = next((child for head in heads for child in head.children if child.dep_ in clausal), None)
        subject = _subject(token)
        if complement is None or subject is None:
            continue
        clause = doc[complement.left_edge.i : complement.right_edge.i + 1]
        between = range(token.i + 1, clause.start) if clause.start > token.i else range(clause.end, token.i)
        # Words between verb and clause, not counting the subject, "clear" and an object ("it", "told media that").
        skip = set(range(subject.left_edge.i, subject.right_edge.i + 1)) | {head.i for head in heads}
        skip |= {child.i for child in token.children if child.dep_ == "dobj"}
        gap = sum(1 for index in between if not doc[index].is_punct and index not in skip)
        unquoted = sum(1 for index in range(clause.start, clause.end) if index not in quoted and not doc[index].is_punct)
        if gap > MAXIMUM_GAP or unquoted < 3:
            continue
        if clause[0].lower_ == "that":
            clause = clause[1:]
        clause = without_trailing_space(clause)
        quote = Quote(clause.start_char, clause.end_char, clause.text, "indirect", None, None, None, None, sentence_index(doc, token.i))
        found.append((quote, token))
    return found

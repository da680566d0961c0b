"""Stances: sentences in which an actor states a position, and their link to a scenario's issues.

At ingest a stance is a verb of support or opposition ("supports", "rejected", "wants",
"insists on") whose subject is a canonical actor; an "it"/"they" subject inside reported
speech ("Pakistan says it supports ...") takes the reporting verb's actor. Linking to a
scenario's issues happens when the evidence is read, so one store serves any scenario: a
stance belongs to the issue whose keywords (issue name, description and anchor labels,
lemmatised, plus the gazetteer's extra keywords) it shares most; its suggested position is
the anchor whose label it shares most words with, mirrored across the scale when the
actor opposes it. When the all-MiniLM-L6-v2 weights are installed (see
:mod:`jirga.evidence.embeddings`) sentence embeddings join the keywords (:class:`StanceLinker`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from spacy.tokens import Doc, Token

from jirga.evidence.gazetteer import Mention, sentence_index, sentence_of
from jirga.evidence.nlp import tokens_with_lemma
from jirga.scenario.model import Issue

if TYPE_CHECKING:
    from jirga.evidence.embeddings import SentenceEncoder

SUPPORTING = frozenset({
    "support", "back", "favour", "favor", "prefer", "want", "insist", "seek", "demand", "propose", "pledge", "commit",
    "accept", "endorse", "welcome", "urge", "advocate", "push", "call",
})
OPPOSING = frozenset({"oppose", "reject", "refuse", "resist", "object", "deny", "veto", "condemn", "dismiss", "boycott"})
STOPWORDS = frozenset(
    "a an the and or of to in on for with by at from as is are be been was were it its this that these those their "
    "his her they them we our not no any all some more most less than which who whom whose what when where how "
    "into over under between about against after before during without within".split()
)
TOKEN = re.compile(r"[a-z][a-z\-]+")


@dataclass(frozen=True)
class StanceSentence:
    start: int
    end: int
    """Character span of the sentence."""
    actor: str
    verb: str
    polarity: int
    """+1 when the actor supports what follows the verb, -1 when it opposes it."""
    object_text: str
    sentence: int


def find_stances(doc: Doc, mentions: list[Mention]) -> list[StanceSentence]:
    """Stance sentences of ``doc`` in text order."""
    found: list[StanceSentence] = []
    for token in tokens_with_lemma(doc, SUPPORTING | OPPOSING):
        lemma = token.lemma_
        if token.pos_ != "VERB":
            continue
        actor = _subject_actor(token, mentions)
        if actor is None:
            continue
        polarity = 1 if lemma in SUPPORTING else -1
        if any(child.dep_ == "neg" for child in token.children):
            polarity = -polarity
        after = [child for child in token.children if child.i > token.i and child.dep_ not in ("punct", "cc", "conj")]
        if not after:
            continue
        obj = token.doc[after[0].left_edge.i : max(child.right_edge.i for child in after) + 1]
        sentence = sentence_of(doc, token.i)
        found.append(StanceSentence(sentence.start_char, sentence.end_char, actor, lemma, polarity, obj.text, sentence_index(doc, token.i)))
    return found


def _subject_actor(verb: Token, mentions: list[Mention]) -> str | None:
    subject = next((child for child in verb.children if child.dep_ == "nsubj"), None)
    head = verb
    while subject is None and head.dep_ in ("conj", "xcomp") and head.head is not head:
        head = head.head
        subject = next((child for child in head.children if child.dep_ == "nsubj"), None)
    if subject is None:
        return None
    if subject.pos_ == "PRON" and head.dep_ == "ccomp":
        return _subject_actor(head.head, mentions)
    start, end = subject.left_edge.idx, subject.right_edge.idx + len(subject.right_edge)
    return next((mention.actor for mention in mentions if mention.actor and start <= mention.start and mention.end <= end), None)


def content_words(text: str) -> set[str]:
    """Lower-case words of ``text`` without stop words, crudely singularised ("talks" -> "talk")."""
    words = {word.strip("-") for word in TOKEN.findall(text.lower())} - STOPWORDS
    return {word[:-1] if word.endswith("s") and not word.endswith("ss") and len(word) > 3 else word for word in words}


SIMILAR_ISSUE = 0.45
"""Cosine similarity at which a sentence sharing no keyword with an issue still links to it."""


@dataclass(frozen=True)
class IssueLink:
    issue: str
    keywords: tuple[str, ...]
    """The issue's distinctive keywords that the sentence contains."""
    similarity: float | None
    """Cosine similarity of the sentence and the issue's name and description (None without embeddings)."""
    position: float | None
    """Suggested position on the issue's scale, None when no anchor label matches."""


def issue_keywords(issues: Iterable[Issue], extra: dict[str, list[str]] | None = None) -> dict[str, set[str]]:
    """Each issue's distinctive keywords: words of its name, description, anchors and ``extra``, minus words all issues share."""
    keywords = {
        issue.id: content_words(" ".join([issue.id.replace("_", " "), issue.name, issue.description, *(anchor.label for anchor in issue.anchors)]))
        | content_words(" ".join((extra or {}).get(issue.id, [])))
        for issue in issues
    }
    if len(keywords) > 1:
        shared = set.intersection(*keywords.values())
        keywords = {issue: words - shared for issue, words in keywords.items()}
    return keywords


class StanceLinker:
    """Links sentences to a scenario's issues, by keywords and, given an encoder, sentence embeddings.

    Score of issue i for a sentence: k_i + c_i, with k_i its distinctive keywords in the
    sentence and c_i the cosine similarity of the sentence's and the issue's embeddings
    (0 without an encoder): keywords decide, similarity breaks ties and links sentences that
    use other words (c_i >= 0.45). The suggested position is the anchor whose label shares
    most words with what the actor supports, mirrored across the scale (lower + upper - value)
    when the actor opposes it. (Choosing the anchor by embeddings instead agreed worse with the
    embedded scenario: see ``python -m jirga.evidence.score --suggest``.)
    """

    def __init__(self, issues: Iterable[Issue], encoder: SentenceEncoder | None = None, extra_keywords: dict[str, list[str]] | None = None) -> None:
        self.issues = list(issues)
        self.keywords = issue_keywords(self.issues, extra_keywords)
        self.encoder = encoder
        if encoder is not None:
            self.issue_vectors = encoder.encode([f"{issue.name}. {issue.description}" for issue in self.issues])

    @property
    def method(self) -> str:
        return "keywords and all-MiniLM-L6-v2 embeddings" if self.encoder is not None else "keywords"

    def link(self, stances: list[tuple[str, str, int]]) -> list[IssueLink | None]:
        """For each (sentence, what the actor supports or opposes, polarity): its issue link or None."""
        if not stances or not self.issues:
            return [None] * len(stances)
        counts = np.array([[len(content_words(sentence) & self.keywords[issue.id]) for issue in self.issues] for sentence, _, _ in stances])
        similarity = np.zeros(counts.shape, dtype=np.float32)
        if self.encoder is not None:
            similarity = self.encoder.encode([sentence for sentence, _, _ in stances]) @ self.issue_vectors.T
        rows = np.arange(len(stances))
        best = np.argmax(counts + similarity, axis=1)
        linked = (counts[rows, best] >= 1) | (similarity[rows, best] >= SIMILAR_ISSUE)
        links: list[IssueLink | None] = []
        for row, (sentence, object_text, polarity) in enumerate(stances):
            if not linked[row]:
                links.append(None)
                continue
            issue = self.issues[best[row]]
            anchor = _anchor(issue, object_text)
            position = None if anchor is None else anchor if polarity > 0 else issue.lower + issue.upper - anchor
            links.append(IssueLink(
                issue.id, tuple(sorted(content_words(sentence) & self.keywords[issue.id])),
                float(similarity[row, best[row]]) if self.encoder is not None else None, position,
            ))
        return links


def _anchor(issue: Issue, object_text: str) -> float | None:
    """The value of the anchor whose label shares most words with ``object_text`` (None if none shares any)."""
    words = content_words(object_text)
    overlap, value = max(((len(words & content_words(anchor.label)), anchor.value) for anchor in issue.anchors), key=lambda item: item[0], default=(0, None))
    return value if overlap > 0 else None

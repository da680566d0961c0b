"""Evidence: articles in a DuckDB store, with the actors, quotations, events and stances in them.

Data flows one way: evidence -> scenario. ``jirga ingest`` fills the store; ``jirga suggest``
proposes stances for a scenario; :func:`document_text` lets ``jirga validate`` check quotes.
The store's functions load on first use, so that importing the package (as the command line
does) does not load DuckDB or spaCy.
"""

from typing import Any

DEFAULT_STORE = "jirga.duckdb"

__all__ = ["DEFAULT_STORE", "document_text", "open_store"]


def __getattr__(name: str) -> Any:
    if name in ("document_text", "open_store"):
        from jirga.evidence import store

        return getattr(store, name)
    raise AttributeError(f"module 'jirga.evidence' has no attribute {name!r}")

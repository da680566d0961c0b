"""Evidence: articles in a DuckDB store, with the actors, quotations, events and stances in them.

Data flows one way: evidence -> scenario. ``jirga ingest`` fills the store; ``jirga suggest``
proposes stances for a scenario; :func:`document_text` lets ``jirga validate`` check quotes.
"""

from jirga.evidence.store import DEFAULT_STORE, document_text, open_store

__all__ = ["DEFAULT_STORE", "document_text", "open_store"]

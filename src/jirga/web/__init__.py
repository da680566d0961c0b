"""The web app (FastAPI): browse a scenario and its evidence, edit numbers, watch the forecasts.

:func:`create_app` builds the app; ``jirga serve`` runs it with uvicorn on 127.0.0.1.
FastAPI and plotly load on first use of :func:`create_app`, so that ``jirga --help`` stays quick.
"""

from typing import Any

__all__ = ["create_app"]


def __getattr__(name: str) -> Any:
    if name == "create_app":
        from jirga.web.app import create_app

        return create_app
    raise AttributeError(f"module 'jirga.web' has no attribute {name!r}")

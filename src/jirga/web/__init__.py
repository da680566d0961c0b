"""The web app (FastAPI): browse a scenario and its evidence, edit numbers, watch the forecasts.

:func:`create_app` builds the app; ``jirga serve`` runs it with uvicorn on 127.0.0.1.
"""

from jirga.web.app import create_app

__all__ = ["create_app"]

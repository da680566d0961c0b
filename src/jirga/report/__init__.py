"""The HTML report: one self-contained page that shows a scenario and every model's forecast.

:func:`build_report` forecasts a scenario and renders the page; :func:`write_report` writes
it atomically. The figures live in :mod:`jirga.report.figures` (the web app reuses them),
the analysis sections in :mod:`jirga.report.analysis`. Plotly and Jinja2 load on first use,
so that ``jirga --help`` stays quick.
"""

from typing import Any

__all__ = ["ReportData", "Section", "build_report", "render_report", "report_data", "write_report"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from jirga.report import build

        return getattr(build, name)
    raise AttributeError(f"module 'jirga.report' has no attribute {name!r}")

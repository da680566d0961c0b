"""The HTML report: one self-contained page that shows a scenario and every model's forecast.

:func:`build_report` forecasts a scenario and renders the page; :func:`write_report` writes
it atomically. The figures live in :mod:`jirga.report.figures` (the web app reuses them).
"""

from jirga.report.build import ReportData, Section, build_report, render_report, report_data, write_report

__all__ = ["ReportData", "Section", "build_report", "render_report", "report_data", "write_report"]

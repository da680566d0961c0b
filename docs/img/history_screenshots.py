"""Make the README's screenshots of the report's sections on time (needs /usr/bin/chromium).

    .venv/bin/python docs/img/history_screenshots.py

Writes docs/img/report-history.png (the withdrawal issue of "How positions moved", one step's
quote shown as on hover) and docs/img/report-hindcast.png (the hindcast's charts), both from
``jirga report`` of the embedded Afghan scenario, which uses its shipped outcomes.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

from jirga.forecast import run_forecast
from jirga.models import MODELS
from jirga.report import render_report, report_data
from jirga.report.history import time_sections
from jirga.scenario import load_scenario
from jirga.scenario.outcomes import read_outcomes

HERE = Path(__file__).parent
VIEWPORT = {"width": 1280, "height": 800}


def main() -> None:
    scenario = load_scenario()
    result = run_forecast(scenario, list(MODELS))
    html = render_report(report_data(result, time_sections(result, read_outcomes(None, scenario))))
    with tempfile.TemporaryDirectory() as folder, sync_playwright() as playwright:
        report = Path(folder) / "report.html"
        report.write_text(html, encoding="utf-8")
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(report.as_uri())
        page.evaluate("document.querySelector('header.top').style.position = 'static'")  # not over the shot
        chart = page.locator("#figure-history-withdrawal")
        chart.scroll_into_view_if_needed()
        # the United States (trace 0) at its last stance: the quote behind the change shows
        page.evaluate("Plotly.Fx.hover('figure-history-withdrawal', [{curveNumber: 0, pointNumber: 4}])")
        page.wait_for_timeout(300)
        chart.screenshot(path=str(HERE / "report-history.png"))
        # the hindcast section from its title to the end of its second chart, in page coordinates
        top, left, width, bottom = page.evaluate(
            """() => {
                const section = document.getElementById("hindcast").getBoundingClientRect();
                const chart = document.getElementById("figure-hindcast-mean").getBoundingClientRect();
                return [section.top + scrollY, section.left + scrollX, section.width, chart.bottom + scrollY];
            }"""
        )
        page.screenshot(path=str(HERE / "report-hindcast.png"), full_page=True, clip={"x": left, "y": top, "width": width, "height": bottom - top + 10})
        browser.close()
    for name in ("report-history.png", "report-hindcast.png"):
        Image.open(HERE / name).convert("RGB").save(HERE / name, optimize=True)


if __name__ == "__main__":
    main()

"""How long the web app takes to answer one change, and the report to build, on the embedded
Afghan scenario with every registered model.

    .venv/bin/python benchmarks/web_and_report.py

Prints a table: median and worst of 10 timed repetitions (after one warm-up) for
``POST /api/forecast`` (one salience edit, the shown issue's figures), ``GET /api/state``
(what a page load asks: the saved file, its forecast, the first issue's figures), and building
the report's HTML.
"""

from __future__ import annotations

import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from jirga.forecast import run_forecast
from jirga.models import MODELS
from jirga.report import render_report, report_data
from jirga.scenario import default_scenario_path, load_scenario
from jirga.web import create_app

REPEATS = 10


def timed(action: Callable[[int], object]) -> tuple[float, float]:
    action(-1)
    seconds = []
    for repeat in range(REPEATS):
        start = time.perf_counter()
        action(repeat)
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), max(seconds)


def main() -> None:
    scenario = load_scenario()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "afghanistan.yaml"
        shutil.copy(default_scenario_path(), path)
        client = TestClient(create_app(path))
        first_issue = scenario.issues[0].id

        def change(repeat: int) -> object:
            edit = {"quantity": "salience", "actor": scenario.actors[0].id, "issue": first_issue, "value": 0.5 + (repeat % 5) / 10}
            answer = client.post("/api/forecast", json={"edits": [edit], "issue": first_issue})
            assert answer.status_code == 200, answer.text
            return answer

        rows = [
            ("POST /api/forecast (one edit)", *timed(change)),
            ("GET /api/state (page load)", *timed(lambda repeat: client.get("/api/state"))),
        ]
    result = run_forecast(scenario, models=list(MODELS))
    html: list[str] = []
    rows.append(("report HTML (forecast done)", *timed(lambda repeat: html.append(render_report(report_data(result))))))
    print(f"Afghan scenario: {len(scenario.actors)} actors, {len(scenario.issues)} issues, models: {', '.join(MODELS)}")
    print(f"{'what':<32} {'median s':>9} {'worst s':>9}")
    for name, median, worst in rows:
        print(f"{name:<32} {median:>9.3f} {worst:>9.3f}")
    print(f"report size: {len(html[-1].encode()) / 1e6:.1f} MB (plotly.js inline)")


if __name__ == "__main__":
    main()

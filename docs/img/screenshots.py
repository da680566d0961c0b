"""Make the README's screenshots of the web app and of the report (needs /usr/bin/chromium).

    .venv/bin/python docs/img/screenshots.py

Writes docs/img/web-app.png (the embedded Afghan scenario served by ``jirga serve``, one
salience moved) and docs/img/report.png (the report of ``jirga report --runs 300``), both
1280 x 800.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from PIL import Image
from playwright.sync_api import sync_playwright

from jirga.scenario import default_scenario_path
from jirga.web import create_app

HERE = Path(__file__).parent
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
VIEWPORT = {"width": 1280, "height": 800}


def compress(path: Path) -> None:
    Image.open(path).convert("RGB").save(path, optimize=True)


def web_app(browser, folder: Path) -> None:
    scenario = folder / "afghanistan.yaml"
    shutil.copy(default_scenario_path(), scenario)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(scenario), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        page = browser.new_page(viewport=VIEWPORT)
        page.goto(f"http://127.0.0.1:{port}/")
        page.wait_for_selector("td.forecast")
        salience = page.locator('input[type=number][data-field^="salience-"]').nth(1)
        salience.fill("0.2")
        salience.press("Enter")
        page.wait_for_function("document.body.dataset.pending === '0'")
        page.wait_for_timeout(500)
        page.screenshot(path=str(HERE / "web-app.png"))
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def report(browser, folder: Path) -> None:
    out = folder / "report.html"
    subprocess.run([sys.executable, "-m", "jirga", "report", "--runs", "300", "--out", str(out)], check=True)
    page = browser.new_page(viewport=VIEWPORT)
    page.goto(out.as_uri())
    page.wait_for_timeout(1000)
    page.evaluate("document.getElementById('issue-withdrawal').scrollIntoView()")
    page.evaluate("window.scrollBy(0, -90)")
    page.wait_for_timeout(300)
    page.screenshot(path=str(HERE / "report.png"))


def main() -> None:
    with tempfile.TemporaryDirectory() as temporary, sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            web_app(browser, Path(temporary))
            report(browser, Path(temporary))
        finally:
            browser.close()
    for name in ("web-app.png", "report.png"):
        compress(HERE / name)
        print(f"wrote {HERE / name} ({(HERE / name).stat().st_size // 1024} KB)")


if __name__ == "__main__":
    main()

"""The web app in a real browser: Debian's Chromium driven by Playwright.

Open the page served by uvicorn on 127.0.0.1, drag a salience slider, check that every
forecast on the page becomes what each model computes for the new salience, undo, save,
reload, run a Monte Carlo and a what-if; open the report with the network cut; keep
screenshots in ``artifacts/`` (git-ignored).

Needs ``apt-get install chromium`` (Playwright's own browser downloads do not work here) and
the ``playwright`` Python package; skipped with the reason when either is missing.
"""

from __future__ import annotations

import datetime as dt
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jirga.forecast import model_rng
from jirga.models import MODELS, Problem, make_model
from jirga.scenario import Value, load_scenario
from jirga.scenario.model import Scenario

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).parent.parent
ARTIFACTS = ROOT / "artifacts"
SCENARIO = Path(__file__).parent / "data" / "web" / "two_issues.yaml"
DATED = Path(__file__).parent / "data" / "web" / "dated.yaml"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="no /usr/bin/chromium: apt-get install chromium to run the browser test"),
]
playwright = pytest.importorskip("playwright.sync_api", reason="the browser test needs the playwright package (pip install playwright)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """uvicorn serving a copy of two_issues.yaml on a free port of 127.0.0.1, in a thread."""
    yield from serve_copy(SCENARIO, tmp_path)


@pytest.fixture
def served_dated(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """The same for dated.yaml, whose stances change between its two articles."""
    yield from serve_copy(DATED, tmp_path)


def serve_copy(scenario: Path, folder: Path) -> Iterator[tuple[str, Path]]:
    import uvicorn

    from jirga.web import create_app

    path = folder / scenario.name
    shutil.copy(scenario, path)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(path), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("uvicorn did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", path
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def page() -> Iterator[object]:
    ARTIFACTS.mkdir(exist_ok=True)
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser.new_context(viewport={"width": 1440, "height": 900}).new_page()
        finally:
            browser.close()


def with_salience(scenario: Scenario, actor: str, issue: str, salience: float) -> Scenario:
    target = scenario.stance(actor, issue)
    stances = tuple(stance.model_copy(update={"salience": Value(value=salience)}) if stance is target else stance for stance in scenario.stances)
    return scenario.model_copy(update={"stances": stances})


def model_forecasts(scenario: Scenario, as_of: dt.date | None = None) -> dict[tuple[str, str], float]:
    """Each registered model's own forecast of the issues someone has a stance on (as of a
    date), seeded as the app seeds it (seed 0)."""
    problem = Problem.from_scenario(scenario, as_of)
    values = {}
    for name in MODELS:
        forecast = make_model(name).forecast(problem, model_rng(0, name)).forecast
        for column, issue in enumerate(problem.issues):
            if problem.present[:, column].any():
                values[(issue, name)] = float(forecast[column])
    return values


def page_forecasts(page) -> dict[tuple[str, str], tuple[float, str]]:
    cells = page.locator("td.forecast[data-value]").evaluate_all(
        "cells => cells.map(cell => [cell.dataset.issue, cell.dataset.model, cell.dataset.value, cell.querySelector('.value').textContent])"
    )
    return {(issue, model): (float(value), text) for issue, model, value, text in cells}


def open_app(page, url: str) -> None:
    """Load the page and wait for its forecast table (or fail with the page's error message)."""
    page.goto(url)
    page.wait_for_selector("td.forecast, #message:not([hidden])")
    assert page.locator("#message").is_hidden(), page.locator("#message").text_content()
    settle(page)


def settle(page) -> None:
    """Wait until no forecast request is in flight."""
    page.wait_for_function("document.body.dataset.pending === '0'")


def assert_page_shows(page, scenario: Scenario, as_of: dt.date | None = None) -> None:
    expected = model_forecasts(scenario, as_of)
    shown = page_forecasts(page)
    assert set(shown) == set(expected)
    for key, value in expected.items():
        assert shown[key][0] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        assert shown[key][1] == f"{value:.1f}", key


def test_move_a_salience_undo_save_reload(served: tuple[str, Path], page) -> None:
    url, path = served
    open_app(page, url)
    saved = load_scenario(path)
    assert_page_shows(page, saved)
    assert page.locator("#status").text_content() == "saved"

    # Drag the mediator's salience on the ceasefire from 1.0 to about a fifth of the track.
    slider = page.locator('input[type=range][data-field="salience-med"]')
    box = slider.bounding_box()
    middle = box["y"] + box["height"] / 2
    page.mouse.move(box["x"] + box["width"] - 4, middle)
    page.mouse.down()
    page.mouse.move(box["x"] + box["width"] * 0.2, middle, steps=12)
    page.mouse.up()
    settle(page)
    moved = float(slider.input_value())
    assert 0.1 < moved < 0.3, f"the drag should leave the slider near 0.2, it is at {moved}"
    assert float(page.locator('input[type=number][data-field="salience-med"]').input_value()) == moved
    edited = with_salience(saved, "med", "ceasefire", moved)
    assert_page_shows(page, edited)
    before, after = model_forecasts(saved), model_forecasts(edited)
    assert after[("ceasefire", "compromise")] != before[("ceasefire", "compromise")], "the forecast moved"
    assert "1 unsaved change" == page.locator("#status").text_content()
    page.screenshot(path=str(ARTIFACTS / "web-app-edited.png"))

    page.locator("#undo").click()
    settle(page)
    assert_page_shows(page, saved)
    assert float(slider.input_value()) == 1.0

    # Type a salience instead, then save and reload: the page shows the saved number.
    number = page.locator('input[type=number][data-field="salience-med"]')
    number.fill("0.35")
    number.press("Enter")
    number.blur()
    settle(page)
    assert_page_shows(page, with_salience(saved, "med", "ceasefire", 0.35))
    page.locator("#save").click()
    page.wait_for_function("document.getElementById('status').textContent === 'saved'")
    assert "Saved 1 change" in page.locator("#message").text_content()
    assert load_scenario(path).stance("med", "ceasefire").salience.value == 0.35

    page.reload()
    page.wait_for_selector("td.forecast")
    settle(page)
    assert page.locator("#message").is_hidden(), page.locator("#message").text_content()
    assert page.locator('input[type=number][data-field="salience-med"]').input_value() == "0.35"
    assert_page_shows(page, load_scenario(path))
    page.screenshot(path=str(ARTIFACTS / "web-app.png"))


def test_two_tabs_conflict_then_reapply(served: tuple[str, Path], page) -> None:
    url, path = served
    open_app(page, url)
    other = page.context.new_page()
    open_app(other, url)
    for tab, value in ((page, "0.9"), (other, "0.1")):
        field = tab.locator('input[type=number][data-field="salience-pub"]')
        field.fill(value)
        field.press("Enter")
        settle(tab)
    page.locator("#save").click()
    page.wait_for_function("document.getElementById('status').textContent === 'saved'")
    other.locator("#save").click()
    other.wait_for_selector("#message:not([hidden])")
    assert "changed since this page loaded it" in other.locator("#message").text_content()
    assert load_scenario(path).stance("pub", "ceasefire").salience.value == 0.9, "the first save is kept"
    other.locator("#message button").click()
    other.wait_for_function("document.getElementById('message').textContent.includes('applied to the version saved elsewhere')")
    settle(other)
    assert other.locator("#status").text_content() == "1 unsaved change"
    other.locator("#save").click()
    other.wait_for_function("document.getElementById('status').textContent === 'saved'")
    assert load_scenario(path).stance("pub", "ceasefire").salience.value == 0.1


def test_evidence_tab_searches(served: tuple[str, Path], page) -> None:
    url, _ = served
    open_app(page, url)
    page.get_by_role("tab", name="Evidence").click()
    page.wait_for_selector(".quote")
    assert page.locator(".quote").count() == 2
    page.locator("#evidence-search").fill("ceasefire first")
    page.wait_for_function("document.querySelectorAll('.quote').length === 1")
    assert "The government wants a ceasefire first." in page.locator(".quote").text_content()
    page.screenshot(path=str(ARTIFACTS / "web-app-evidence.png"))


def test_montecarlo_from_the_page_shows_progress_then_the_spread(served: tuple[str, Path], page) -> None:
    url, _ = served
    open_app(page, url)
    page.get_by_role("tab", name="Monte Carlo & what-if").click()
    page.locator("#montecarlo-runs").fill("300")
    page.locator("#montecarlo-run").click()
    page.wait_for_selector("#montecarlo-progress:not([hidden])")
    page.wait_for_selector("#montecarlo-result:not([hidden])", timeout=120_000)
    rows = page.locator("#montecarlo-table tbody tr").evaluate_all("rows => rows.map(row => [row.dataset.model, row.cells[1].textContent])")
    # The first column is each model's forecast of the unperturbed scenario.
    expected = model_forecasts(load_scenario(SCENARIO))
    assert {model: text for model, text in rows} == {model: f"{expected[('ceasefire', model)]:.1f}" for model in MODELS}
    page.locator("#whatif-shipped").select_option(index=0)
    page.locator("#whatif-text").fill("name: mediator steps back\nchanges:\n  - set: {actor: med, issue: ceasefire, salience: 0}\n")
    page.get_by_role("button", name="Compare").click()
    page.wait_for_selector("#whatif-result table")
    assert "mediator steps back" in page.locator("#whatif-result h3").text_content()
    page.screenshot(path=str(ARTIFACTS / "web-app-analysis.png"), full_page=True)


def test_switching_issue_after_an_edit_draws_that_issue(served: tuple[str, Path], page) -> None:
    url, _ = served
    open_app(page, url)
    field = page.locator('input[type=number][data-field="salience-gov"]')
    field.fill("0.3")
    field.press("Enter")
    settle(page)
    page.locator("#issue").select_option("power")
    settle(page)
    page.wait_for_function("document.getElementById('chart-positions').textContent.includes('equal shares')")
    assert page.locator('input[type=number][data-field="position-reb"]').input_value() == "9"


def test_the_stances_as_of_an_earlier_article(served_dated: tuple[str, Path], page) -> None:
    """Choose the first article's date: the page shows and forecasts the stances held then,
    leaves out the issue nobody had spoken on, edits those stances, and keeps the date while
    an edit is unsaved."""
    from jirga.web.edits import Edit, apply_edits

    url, path = served_dated
    open_app(page, url)
    scenario, first = load_scenario(path), dt.date(2020, 1, 1)
    assert_page_shows(page, scenario)
    page.locator("#as-of").select_option("2020-01-01")
    settle(page)
    assert_page_shows(page, scenario, first)
    assert page.locator('td.forecast[data-issue="talks"]').first.text_content() == "—"
    assert page.locator("#stances .stance").evaluate_all("cards => cards.map(card => card.dataset.actor)") == ["A", "B"]
    field = page.locator('input[type=number][data-field="salience-A"]')
    field.fill("0.5")
    field.press("Enter")
    settle(page)
    edit = Edit(quantity="salience", actor="A", issue="war", value=0.5)
    assert_page_shows(page, apply_edits(scenario, [edit], first), first)
    assert page.locator("#as-of").is_disabled()
    page.locator("#issue").select_option("talks")
    assert page.locator("#unknown-note").is_visible()
    page.screenshot(path=str(ARTIFACTS / "web-app-as-of.png"))
    page.locator("#undo").click()
    settle(page)
    assert page.locator("#as-of").is_enabled()
    page.locator("#as-of").select_option("")
    settle(page)
    assert_page_shows(page, scenario)


def test_the_report_renders_with_the_network_cut(tmp_path: Path, page) -> None:
    from jirga.report import build_report

    report = tmp_path / "report.html"
    report.write_text(build_report(load_scenario(SCENARIO)), encoding="utf-8")
    asked: list[str] = []

    def refuse(route) -> None:
        asked.append(route.request.url)
        route.abort()

    page.context.route(lambda url: not url.startswith("file:"), refuse)
    page.goto(report.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot .main-svg').length > 0")
    drawn = page.locator(".js-plotly-plot").count()
    assert drawn == page.locator("div[id^='figure-']").count() > 0, "every chart is drawn"
    assert asked == [], f"the report asked the network for {asked}"
    page.screenshot(path=str(ARTIFACTS / "report.png"))

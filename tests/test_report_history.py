"""The report's sections on time ("How positions moved", "Hindcast") and `jirga show --as-of/--history`:
the numbers on the page are those `jirga hindcast` and `jirga forecast --as-of` print, and the
steps drawn are the scenario file's dated stances."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import html as lxml_html
from ruamel.yaml import YAML
from typer.testing import CliRunner

from jirga.cli import app
from jirga.forecast import run_forecast
from jirga.report import build_report
from jirga.scenario import default_scenario_path, load_scenario
from jirga.scenario.outcomes import read_outcomes

DATA = Path(__file__).parent / "data"
runner = CliRunner()

# The tiny scenario with two dated sources; Alpha moves from 20 (2020-01-01) to 40 (2020-06-01),
# Beta (60) and Gamma (100) hold undated stances, known from the start. Every weight
# capability x salience is 1 (Alpha 2 x 0.5, Beta 1 x 1, Gamma 1 x 1).
DATED = (DATA / "tiny.yaml").read_text(encoding="utf-8").replace(
    "    date: 2020-01-01\n",
    "    date: 2020-01-01\n  - id: doc2\n    title: A later document\n    date: 2020-06-01\n",
).replace(
    "  - actor: A\n    issue: war\n    position: {value: 20, interval: [10, 30]}\n    salience: 0.5\n",
    "  - actor: A\n    issue: war\n    date: 2020-01-01\n    position: {value: 20, interval: [10, 30]}\n    salience: 0.5\n"
    "  - actor: A\n    issue: war\n    date: 2020-06-01\n    position:\n      value: 40\n      evidence:\n"
    "        - {document: doc2, quote: Alpha now accepts a truce, rationale: it moved}\n    salience: 0.5\n",
)


def run(*arguments: str) -> str:
    result = runner.invoke(app, list(arguments))
    assert result.exit_code == 0, result.output
    return result.stdout


def page_of(*arguments: str, out: Path) -> lxml_html.HtmlElement:
    run("report", *arguments, "--out", str(out))
    return lxml_html.fromstring(out.read_bytes())


def figure_data(page: lxml_html.HtmlElement, div_id: str) -> list[dict[str, Any]]:
    """The traces Plotly draws in the div ``div_id`` (the JSON passed to ``Plotly.newPlot``)."""
    script = next(text for text in page.xpath("//script/text()") if f'"{div_id}"' in text and "Plotly.newPlot" in text)
    start = script.index("[", script.index(f'"{div_id}"'))
    traces, _ = json.JSONDecoder().raw_decode(script[start:])
    return traces


def _value(number: Any) -> float:
    """A number of the YAML: a bare value or a mapping with ``value``."""
    return number["value"] if isinstance(number, dict) else number


@pytest.fixture
def dated(tmp_path: Path) -> Path:
    path = tmp_path / "dated.yaml"
    path.write_text(DATED, encoding="utf-8")
    return path


def test_history_and_hindcast_of_a_small_scenario_by_hand(dated: Path, tmp_path: Path) -> None:
    page = page_of(str(dated), "--model", "compromise", "--model", "median", "--outcomes", str(DATA / "tiny-outcomes.yaml"), out=tmp_path / "r.html")
    # Weighted mean, all weights 1: as of 2020-01-01 (20 + 60 + 100) / 3 = 60; as of 2020-06-01
    # (40 + 60 + 100) / 3 = 66.67. Weighted median of {20|40, 60, 100}, equal weights: 60 both times.
    expected = {"compromise": [60.0, 200 / 3], "median": [60.0, 60.0]}
    for model, values in expected.items():
        cells = page.xpath(f'//div[@data-issue="war"]//table[@class="history-forecasts"]//tr[@data-model="{model}"]/td')
        assert [cell.get("data-date") for cell in cells] == ["2020-01-01", "2020-06-01"]
        assert [float(cell.get("data-value")) for cell in cells] == pytest.approx(values)
    alpha = next(trace for trace in figure_data(page, "figure-history-war") if trace["name"] == "Alpha")
    assert alpha["x"] == ["2020-01-01", "2020-06-01", "2020-06-01"]  # two steps, held to the last date
    assert alpha["y"] == [20, 40, 40]
    assert "“Alpha now accepts a truce”<br>(A later document)" in alpha["text"][1]
    # Hindcast against the outcome 100: compromise errs 40 then 33.33 (toward), median 40 and 40.
    rows = {
        (row.get("data-forecaster"), row.get("data-date")): float(row.get("data-error"))
        for row in page.xpath('//table[@class="hindcast-scores"]//tr[@data-forecaster]')
    }
    assert rows[("compromise", "2020-01-01")] == pytest.approx(40.0)
    assert rows[("compromise", "2020-06-01")] == pytest.approx(100 / 3)
    assert rows[("median", "2020-06-01")] == pytest.approx(40.0)
    assert rows[("unweighted mean", "2020-06-01")] == pytest.approx(100 / 3)
    last = page.xpath('//table[@class="hindcast-last"]//tr[@data-forecaster="compromise"]/td[@data-issue="war"]')[0]
    assert last.text_content().split() == ["33", "↓"]
    outcome = page.xpath('//table[@class="outcomes"]//tr[@data-issue="war"]')[0]
    assert float(outcome.xpath("td[@data-value]")[0].get("data-value")) == 100.0
    assert "an invented record for the test" in outcome.text_content()
    assert {"#history", "#hindcast"} <= {a.get("href") for a in page.xpath("//nav/a")}


def test_time_sections_appear_only_with_their_data(dated: Path, tmp_path: Path) -> None:
    one_date = page_of(str(DATA / "tiny.yaml"), "--model", "compromise", out=tmp_path / "one.html")
    assert not one_date.xpath('//section[@id="history"]') and not one_date.xpath('//section[@id="hindcast"]')
    no_outcomes = page_of(str(dated), "--model", "compromise", out=tmp_path / "two.html")
    assert no_outcomes.xpath('//section[@id="history"]') and not no_outcomes.xpath('//section[@id="hindcast"]')
    # as of the first date only one evidence date is left: no history to draw
    early = page_of(str(dated), "--model", "compromise", "--as-of", "2020-03-01", out=tmp_path / "early.html")
    assert not early.xpath('//section[@id="history"]')


def test_a_bad_outcome_file_is_one_line_and_exit_2(dated: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text((DATA / "tiny-outcomes.yaml").read_text(encoding="utf-8").replace("value: 100", "value: 140"), encoding="utf-8")
    result = runner.invoke(app, ["report", str(dated), "--outcomes", str(bad), "--out", str(tmp_path / "r.html")])
    assert result.exit_code != 0
    assert not (tmp_path / "r.html").exists()


@pytest.fixture(scope="module")
def afghan_page(tmp_path_factory: pytest.TempPathFactory) -> lxml_html.HtmlElement:
    """The report of the embedded scenario: its shipped outcomes are used by default."""
    return page_of(out=tmp_path_factory.mktemp("afghan") / "report.html")


def test_the_hindcast_in_the_report_is_what_jirga_hindcast_prints(afghan_page: lxml_html.HtmlElement) -> None:
    printed = json.loads(run("hindcast", "--format", "json"))
    rows = afghan_page.xpath('//table[@class="hindcast-scores"]//tr[@data-forecaster]')
    shown = {(row.get("data-date"), row.get("data-issue"), row.get("data-forecaster")): row for row in rows}
    assert len(shown) == len(rows) == len(printed["scores"]) > 0
    for score in printed["scores"]:
        row = shown[(score["date"], score["issue"], score["forecaster"])]
        assert float(row.get("data-forecast")) == score["forecast"]
        assert float(row.get("data-outcome")) == score["outcome"]
        assert float(row.get("data-error")) == score["error"]
    means = {row.get("data-forecaster"): row for row in afghan_page.xpath('//table[@class="hindcast-last"]//tr[@data-forecaster]')}
    summary = printed["summary"]
    # the table is ranked best first, as jirga hindcast ranks it
    assert list(means) == [item["forecaster"] for item in sorted(summary, key=lambda item: item["mean_error_last"])]
    last = printed["dates"][-1]
    for item in summary:
        assert float(means[item["forecaster"]].xpath("td[@data-mean]")[0].get("data-mean")) == item["mean_error_last"]
        for issue, trend in item["trends"].items():
            cell = means[item["forecaster"]].xpath(f'td[@data-issue="{issue}"]')[0]
            assert cell.get("data-error") == shown[(last, issue, item["forecaster"])].get("data-error")
            assert cell.xpath('span[@class="trend"]')[0].text == {"toward": "↓", "away": "↑", "flat": "·"}[trend]
    # mean error by date: the mean over issues of the printed errors of that date
    for row in afghan_page.xpath('//table[@class="hindcast-dates"]//tr[@data-forecaster]'):
        for cell in row.xpath("td[@data-mean]"):
            errors = [s["error"] for s in printed["scores"] if s["forecaster"] == row.get("data-forecaster") and s["date"] == cell.get("data-date")]
            assert float(cell.get("data-mean")) == pytest.approx(sum(errors) / len(errors), abs=1e-12)


def test_the_history_forecasts_are_what_jirga_forecast_as_of_prints(afghan_page: lxml_html.HtmlElement) -> None:
    dates = sorted({cell.get("data-date") for cell in afghan_page.xpath('//table[@class="history-forecasts"]//td[@data-date]')})
    assert dates == ["2019-01-17", "2019-04-15", "2020-07-15", "2021-03-08", "2021-08-13"]  # the five articles
    for date in dates:
        for row in csv.DictReader(io.StringIO(run("forecast", "--as-of", date, "--format", "csv"))):
            cell = afghan_page.xpath(
                f'//div[@data-issue="{row["issue"]}"]//table[@class="history-forecasts"]//tr[@data-model="{row["model"]}"]/td[@data-date="{date}"]'
            )[0]
            assert float(cell.get("data-value")) == pytest.approx(float(row["forecast"]), abs=1e-9)


def test_the_steps_drawn_are_the_dated_stances_of_the_scenario_file(afghan_page: lxml_html.HtmlElement) -> None:
    """Read the shipped YAML directly: every (actor, withdrawal) stance with its date and position."""
    document = YAML(typ="safe").load(default_scenario_path().read_text(encoding="utf-8"))
    names = {actor["id"]: actor["name"] for actor in document["actors"]}
    traces = {trace["name"]: trace for trace in figure_data(afghan_page, "figure-history-withdrawal")}
    stances = [stance for stance in document["stances"] if stance["issue"] == "withdrawal"]
    assert stances, "the embedded scenario has stances on withdrawal"
    for actor in {stance["actor"] for stance in stances}:
        own = sorted((str(stance["date"]), _value(stance["position"])) for stance in stances if stance["actor"] == actor)
        trace = traces[names[actor]]
        assert list(zip(trace["x"], trace["y"]))[:-1] == [(date, value) for date, value in own]
        first_quote = next(s for s in stances if s["actor"] == actor and str(s["date"]) == own[-1][0])["position"]["evidence"][0]["quote"]
        assert " ".join(first_quote.split()[:4]) in re.sub(r"<br>", " ", trace["text"][len(own) - 1])
    models = [trace for trace in traces.values() if trace["name"].endswith(" forecast")]
    assert len(models) == 5 and all(trace["line"]["dash"] == "dash" for trace in models)


def test_show_as_of_shows_the_stances_held_on_that_date(dated: Path) -> None:
    early = run("show", str(dated), "--as-of", "2020-03-01", "--no-evidence")
    assert "stances held on 2020-03-01 (1 later stance left out)" in early
    alpha = [line for line in early[early.index("War (war") :].splitlines() if line.startswith("│ A ")]
    assert len(alpha) == 1 and "│ 20 [10, 30]" in alpha[0] and "2020-01-01" in alpha[0]
    late = run("show", str(dated), "--as-of", "2020-06-01", "--no-evidence")
    alpha = [line for line in late[late.index("War (war") :].splitlines() if line.startswith("│ A ")]
    assert len(alpha) == 1 and "│ 40 " in alpha[0] and "2020-06-01" in alpha[0]


def test_show_history_lists_every_position_with_its_date(dated: Path) -> None:
    shown = run("show", str(dated), "--history", "--no-evidence")
    table = shown[shown.index("positions over time") :]
    header = next(line for line in table.splitlines() if "actor" in line)
    assert re.findall(r"\d{4}-\d\d-\d\d", header) == ["2020-01-01", "2020-06-01"]
    alpha = next(line for line in table.splitlines() if line.startswith("│ A "))
    assert re.findall(r"\d+", alpha) == ["20", "40"]
    beta = next(line for line in table.splitlines() if line.startswith("│ B "))
    assert re.findall(r"\d+", beta) == ["60", "60"]  # undated: held from the start
    early = run("show", str(dated), "--history", "--as-of", "2020-03-01", "--no-evidence")
    header = next(line for line in early[early.index("positions over time") :].splitlines() if "actor" in line)
    assert re.findall(r"\d{4}-\d\d-\d\d", header) == ["2020-01-01"]


def test_time_charts_as_png_for_slides(dated: Path, tmp_path: Path) -> None:
    pytest.importorskip("kaleido", reason="PNG export needs kaleido (pip install 'jirga[export]')")
    arguments = ["report", str(dated), "--format", "png", "--out", str(tmp_path / "charts"), "-m", "compromise"]
    run(*arguments, "--outcomes", str(DATA / "tiny-outcomes.yaml"))
    written = {path.name for path in (tmp_path / "charts").iterdir()}
    assert {"history-war.png", "hindcast-errors.png", "hindcast-mean.png"} <= written
    assert (tmp_path / "charts" / "history-war.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_model_parameters_reach_the_history_and_the_hindcast() -> None:
    """build_report(parameters=...) forecasts every date with them, as run_forecast does."""
    scenario = load_scenario()
    last = dt.date(2021, 8, 13)
    one_round = run_forecast(scenario, ["eum"], parameters={"rounds": 1}, as_of=last).runs[0].forecast("withdrawal")
    ten_rounds = run_forecast(scenario, ["eum"], as_of=last).runs[0].forecast("withdrawal")
    assert abs(one_round - ten_rounds) > 1  # the parameter matters here, so the check below can fail
    page = lxml_html.fromstring(build_report(scenario, models=["eum"], parameters={"rounds": 1}, outcomes=read_outcomes(None, scenario)))
    history = page.xpath(f'//div[@data-issue="withdrawal"]//tr[@data-model="eum"]/td[@data-date="{last}"]')[0]
    assert float(history.get("data-value")) == pytest.approx(one_round, abs=1e-9)
    scored = page.xpath(f'//table[@class="hindcast-scores"]//tr[@data-forecaster="eum"][@data-issue="withdrawal"][@data-date="{last}"]')[0]
    assert float(scored.get("data-forecast")) == pytest.approx(one_round, abs=1e-9)

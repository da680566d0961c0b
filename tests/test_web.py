"""The web app's routes through FastAPI's TestClient, bad inputs included: path traversal,
oversized and malformed uploads, non-numeric and out-of-range numbers, a stale version on save."""

from __future__ import annotations

import hashlib
import shutil
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from hypothesis import example, given, settings
from hypothesis import strategies as st
from lxml import html as lxml_html

from jirga.analysis.montecarlo import run_montecarlo
from jirga.forecast import model_rng
from jirga.models import MODELS, Problem, make_model
from jirga.scenario import FORMATS, Value, load_scenario
from jirga.scenario.native import parse_yaml
from jirga.web import create_app
from jirga.web.app import WEB_BATCH_SIZE, Jobs
from jirga.web.edits import Edit, apply_edits, moved

DATA = Path(__file__).parent / "data"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A data directory holding a copy of tiny.yaml and, beside it, a secret file it must not serve."""
    (tmp_path / "data").mkdir()
    shutil.copy(DATA / "tiny.yaml", tmp_path / "data" / "tiny.yaml")
    (tmp_path / "secret.txt").write_text("do not serve me")
    return tmp_path / "data"


@pytest.fixture
def client(folder: Path) -> TestClient:
    return TestClient(create_app(folder / "tiny.yaml"))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


BASELINES = ("compromise", "median")


def forecasts(answer: dict) -> dict[tuple[str, str], float]:
    """The two baselines' forecasts (worked out by hand in the tests); other models are checked
    against their own ``forecast`` in :func:`test_every_model_forecasts_the_edited_scenario`."""
    return {(item["issue"], item["model"]): item["value"] for item in answer["forecasts"] if item["model"] in BASELINES}


def salience_of_alpha(value: object) -> dict:
    return {"edits": [{"quantity": "salience", "actor": "A", "issue": "war", "value": value}]}


def test_the_page_and_its_assets(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "<h1>Tiny</h1>" in page.text
    for path, kind in (("/static/app.js", "javascript"), ("/static/app.css", "text/css"), ("/assets/plotly.min.js", "javascript")):
        answer = client.get(path)
        assert answer.status_code == 200 and kind in answer.headers["content-type"], path


def test_state_has_the_saved_file_its_version_and_forecasts(client: TestClient, folder: Path) -> None:
    state = client.get("/api/state").json()
    assert state["version"] == digest(folder / "tiny.yaml")
    assert [actor["id"] for actor in state["scenario"]["actors"]] == ["A", "B", "C"]
    # Weights c x s = 2 x 0.5, 1 x 1, 1 x 1 = 1, 1, 1: compromise (20 + 60 + 100) / 3 = 60;
    # cumulative weight 1, 2, 3 first reaches half of 3 at 60: median 60.
    assert forecasts(state) == {("war", "compromise"): 60.0, ("war", "median"): 60.0}
    assert {item["text"] for item in state["forecasts"] if item["model"] in BASELINES} == {"60.0"}
    assert set(state["figures"]) == {"war"} and set(state["figures"]["war"]) == {"positions", "rounds"}


def test_a_salience_edit_changes_the_forecast_without_touching_the_file(client: TestClient, folder: Path) -> None:
    before = digest(folder / "tiny.yaml")
    answer = client.post("/api/forecast", json=salience_of_alpha(1.0))
    assert answer.status_code == 200
    # Alpha's weight becomes 2 x 1 = 2: compromise (2 x 20 + 60 + 100) / 4 = 50 (the anchor
    # "truce"); cumulative 2, 3, 4 reaches exactly half of 4 at 20, so the median is the
    # midpoint of 20 and 60 = 40.
    assert forecasts(answer.json()) == {("war", "compromise"): 50.0, ("war", "median"): 40.0}
    assert [item["label"] for item in answer.json()["forecasts"] if item["model"] in BASELINES] == ["truce", "≈ truce"]
    assert digest(folder / "tiny.yaml") == before


def test_every_model_forecasts_the_edited_scenario(client: TestClient, folder: Path) -> None:
    answer = client.post("/api/forecast", json=salience_of_alpha(1.0)).json()
    original = load_scenario(folder / "tiny.yaml")
    alpha = original.stance("A", "war")
    edited = original.model_copy(
        update={"stances": tuple(stance.model_copy(update={"salience": Value(value=1.0)}) if stance is alpha else stance for stance in original.stances)}
    )
    problem = Problem.from_scenario(edited)
    shown = {item["model"]: item for item in answer["forecasts"]}
    assert set(shown) == set(MODELS)
    for name in MODELS:
        expected = float(make_model(name).forecast(problem, model_rng(0, name)).forecast[0])
        assert shown[name]["value"] == pytest.approx(expected, rel=1e-12, abs=1e-12), name
        assert shown[name]["text"] == f"{expected:.1f}"


def test_forecast_draws_only_the_issue_the_page_shows(tmp_path: Path) -> None:
    shutil.copy(DATA / "web" / "two_issues.yaml", tmp_path / "two.yaml")
    client = TestClient(create_app(tmp_path / "two.yaml"))
    assert set(client.get("/api/state").json()["figures"]) == {"ceasefire"}
    assert set(client.get("/api/state", params={"issue": "power"}).json()["figures"]) == {"power"}
    answer = client.post("/api/forecast", json={"edits": [], "issue": "power"}).json()
    assert set(answer["figures"]) == {"power"} and {item["issue"] for item in answer["forecasts"]} == {"ceasefire", "power"}
    unknown = client.post("/api/forecast", json={"edits": [], "issue": "peace"})
    assert unknown.status_code == 422 and unknown.json()["detail"] == "issue: unknown issue 'peace'"


def test_position_and_capability_edits(client: TestClient) -> None:
    edits = [
        {"quantity": "position", "actor": "C", "issue": "war", "value": 40},
        {"quantity": "capability", "actor": "B", "issue": None, "value": 3},
    ]
    # Weights 1 (A at 20), 3 (B at 60), 1 (C now at 40): compromise (20 + 180 + 40) / 5 = 48.
    answer = client.post("/api/forecast", json={"edits": edits}).json()
    assert forecasts(answer)[("war", "compromise")] == pytest.approx(48.0)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": "high"}, "edits[0].value: Input should be a valid number"),
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": "0.5"}, "edits[0].value: Input should be a valid number"),
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": True}, "edits[0].value: Input should be a valid number"),
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": None}, "edits[0].value: Input should be a valid number"),
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": 1.5}, "edits[0].value: salience must lie in [0, 1], got 1.5"),
        ({"quantity": "salience", "actor": "A", "issue": "war", "value": -0.1}, "edits[0].value: salience must lie in [0, 1], got -0.1"),
        ({"quantity": "position", "actor": "A", "issue": "war", "value": 101}, "edits[0].value: position 101 lies outside the scale [0, 100] of 'war'"),
        ({"quantity": "capability", "actor": "A", "value": -1}, "edits[0].value: capability must be >= 0, got -1"),
        ({"quantity": "salience", "actor": "Z", "issue": "war", "value": 0.5}, "edits[0].actor: unknown actor 'Z'"),
        ({"quantity": "salience", "actor": "A", "issue": "peace", "value": 0.5}, "edits[0].issue: unknown issue 'peace'"),
        ({"quantity": "salience", "actor": "A", "value": 0.5}, "edits[0].issue: a salience edit needs an issue"),
        ({"quantity": "mood", "actor": "A", "issue": "war", "value": 0.5}, "edits[0].quantity: Input should be 'position', 'salience' or 'capability'"),
        ({"quantity": "salience", "actor": "../A", "issue": "war", "value": 0.5}, "edits[0].actor: String should match pattern"),
    ],
)
def test_bad_numbers_are_422_with_the_field_named(client: TestClient, edit: dict, message: str) -> None:
    answer = client.post("/api/forecast", json={"edits": [edit]})
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(message)


def test_an_infinite_number_is_422(client: TestClient) -> None:
    # Python's JSON reader takes the non-standard Infinity that some clients send.
    body = '{"edits": [{"quantity": "salience", "actor": "A", "issue": "war", "value": Infinity}]}'
    answer = client.post("/api/forecast", content=body, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.json()["detail"] == "edits[0].value: must be a finite number, got inf"


def test_non_numeric_salience_on_save_writes_nothing(client: TestClient, folder: Path) -> None:
    before = (folder / "tiny.yaml").read_bytes()
    answer = client.post("/api/save", json={**salience_of_alpha("lots"), "version": digest(folder / "tiny.yaml")})
    assert answer.status_code == 422 and "edits[0].value" in answer.json()["detail"]
    assert (folder / "tiny.yaml").read_bytes() == before


def test_save_writes_atomically_and_returns_the_new_version(client: TestClient, folder: Path) -> None:
    version = client.get("/api/state").json()["version"]
    answer = client.post("/api/save", json={**salience_of_alpha(1.0), "version": version})
    assert answer.status_code == 200
    path = folder / "tiny.yaml"
    assert answer.json() == {"version": digest(path), "saved": 1}
    saved = load_scenario(path)
    assert saved.stance("A", "war").salience.value == 1.0
    assert saved.stance("A", "war").position.interval.low == 10  # the rest of the stance is kept
    assert saved.actor("A").capability.evidence[0].quote == "Alpha is strong"
    assert [entry.name for entry in folder.iterdir()] == ["tiny.yaml"], "no temporary file left behind"
    state = client.get("/api/state").json()
    assert state["version"] == digest(path)
    assert forecasts(state)[("war", "compromise")] == 50.0


def test_a_moved_position_carries_its_interval_along(client: TestClient, folder: Path) -> None:
    version = client.get("/api/state").json()["version"]
    edit = {"edits": [{"quantity": "position", "actor": "A", "issue": "war", "value": 5}], "version": version}
    assert client.post("/api/save", json=edit).status_code == 200
    # [10, 30] around 20 moves by -15 to [-5, 15], clipped to the scale: [0, 15].
    interval = load_scenario(folder / "tiny.yaml").stance("A", "war").position.interval
    assert (interval.low, interval.high) == (0, 15)


def test_two_tabs_the_second_save_is_a_conflict_not_a_lost_edit(client: TestClient, folder: Path) -> None:
    first_tab = client.get("/api/state").json()["version"]
    second_tab = client.get("/api/state").json()["version"]
    assert client.post("/api/save", json={**salience_of_alpha(1.0), "version": first_tab}).status_code == 200
    saved = (folder / "tiny.yaml").read_bytes()
    stale = client.post("/api/save", json={**salience_of_alpha(0.1), "version": second_tab})
    assert stale.status_code == 409
    assert stale.json()["detail"].startswith("tiny.yaml changed since this page loaded it")
    assert (folder / "tiny.yaml").read_bytes() == saved
    assert load_scenario(folder / "tiny.yaml").stance("A", "war").salience.value == 1.0


def test_a_change_by_another_program_is_a_conflict_too(client: TestClient, folder: Path) -> None:
    version = client.get("/api/state").json()["version"]
    path = folder / "tiny.yaml"
    path.write_text(path.read_text().replace("salience: 0.5", "salience: 0.25"))
    assert client.post("/api/save", json={**salience_of_alpha(1.0), "version": version}).status_code == 409
    assert load_scenario(path).stance("A", "war").salience.value == 0.25


def test_a_malformed_version_is_422(client: TestClient) -> None:
    answer = client.post("/api/save", json={**salience_of_alpha(1.0), "version": "abc"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("version:")


def test_the_embedded_scenario_is_read_only() -> None:
    try:
        app = create_app(None)
    except Exception as error:  # noqa: BLE001  (the embedded scenario is another area's work in progress)
        pytest.skip(f"the embedded scenario does not load yet: {error}")
    client = TestClient(app)
    version = client.get("/api/state").json()["version"]
    answer = client.post("/api/save", json={"edits": [], "version": version})
    assert answer.status_code == 403 and "read-only" in answer.json()["detail"]


def test_the_stances_as_of_a_date_are_viewed_edited_and_saved(tmp_path: Path) -> None:
    """dated.yaml: A moves on war from 20 to 60 between its two articles, C joins, and talks
    only begin in the second. Compromise by hand (weights c s): latest war (60 + 40 + 80) / 2.5
    = 56 with B (80, 0.5) and C (40, 2 x 0.5); as of 2020-01-01 war (20 + 40) / 1.5 = 40 and
    no talks; A's salience there set to 0.5: (10 + 40) / 1 = 50."""
    path = tmp_path / "dated.yaml"
    shutil.copy(DATA / "web" / "dated.yaml", path)
    client = TestClient(create_app(path))
    latest = client.get("/api/state").json()
    assert latest["scenario"]["dates"] == ["2020-01-01", "2021-01-01"] and latest["as_of"] is None
    assert forecasts(latest)[("war", "compromise")] == pytest.approx(56)
    early = client.get("/api/state", params={"as_of": "2020-01-01"}).json()
    assert early["as_of"] == "2020-01-01" and early["issues"] == ["war"]
    assert {(item["actor"], item["position"]) for item in early["scenario"]["stances"]} == {("A", 20), ("B", 80)}
    assert forecasts(early) == {("war", "compromise"): pytest.approx(40), ("war", "median"): 20}
    edit = {"edits": [{"quantity": "salience", "actor": "A", "issue": "war", "value": 0.5}], "as_of": "2020-01-01"}
    assert forecasts(client.post("/api/forecast", json=edit).json())[("war", "compromise")] == pytest.approx(50)
    assert client.post("/api/save", json={**edit, "version": early["version"]}).status_code == 200
    saved = load_scenario(path)
    assert [stance.salience.value for stance in saved.stances if (stance.actor, stance.issue) == ("A", "war")] == [0.5, 1.0]
    assert forecasts(client.get("/api/state", params={"as_of": "2020-01-01"}).json())[("war", "compromise")] == pytest.approx(50)
    assert forecasts(client.get("/api/state").json())[("war", "compromise")] == pytest.approx(56)
    answer = client.get("/api/state", params={"as_of": "2019-12-31"})
    assert answer.status_code == 422 and "no actor has a stance on any issue as of 2019-12-31" in answer.json()["detail"]


def test_download_in_every_registered_format(client: TestClient, folder: Path) -> None:
    answer = client.get("/api/download/yaml")
    assert answer.status_code == 200
    assert answer.headers["content-disposition"] == 'attachment; filename="tiny.yaml"'
    assert parse_yaml(answer.text) == load_scenario(folder / "tiny.yaml")
    for name, item in FORMATS.items():
        answer = client.get(f"/api/download/{name}")
        assert answer.status_code == 200, name
        assert answer.headers["content-disposition"].endswith(f'{item.suffixes[0]}"')
    missing = client.get("/api/download/docx")
    assert missing.status_code == 404 and "unknown format 'docx'" in missing.json()["detail"]


def test_evidence_search_and_filters(client: TestClient) -> None:
    rows = client.get("/api/evidence").json()["rows"]
    assert [(row["subject"], row["quantity"], row["quote"], row["title"], row["date"]) for row in rows] == [
        ("Alpha", "capability", "Alpha is strong", "A document", "2020-01-01")
    ]
    assert len(client.get("/api/evidence", params={"q": "STRONG"}).json()["rows"]) == 1
    assert client.get("/api/evidence", params={"q": "weak"}).json()["rows"] == []
    assert client.get("/api/evidence", params={"actor": "B"}).json()["rows"] == []
    assert client.get("/api/evidence", params={"issue": "war"}).json()["rows"] == []


def test_evidence_filters_by_issue(tmp_path: Path) -> None:
    shutil.copy(DATA / "web" / "two_issues.yaml", tmp_path / "two.yaml")
    client = TestClient(create_app(tmp_path / "two.yaml"))
    rows = client.get("/api/evidence", params={"issue": "ceasefire"}).json()["rows"]
    assert [row["subject"] for row in rows] == ["Government on Ceasefire"]
    assert rows[0]["link"] == "https://example.org/briefing#:~:text=The%20government%20wants%20a%20ceasefire%20first."
    assert len(client.get("/api/evidence", params={"actor": "gov"}).json()["rows"]) == 2


def test_upload_an_article(client: TestClient, folder: Path) -> None:
    text = "Talks resumed in Doha on Thursday.\n"
    answer = client.post("/api/upload", files={"file": ("../../doha talks.txt", text.encode(), "text/plain")})
    assert answer.status_code == 200
    assert answer.json() == {"document": "doha-talks", "path": "articles/doha-talks.txt", "bytes": len(text)}
    assert (folder / "articles" / "doha-talks.txt").read_text() == text
    again = client.post("/api/upload", files={"file": ("doha talks.txt", b"more", "text/plain")})
    assert again.json()["path"] == "articles/doha-talks-2.txt", "an upload never overwrites another"
    assert client.get("/files/articles/doha-talks.txt").text == text


def test_a_100_mb_upload_is_rejected_before_it_is_read(client: TestClient, folder: Path) -> None:
    body = b"a" * (100 << 20)
    answer = client.post("/api/upload", files={"file": ("big.txt", body, "text/plain")})
    assert answer.status_code == 413
    assert answer.json()["detail"] == "request body over the limit of 5 MiB"
    assert not (folder / "articles").exists()


def test_a_streamed_body_over_the_limit_is_cut_off(client: TestClient) -> None:
    def chunks():  # no Content-Length: the limit is counted as the body arrives
        for _ in range(3):
            yield b"x" * (1 << 20)

    answer = client.post("/api/forecast", content=chunks(), headers={"Content-Type": "application/json"})
    assert answer.status_code == 413


@pytest.mark.parametrize(
    ("name", "content", "status", "message"),
    [
        ("evil.exe", b"MZ\x90\x00", 415, "an article is a .txt, .html, .htm, .md file, got 'evil.exe'"),
        ("latin1.txt", "Peshawar café".encode("latin-1"), 415, "latin1.txt is not UTF-8 text (byte 12)"),
        ("binary.txt", b"text\x00with a NUL", 415, "binary.txt is binary, not text"),
        ("empty.txt", b"  \n", 422, "empty.txt is empty"),
        ("", b"no name", 422, None),
    ],
)
def test_malformed_uploads_are_rejected(client: TestClient, folder: Path, name: str, content: bytes, status: int, message: str | None) -> None:
    answer = client.post("/api/upload", files={"file": (name, content, "application/octet-stream")})
    assert answer.status_code == status
    if message:
        assert answer.json()["detail"] == message
    assert not (folder / "articles").exists()


def test_upload_without_a_file_is_422(client: TestClient) -> None:
    answer = client.post("/api/upload", data={"note": "nothing"})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("file:")


@pytest.mark.parametrize(
    "path",
    [
        "/files/../secret.txt",
        "/files/%2e%2e/secret.txt",
        "/files/..%2fsecret.txt",
        "/files/%2e%2e%2fsecret.txt",
        "/files/articles/../../secret.txt",
        "/files//etc/passwd",
        "/files/%2fetc%2fpasswd",
        "/files/link-out",
        "/files/",
        "/files/nothing-here.txt",
        "/static/../app.py",
        "/static/%2e%2e/app.py",
        "/static/..%2fapp.py",
    ],
)
def test_no_file_outside_the_data_directory(client: TestClient, folder: Path, path: str) -> None:
    (folder / "link-out").symlink_to(folder.parent / "secret.txt")
    answer = client.get(path)
    assert answer.status_code == 404
    assert "do not serve me" not in answer.text and "root:" not in answer.text


def test_files_inside_the_data_directory_are_served(client: TestClient, folder: Path) -> None:
    answer = client.get("/files/tiny.yaml")
    assert answer.status_code == 200 and answer.content == (folder / "tiny.yaml").read_bytes()


def test_another_site_cannot_post_to_the_app(client: TestClient, folder: Path) -> None:
    before = (folder / "tiny.yaml").read_bytes()
    version = client.get("/api/state").json()["version"]
    body = {**salience_of_alpha(1.0), "version": version}
    refused = client.post("/api/save", json=body, headers={"Origin": "http://evil.example"})
    assert refused.status_code == 403 and refused.json()["detail"] == "a page of http://evil.example may not change this scenario"
    upload = client.post("/api/upload", files={"file": ("a.txt", b"text", "text/plain")}, headers={"Origin": "http://127.0.0.1:9"})
    assert upload.status_code == 403
    assert (folder / "tiny.yaml").read_bytes() == before and not (folder / "articles").exists()
    assert client.post("/api/save", json=body, headers={"Origin": "http://testserver"}).status_code == 200  # the app's own page


def test_an_uploaded_page_cannot_run_scripts_as_the_app(client: TestClient) -> None:
    page = b"<html><body><script>fetch('/api/save', {method: 'POST'})</script>Talks resumed.</body></html>"
    assert client.post("/api/upload", files={"file": ("evil.html", page, "text/html")}).status_code == 200
    answer = client.get("/files/articles/evil.html")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == "sandbox" and answer.headers["x-content-type-options"] == "nosniff"


def test_a_scenario_outside_the_data_directory_is_refused(folder: Path) -> None:
    from jirga.errors import JirgaError

    with pytest.raises(JirgaError, match="the scenario must lie inside the data directory"):
        create_app(folder / "tiny.yaml", data_dir=folder.parent / "elsewhere")


def test_a_broken_scenario_fails_at_start_with_its_line(tmp_path: Path) -> None:
    from jirga.errors import JirgaError

    path = tmp_path / "broken.yaml"
    path.write_text((DATA / "tiny.yaml").read_text().replace("salience: 0.5", "salience: 5"))
    with pytest.raises(JirgaError, match=r"broken.yaml:\d+: stances\[0\].salience"):
        create_app(path)


def test_an_unreadable_scenario_is_a_clear_error(client: TestClient, folder: Path) -> None:
    # A file that cannot be read (here: replaced by a folder, which even root cannot read as a file).
    path = folder / "tiny.yaml"
    path.unlink()
    path.mkdir()
    answer = client.get("/api/state")
    assert answer.status_code == 422 and answer.json()["detail"] == f"{path}: Is a directory"


def test_a_scenario_broken_on_disk_is_reported_with_its_line(client: TestClient, folder: Path) -> None:
    path = folder / "tiny.yaml"
    path.write_text(path.read_text().replace("salience: 0.5", "salience: 5"))
    answer = client.get("/api/state")
    assert answer.status_code == 422
    assert answer.json()["detail"].startswith(f"{path}:") and "stances[0].salience" in answer.json()["detail"]


# --- Monte Carlo, what-if and jobs -------------------------------------------------------------


def wait_for(client: TestClient, job: dict, seconds: float = 120) -> dict:
    deadline = time.monotonic() + seconds
    while job["state"] == "running":
        assert time.monotonic() < deadline, "the job did not finish"
        time.sleep(0.2)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


def test_montecarlo_runs_in_the_background_with_progress(client: TestClient, folder: Path) -> None:
    started = client.post("/api/montecarlo", json={**salience_of_alpha(1.0), "runs": 30})
    assert started.status_code == 202
    job = started.json()
    assert job["total"] == 30 * len(MODELS) and job["state"] == "running"
    job = wait_for(client, job)
    assert job["state"] == "done" and job["done"] == job["total"], job["error"]
    # The same runs as the analysis API gives for the edited scenario (seed 0, chunks of 100).
    edited = apply_edits(load_scenario(folder / "tiny.yaml"), [Edit(quantity="salience", actor="A", issue="war", value=1.0)])
    table = {row["model"]: row for row in job["result"]["tables"][0]["rows"]}
    for name in BASELINES:
        expected = run_montecarlo(edited, make_model(name), 30, 0, workers=1, batch_size=WEB_BATCH_SIZE).summary()[0]
        assert table[name]["mean"] == pytest.approx(expected.mean, rel=1e-12)
        assert (table[name]["p5"], table[name]["p95"]) == pytest.approx((expected.p5, expected.p95), rel=1e-12)
    assert table["compromise"]["point"] == 50.0  # the edited scenario's forecast, worked out above
    assert set(job["result"]["figures"]) == {"war"}


@pytest.mark.parametrize("runs", [0, -5, 20_001, "many"])
def test_montecarlo_refuses_bad_run_counts(client: TestClient, runs: object) -> None:
    answer = client.post("/api/montecarlo", json={"edits": [], "runs": runs})
    assert answer.status_code == 422 and answer.json()["detail"].startswith("runs:")


def test_unknown_job_is_404(client: TestClient) -> None:
    answer = client.get("/api/jobs/deadbeef")
    assert answer.status_code == 404 and "no analysis 'deadbeef'" in answer.json()["detail"]


def test_at_most_two_jobs_at_once() -> None:
    from fastapi import HTTPException

    jobs, release = Jobs(limit=2), threading.Event()
    first = jobs.start("first", 1, lambda advance: release.wait(10) and {})
    jobs.start("second", 1, lambda advance: release.wait(10) and {})
    with pytest.raises(HTTPException) as refused:
        jobs.start("third", 1, lambda advance: {})
    assert refused.value.status_code == 429
    release.set()
    deadline = time.monotonic() + 10
    while jobs.get(first.id).state == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert jobs.start("fourth", 1, lambda advance: {}).what == "fourth"


def test_a_failing_job_reports_its_error() -> None:
    jobs = Jobs()
    job = jobs.start("broken", 1, lambda advance: 1 / 0)
    deadline = time.monotonic() + 10
    while job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert job.state == "failed" and job.error == "ZeroDivisionError: division by zero"


def test_whatif_patch_side_by_side(tmp_path: Path) -> None:
    shutil.copy(DATA / "web" / "two_issues.yaml", tmp_path / "two.yaml")
    client = TestClient(create_app(tmp_path / "two.yaml"))
    patch = "name: mediator steps back\nchanges:\n  - set: {actor: med, issue: ceasefire, salience: 0}\n"
    answer = client.post("/api/whatif", json={"edits": [], "patch": patch})
    assert answer.status_code == 200
    body = answer.json()
    assert body["patch"]["label"] == "mediator steps back"
    models = [model["name"] for model in body["models"]]
    ceasefire = {name: cell for name, cell in zip(models, body["rows"][0]["cells"])}
    # Without the mediator's weight: gov 32 at 80, reb 18 at 40, pub 5 at 100.
    # Compromise (2560 + 720 + 500) / 55 = 68.73 (base 69.07); cumulative 18, 50, 55 passes
    # 27.5 at 80: median 80 (base 70).
    assert ceasefire["compromise"]["value"] == pytest.approx(3780 / 55)
    assert ceasefire["compromise"]["difference"] == pytest.approx(3780 / 55 - 5180 / 75)
    assert (ceasefire["median"]["base"], ceasefire["median"]["value"]) == (70.0, 80.0)
    power = {name: cell for name, cell in zip(models, body["rows"][1]["cells"])}
    assert power["compromise"]["difference"] == 0.0


def test_a_bad_patch_names_its_line(client: TestClient) -> None:
    answer = client.post("/api/whatif", json={"edits": [], "patch": "name: x\nchanges:\n  - set: {actor: nobody, salience: 0.5}\n"})
    assert answer.status_code == 422
    assert answer.json()["detail"] == "patch:3: changes[0].set.actor: unknown actor 'nobody' (known: A, B, C)"


def test_the_shipped_patches_are_offered(client: TestClient) -> None:
    from jirga.analysis.whatif import shipped_patches

    offered = client.get("/api/patches").json()["patches"]
    assert [item["name"] for item in offered] == list(shipped_patches())
    assert all(item["text"].strip() for item in offered)


# --- the evidence store and the documents -------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An evidence store holding note1.txt, the document two_issues.yaml quotes (spaCy parses it)."""
    from jirga.evidence.ingest import ingest

    path = tmp_path_factory.mktemp("store") / "evidence.duckdb"
    assert ingest([DATA / "web" / "note1.txt"], path).added == ["note1"]
    return path


@pytest.fixture
def with_store(tmp_path: Path, store: Path) -> TestClient:
    shutil.copy(DATA / "web" / "two_issues.yaml", tmp_path / "two.yaml")
    shutil.copy(store, tmp_path / "evidence.duckdb")
    return TestClient(create_app(tmp_path / "two.yaml", store=tmp_path / "evidence.duckdb"))


def test_the_store_joins_the_evidence_browser(with_store: TestClient) -> None:
    rows = with_store.get("/api/evidence").json()["rows"]
    kinds = {row["kind"] for row in rows}
    assert "number" in kinds and kinds & {"quote", "event", "stance"}, kinds
    numbers = [row for row in rows if row["kind"] == "number"]
    assert len(numbers) == 2 and all(row["in_text"].startswith("/documents/note1?quote=") for row in numbers)
    only_numbers = with_store.get("/api/evidence", params={"kind": "number"}).json()["rows"]
    assert only_numbers == numbers
    found = [row for row in rows if row["kind"] != "number"]
    for row in found:
        page = with_store.get(row["in_text"])
        assert page.status_code == 200
        marked = lxml_html.fromstring(page.text).get_element_by_id("passage").text_content()
        assert marked == row["quote"]


def test_a_document_page_marks_the_quoted_sentence(with_store: TestClient) -> None:
    page = with_store.get("/documents/note1", params={"quote": "The government wants a ceasefire first."})
    assert page.status_code == 200
    assert lxml_html.fromstring(page.text).get_element_by_id("passage").text_content() == "The government wants a ceasefire first."
    missing = with_store.get("/documents/note1", params={"quote": "words not in the note"})
    assert "does not occur in this text" in missing.text
    assert with_store.get("/documents/nothing").status_code == 404
    assert with_store.get("/documents/..%2f..%2fsecret").status_code == 404


def test_an_uploaded_article_is_a_document_too(client: TestClient) -> None:
    client.post("/api/upload", files={"file": ("doc1.txt", b"Everyone agrees. Alpha is strong. Beta is not.", "text/plain")})
    row = client.get("/api/evidence").json()["rows"][0]
    assert row["in_text"] == "/documents/doc1?quote=Alpha+is+strong"
    page = client.get(row["in_text"])
    assert lxml_html.fromstring(page.text).get_element_by_id("passage").text_content() == "Alpha is strong"


def test_an_upload_is_added_to_the_store(with_store: TestClient) -> None:
    article = b"Zalmay Khalilzad met the Taliban in Doha on 12 March 2020. Pakistan welcomed the talks."
    answer = with_store.post("/api/upload", files={"file": ("doha.txt", article, "text/plain")}).json()
    job = wait_for(with_store, answer["job"])
    assert job["state"] == "done", job["error"]
    assert job["result"] == {"added": ["doha"], "unchanged": [], "skipped": []}
    rows = with_store.get("/api/evidence", params={"q": "Khalilzad met"}).json()["rows"]
    assert rows and all(row["document"] == "doha" for row in rows)


def test_a_missing_store_is_refused_at_start(folder: Path) -> None:
    from jirga.errors import JirgaError

    with pytest.raises(JirgaError, match="no evidence store here"):
        create_app(folder / "tiny.yaml", store=folder / "none.duckdb")


# --- moving a number keeps its interval around it ---------------------------------------------


@settings(max_examples=300, deadline=None)
@example(point=0.15, below=0.15, above=0.0, new=0.2)
@given(
    point=st.floats(0, 1, allow_nan=False),
    below=st.floats(0, 1, allow_nan=False),
    above=st.floats(0, 1, allow_nan=False),
    new=st.floats(0, 1, allow_nan=False),
)
def test_a_moved_value_stays_inside_its_moved_interval(point: float, below: float, above: float, new: float) -> None:
    # Found by moving a salience of 0.15 in [0.0, 0.15] to 0.2: low + shift and high + shift gave
    # [0.05, 0.19999999999999996], which excludes 0.2. The interval must follow without rounding out.
    low, high = max(0.0, point - below), min(1.0, point + above)
    value = Value(value=point, interval=(low, high))
    result = moved(value, new, 0.0, 1.0)
    assert result.value == new
    assert 0.0 <= result.interval.low <= new <= result.interval.high <= 1.0
    # Away from the bounds the interval keeps its width (to rounding).
    if new - (point - low) >= 0 and new + (high - point) <= 1:
        assert result.interval.high - result.interval.low == pytest.approx(high - low, abs=1e-12)


# --- saving keeps the file as the analyst wrote it -------------------------------------------------


def test_save_rewrites_only_the_edited_numbers(client: TestClient, folder: Path) -> None:
    path = folder / "tiny.yaml"
    original = path.read_text().replace("issues:\n", "# the scale runs from peace to war\nissues:\n")
    path.write_text(original)
    version = client.get("/api/state").json()["version"]
    edits = [
        {"quantity": "position", "actor": "A", "issue": "war", "value": 25.5},
        {"quantity": "salience", "actor": "B", "issue": "war", "value": 0.75},
    ]
    assert client.post("/api/save", json={"edits": edits, "version": version}).status_code == 200
    # A's position 20 [10, 30] moves by 5.5 with its interval; B's bare salience 1 becomes 0.75;
    # the comment, the evidence and every other line stay as they were.
    expected = original.replace("position: {value: 20, interval: [10, 30]}", "position: {value: 25.5, interval: [15.5, 35.5]}")
    expected = expected.replace("    position: 60\n    salience: 1\n", "    position: 60\n    salience: 0.75\n")
    assert path.read_text() == expected


def test_an_edit_that_changes_the_yaml_shape_writes_the_scenario_whole(client: TestClient, folder: Path) -> None:
    version = client.get("/api/state").json()["version"]
    # C's stance has no capability of its own: setting one adds a key, so the file is rewritten.
    edit = {"edits": [{"quantity": "capability", "actor": "C", "issue": "war", "value": 4}], "version": version}
    assert client.post("/api/save", json=edit).status_code == 200
    saved = load_scenario(folder / "tiny.yaml")
    assert saved.stance("C", "war").capability.value == 4 and saved.actor("C").capability.value == 1
    assert saved.actor("A").capability.evidence[0].quote == "Alpha is strong"


def test_jirga_serve_listens_on_127_0_0_1(folder: Path) -> None:
    import socket
    import subprocess
    import sys
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "jirga", "serve", str(folder / "tiny.yaml"), "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/state", timeout=5) as answer:
                    assert answer.status == 200
                    break
            except OSError:
                assert server.poll() is None and time.monotonic() < deadline, "jirga serve did not come up"
                time.sleep(0.3)
        table = Path("/proc/net/tcp")
        sockets = [line.split() for line in table.read_text().splitlines()[1:]] if table.exists() else []
        listening = [local for local, state in ((fields[1], fields[3]) for fields in sockets) if state == "0A" and int(local.split(":")[1], 16) == port]
        assert all(local.split(":")[0] == "0100007F" for local in listening)  # 127.0.0.1 in /proc/net/tcp's byte order
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=20)
    assert f"http://127.0.0.1:{port}/" in output


def test_the_actor_filter_matches_ids_not_name_prefixes(tmp_path: Path) -> None:
    # "Government" is a prefix of the name "Government of Pakistan": a name match would mix them.
    public = "  - id: pub\n    name: Public\n    kind: organisation\n    capability: 10\n"
    quoted = (
        "  - id: pub\n    name: Government of Pakistan\n    kind: organisation\n    capability:\n      value: 10\n"
        "      evidence:\n        - {document: note1, quote: The government wants a ceasefire first., rationale: test}\n"
    )
    text = (DATA / "web" / "two_issues.yaml").read_text()
    assert public in text
    (tmp_path / "two.yaml").write_text(text.replace(public, quoted))
    client = TestClient(create_app(tmp_path / "two.yaml"))
    subjects = [row["subject"] for row in client.get("/api/evidence", params={"actor": "gov"}).json()["rows"]]
    assert subjects == ["Government", "Government on Ceasefire"]
    assert [row["subject"] for row in client.get("/api/evidence", params={"actor": "pub"}).json()["rows"]] == ["Government of Pakistan"]

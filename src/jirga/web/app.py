"""The web app: browse a scenario, move a number, watch every model's forecast change, save.

:func:`create_app` builds a FastAPI application over one *data directory*: the folder of the
scenario file, where uploads also go. The app reads the scenario from disk on every request,
so a page always starts from what is saved; a save checks the version the page started from
(a SHA-256 of the file) and refuses with HTTP 409 if the file changed meanwhile, so two tabs
never overwrite each other's work. No route serves a file outside the data directory.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote as quote_url
from urllib.parse import urlencode, urlsplit

from fastapi import FastAPI, File, HTTPException, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from plotly.offline import get_plotlyjs
from pydantic import BaseModel, ConfigDict, Field
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jirga import __version__
from jirga.analysis.hindcast import evidence_dates
from jirga.errors import JirgaError
from jirga.files import atomic_write_text
from jirga.forecast import ForecastResult, run_forecast
from jirga.models import MODELS, Problem
from jirga.report import figures
from jirga.report.build import grounded_numbers, sentence_link
from jirga.report.evidence import KINDS as STORE_KINDS
from jirga.report.evidence import StoredDocument, quote_span, store_rows, stored_document
from jirga.scenario import FORMATS, default_scenario_path
from jirga.scenario.formats import format_for
from jirga.scenario.model import Identifier, Scenario
from jirga.scenario.native import field_name, parse_yaml
from jirga.web.edits import Edit, apply_edits
from jirga.web.saving import saved_text

STATIC = Path(__file__).parent / "static"
MAX_BODY = 1 << 20
"""Largest request body outside uploads: 1 MiB of JSON edits is far more than a person makes."""
MAX_UPLOAD = 5 << 20
"""Largest article upload: 5 MiB, many times a long news article as HTML."""
MAX_RUNS = 20_000
"""Most Monte Carlo runs the page may ask for, so that one click cannot occupy the server for hours."""
WEB_BATCH_SIZE = 100
"""Monte Carlo runs per chunk in the app: progress moves every 100 runs (``jirga montecarlo
--batch-size 100`` gives the same numbers)."""
ARTICLE_SUFFIXES = (".txt", ".html", ".htm", ".md")
UPLOADS = "articles"
UNTRUSTED_FILE_HEADERS = {"Content-Security-Policy": "sandbox", "X-Content-Type-Options": "nosniff"}
"""Headers of every file served from the data directory: its content is not the app's."""


class EditsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    edits: list[Edit] = Field(default_factory=list, max_length=10_000)
    as_of: dt.date | None = Field(
        default=None, description="The date whose stances the edits change and the models forecast (the latest stances when absent)."
    )


class ForecastRequest(EditsRequest):
    issue: Identifier | None = Field(default=None, description="The issue whose figures to send (all when absent).")


class SaveRequest(EditsRequest):
    version: str = Field(min_length=64, max_length=64, pattern="^[0-9a-f]{64}$")


class MonteCarloRequest(EditsRequest):
    runs: int = Field(default=500, ge=1, le=MAX_RUNS)


class WhatIfRequest(EditsRequest):
    patch: str = Field(min_length=1, max_length=100_000, description="A shipped patch's name, or a patch as YAML text.")


@dataclass
class Job:
    """A long analysis running in a thread of the app: its progress, then its result or error."""

    id: str
    what: str
    total: int
    done: int = 0
    state: str = "running"
    result: dict[str, Any] | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "what": self.what, "total": self.total, "done": self.done, "state": self.state, "result": self.result, "error": self.error}


class Jobs:
    """At most ``limit`` analyses at once (HTTP 429 beyond); the latest ``kept`` are remembered."""

    def __init__(self, limit: int = 2, kept: int = 20) -> None:
        self.limit = limit
        self.kept = kept
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()

    def start(self, what: str, total: int, work: Callable[[Callable[[int], None]], dict[str, Any]]) -> Job:
        """Run ``work(advance)`` in a thread; ``advance(n)`` adds n to the job's progress."""
        with self.lock:
            if sum(job.state == "running" for job in self.jobs.values()) >= self.limit:
                raise HTTPException(429, f"{self.limit} analyses are running already: wait for one to finish")
            job = Job(uuid.uuid4().hex, what, total)
            self.jobs[job.id] = job
            for old in list(self.jobs)[: max(0, len(self.jobs) - self.kept)]:
                if self.jobs[old].state != "running":
                    del self.jobs[old]

        def advance(count: int) -> None:
            job.done = min(job.total, job.done + count)

        def run() -> None:
            try:
                job.result = work(advance)
                job.state = "done"
            except JirgaError as error:
                job.error, job.state = str(error), "failed"
            except Exception as error:  # noqa: BLE001  (a model's bug must reach the page, not kill the thread silently)
                job.error, job.state = f"{type(error).__name__}: {error}", "failed"

        threading.Thread(target=run, name=f"jirga-job-{job.id[:8]}", daemon=True).start()
        return job

    def get(self, job_id: str) -> Job:
        try:
            return self.jobs[job_id]
        except KeyError:
            raise HTTPException(404, f"no analysis {job_id!r} (finished ones are forgotten after {self.kept} newer)") from None


@dataclass
class Workspace:
    """The scenario file the app edits, the data directory it may serve from, and run settings."""

    scenario_path: Path
    data_dir: Path
    read_only: bool
    seed: int = 0
    store: Path | None = None
    save_lock: threading.Lock = field(default_factory=threading.Lock)
    store_lock: threading.Lock = field(default_factory=threading.Lock)
    """DuckDB refuses a read-only and a writing connection to one file in one process: readers
    and the ingest of an upload take turns."""
    parsed: tuple[str, Scenario, str] | None = None
    """The last read: the file is hashed on every request but parsed again only when it changed."""

    def read(self) -> tuple[Scenario, str]:
        """The saved scenario and its version (the SHA-256 of the file's bytes)."""
        _, scenario, version = self.snapshot()
        return scenario, version

    def snapshot(self) -> tuple[str, Scenario, str]:
        """The file's text, the scenario it holds and its version (the SHA-256 of its bytes)."""
        try:
            content = self.scenario_path.read_bytes()
        except OSError as error:
            raise JirgaError(error.strerror or "cannot read", file=self.scenario_path) from None
        version = hashlib.sha256(content).hexdigest()
        cached = self.parsed
        if cached is not None and cached[2] == version:
            return cached
        chosen = format_for(self.scenario_path)
        if chosen.name == "yaml":
            try:
                text = content.decode("utf-8")
            except UnicodeDecodeError as error:
                raise JirgaError(f"not UTF-8 text (byte {error.start})", file=self.scenario_path) from None
            scenario = parse_yaml(text, self.scenario_path)
        else:
            text, scenario = content.decode("utf-8", errors="replace"), chosen.read(self.scenario_path)
        self.parsed = (text, scenario, version)
        return self.parsed

    def forecast(self, scenario: Scenario, as_of: dt.date | None = None) -> ForecastResult:
        """Every model's forecast of the issues someone has a stance on by ``as_of`` (latest if None)."""
        return run_forecast(scenario, models=list(MODELS), as_of=as_of, seed=self.seed)

    def document(self, name: str) -> StoredDocument | None:
        """A document by id or name: from the evidence store, else an uploaded text article."""
        if self.store is not None:
            with self.store_lock:
                stored = stored_document(self.store, name)
            if stored is not None:
                return stored
        if not re.fullmatch(r"[A-Za-z0-9_.\-]+", name):
            return None
        for suffix in (".txt", ".md"):
            path = self.data_dir / UPLOADS / f"{name}{suffix}"
            if path.is_file():
                return StoredDocument(name, name, name, None, "", path.read_text(encoding="utf-8"))
        return None

    def inside(self, relative: str) -> Path:
        """The file ``relative`` names inside the data directory; 404 for anything outside it
        (``..``, absolute paths, symbolic links that lead out) or that is not a file."""
        root = self.data_dir.resolve()
        candidate = (root / relative).resolve()
        if not candidate.is_relative_to(root) or not candidate.is_file():
            raise HTTPException(404, f"no file {relative!r} in the data directory")
        return candidate


def forecast_payload(result: ForecastResult, charted: str | None = None) -> dict[str, Any]:
    """Every model's forecast on every issue (value, its text as the CLI prints it, its words)
    and, as Plotly JSON, the figures of the issue ``charted`` (of every issue when None)."""
    problem = Problem.from_scenario(result.scenario, result.as_of)
    forecasts = []
    charts: dict[str, Any] = {}
    for issue in result.issues:
        for run in result.runs:
            value = run.forecast(issue.id)
            forecasts.append(
                {"issue": issue.id, "model": run.name, "value": value, "text": f"{value:.1f}", "label": issue.label(value), "rounds": run.rounds(issue.id)}
            )
        if charted is not None and issue.id != charted:
            continue
        rounds = figures.trajectory_chart(result, issue)
        charts[issue.id] = {
            "positions": json.loads(figures.issue_chart(result, issue, problem).to_json()),
            "rounds": json.loads(rounds.to_json()) if rounds is not None else None,
        }
    return {"forecasts": forecasts, "figures": charts, "issues": [issue.id for issue in result.issues]}


def scenario_payload(scenario: Scenario, as_of: dt.date | None = None) -> dict[str, Any]:
    """The scenario as the page needs it: actors, issues with their scales, the stances held on
    ``as_of`` (the latest when None) and the dates of its evidence, to view it as of each."""
    return {
        "name": scenario.name,
        "description": scenario.description,
        "as_of": scenario.as_of.isoformat() if scenario.as_of else None,
        "dates": [date.isoformat() for date in evidence_dates(scenario)],
        "actors": [
            {"id": actor.id, "name": actor.name, "kind": actor.kind.value, "description": actor.description, "capability": actor.capability.value}
            for actor in scenario.actors
        ],
        "issues": [
            {
                "id": issue.id,
                "name": issue.name,
                "description": issue.description,
                "lower": issue.lower,
                "upper": issue.upper,
                "anchors": [{"value": anchor.value, "label": anchor.label} for anchor in issue.anchors],
            }
            for issue in scenario.issues
        ],
        "stances": [
            {
                "actor": stance.actor,
                "issue": stance.issue,
                "position": stance.position.value,
                "salience": stance.salience.value,
                "capability": stance.capability.value if stance.capability is not None else None,
                "date": stance.date.isoformat() if stance.date else None,
            }
            for stance in scenario.current_stances(as_of)
        ],
    }


def evidence_rows(scenario: Scenario, query: str = "", actor: str = "", issue: str = "") -> list[dict[str, Any]]:
    """The quotes behind the scenario's numbers, filtered by actor and issue id and by a
    case-insensitive search of subject, quote, rationale and document."""
    needle = query.casefold().strip()
    rows = []
    for number in grounded_numbers(scenario):
        if (actor and number.actor_id != actor) or (issue and number.issue_id != issue):
            continue
        for quote in number.quotes:
            text = " ".join((number.subject, number.quantity, quote.quote, quote.rationale, quote.document, quote.title)).casefold()
            if needle and needle not in text:
                continue
            rows.append(
                {
                    "subject": number.subject,
                    "quantity": number.quantity,
                    "value": number.value,
                    "quote": quote.quote,
                    "rationale": quote.rationale,
                    "document": quote.document,
                    "title": quote.title,
                    "date": quote.date.isoformat() if quote.date else None,
                    "link": quote.link,
                    "judgement": quote.judgement,
                }
            )
    return rows


def _ingest(path: Path, workspace: Workspace, advance: Callable[[int], None]) -> dict[str, Any]:
    """Add one article to the evidence store (spaCy parses it: a few seconds)."""
    from jirga.evidence.ingest import ingest

    with workspace.store_lock:
        report = ingest([path], workspace.store)
    advance(1)
    return {"added": report.added, "unchanged": report.unchanged, "skipped": [str(item) for item in report.skipped]}


class BodyLimit:
    """ASGI middleware: HTTP 413 for a request body over its path's limit, whether the client
    announces the length or streams it."""

    def __init__(self, app: ASGIApp, limits: dict[str, int], default: int) -> None:
        self.app = app
        self.limits = limits
        self.default = default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        message = f"request body over the limit of {limit // (1 << 20)} MiB"
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await JSONResponse({"detail": message}, status_code=413)(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            incoming = await receive()
            received += len(incoming.get("body", b""))
            if received > limit:
                raise HTTPException(413, message)
            return incoming

        await self.app(scope, limited, send)


class SameOrigin:
    """ASGI middleware: HTTP 403 for a request that changes something (not GET or HEAD) sent by
    a page of another site, told by its ``Origin`` header. The app has no login, so without
    this any web page open in the same browser could post edits or uploads to it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] not in ("GET", "HEAD", "OPTIONS"):
            headers = dict(scope["headers"])
            origin = headers.get(b"origin", b"").decode("latin-1")
            host = headers.get(b"host", b"").decode("latin-1")
            if origin and urlsplit(origin).netloc != host:
                await JSONResponse({"detail": f"a page of {origin} may not change this scenario"}, status_code=403)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def create_app(scenario: str | Path | None = None, *, data_dir: str | Path | None = None, seed: int = 0, store: str | Path | None = None) -> FastAPI:
    """The app editing ``scenario`` (read-only: the embedded default when None).

    ``data_dir`` (default: the scenario's folder) is the only folder files are served from and
    uploads are written to; ``seed`` seeds every model's generator as ``jirga forecast --seed``.
    """
    read_only = scenario is None
    path = Path(scenario) if scenario is not None else default_scenario_path()
    path = path.resolve()
    if not path.is_file():
        raise JirgaError("no such file", file=path)
    workspace = Workspace(
        scenario_path=path,
        data_dir=Path(data_dir).resolve() if data_dir is not None else path.parent,
        read_only=read_only,
        seed=seed,
        store=Path(store).resolve() if store is not None else None,
    )
    if workspace.store is not None and not workspace.store.is_file():
        raise JirgaError("no evidence store here: run `jirga ingest` first", file=workspace.store, field="--store")
    if not read_only and not path.is_relative_to(workspace.data_dir):
        raise JirgaError("the scenario must lie inside the data directory", file=path, field="--data")
    workspace.read()  # fail now, with the file's own error, rather than on the first request
    templates = Environment(loader=PackageLoader("jirga.web", "templates"), autoescape=select_autoescape(["html", "j2"]))
    app = FastAPI(title="jirga", version=__version__, docs_url=None, redoc_url=None)
    app.state.workspace = workspace
    jobs = Jobs()
    app.state.jobs = jobs
    app.add_middleware(BodyLimit, limits={"/api/upload": MAX_UPLOAD + (64 << 10)}, default=MAX_BODY)
    app.add_middleware(SameOrigin)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")

    @app.exception_handler(JirgaError)
    async def _bad_input(request: Request, error: JirgaError) -> JSONResponse:
        return JSONResponse({"detail": str(error)}, status_code=422)

    @app.exception_handler(RequestValidationError)
    async def _bad_form(request: Request, error: RequestValidationError) -> JSONResponse:
        problem = error.errors()[0]
        where = field_name([part for part in problem["loc"] if part not in ("body", "query")])
        message = problem["msg"].removeprefix("Value error, ")
        return JSONResponse({"detail": f"{where}: {message}" if where else message}, status_code=422)

    @app.get("/", response_class=HTMLResponse)
    def index() -> str:
        scenario, _ = workspace.read()
        return templates.get_template("index.html.j2").render(
            scenario=scenario, version=__version__, read_only=workspace.read_only, store=workspace.store.name if workspace.store else ""
        )

    @app.get("/assets/plotly.min.js")
    def plotly_js() -> Response:
        return Response(get_plotlyjs(), media_type="text/javascript", headers={"Cache-Control": "max-age=86400"})

    @app.get("/api/state")
    def state(issue: str = "", as_of: dt.date | None = None) -> dict[str, Any]:
        """The saved scenario (its stances held on ``as_of``, the latest when absent), its
        version, the models, the download formats, its forecast, and the figures of ``issue``
        (the first issue when absent or unknown)."""
        scenario, version = workspace.read()
        shown = issue if issue in {item.id for item in scenario.issues} else scenario.issues[0].id
        return {
            "scenario": scenario_payload(scenario, as_of),
            "as_of": as_of.isoformat() if as_of else None,
            "version": version,
            "file": workspace.scenario_path.name,
            "read_only": workspace.read_only,
            "store": workspace.store is not None,
            "models": [{"name": name, "title": model.title} for name, model in MODELS.items()],
            "formats": [{"name": item.name, "description": item.description} for item in FORMATS.values()],
            "colours": {"models": list(figures.MODEL_COLOURS), "actors": list(figures.ACTOR_COLOURS)},
            **forecast_payload(workspace.forecast(scenario, as_of), shown),
        }

    @app.post("/api/forecast")
    def forecast(request: ForecastRequest) -> dict[str, Any]:
        """Every model's forecast of the saved scenario with the page's edits applied, and the
        figures of the issue the page shows."""
        scenario, _ = workspace.read()
        if request.issue is not None and request.issue not in {issue.id for issue in scenario.issues}:
            raise HTTPException(422, f"issue: unknown issue {request.issue!r}")
        return forecast_payload(workspace.forecast(apply_edits(scenario, request.edits, request.as_of), request.as_of), request.issue)

    @app.post("/api/save")
    def save(request: SaveRequest) -> dict[str, Any]:
        """Apply the edits to the saved scenario and write it atomically, if nobody saved since."""
        if workspace.read_only:
            raise HTTPException(403, "the embedded scenario is read-only: start `jirga serve FILE.yaml` on a copy to save edits")
        with workspace.save_lock:
            original_text, scenario, version = workspace.snapshot()
            if version != request.version:
                raise HTTPException(
                    409,
                    f"{workspace.scenario_path.name} changed since this page loaded it (saved from another tab or program); "
                    "nothing was written; load that version to re-apply your edits to it",
                )
            edited = apply_edits(scenario, request.edits, request.as_of)
            text = saved_text(workspace.scenario_path, original_text, scenario, edited)
            atomic_write_text(workspace.scenario_path, text)
        return {"version": hashlib.sha256(text.encode("utf-8")).hexdigest(), "saved": len(request.edits)}

    @app.get("/api/download/{format_name}")
    def download(format_name: str) -> Response:
        """The saved scenario in one of the registered formats, as a file to save."""
        if format_name not in FORMATS:
            raise HTTPException(404, f"unknown format {format_name!r} (known: {', '.join(FORMATS)})")
        scenario, _ = workspace.read()
        chosen = FORMATS[format_name]
        name = f"{workspace.scenario_path.stem}{chosen.suffixes[0]}"
        media = "text/csv" if chosen.suffixes[0] == ".csv" else "application/yaml"
        return Response(chosen.dump(scenario), media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/api/evidence")
    def evidence(q: str = "", actor: str = "", issue: str = "", kind: str = "") -> dict[str, Any]:
        """The quotes behind the scenario's numbers (kind ``number``) and, with an evidence
        store, the quotes, events and stances found in its articles, filtered alike."""
        if kind not in ("", "number", *STORE_KINDS):
            raise HTTPException(422, f"kind: one of number, {', '.join(STORE_KINDS)} (got {kind!r})")
        scenario, _ = workspace.read()
        rows = []
        if kind in ("", "number"):
            for row in evidence_rows(scenario, q, actor, issue):
                row["kind"] = "number"
                if workspace.document(row["document"]) is not None:
                    row["in_text"] = f"/documents/{quote_url(row['document'])}?{urlencode({'quote': row['quote']})}"
                rows.append(row)
        if workspace.store is not None and kind != "number" and not issue:
            actor_names = {item.id: item.name for item in scenario.actors}
            with workspace.store_lock:
                found_rows = store_rows(workspace.store, q, actor, kind)
            for found in found_rows:
                rows.append(
                    {
                        "kind": found["kind"],
                        "subject": actor_names.get(found["actor"], found["actor"] or "?"),
                        "quantity": found["who"],
                        "value": "",
                        "quote": found["sentence"],
                        "rationale": found["detail"],
                        "document": found["document"],
                        "title": found["title"] or found["document"],
                        "date": found["date"].isoformat() if found["date"] else None,
                        "link": sentence_link(found["url"], found["sentence"]),
                        "judgement": False,
                        "in_text": f"/documents/{quote_url(found['document_id'])}?start={found['start']}&end={found['end']}",
                    }
                )
        return {"rows": rows, "store": workspace.store is not None}

    @app.get("/documents/{document}", response_class=HTMLResponse)
    def document_page(document: str, start: int | None = None, end: int | None = None, quote: str = "") -> str:
        """A document of the store or of the uploaded articles, the sentence or quote marked."""
        found = workspace.document(document)
        if found is None:
            raise HTTPException(404, f"no document {document!r} in the evidence store or the uploaded articles")
        span = None
        if start is not None and end is not None and 0 <= start < end <= len(found.text):
            span = (start, end)
        elif quote:
            span = quote_span(found.text, quote)
        pieces = [(found.text, False)] if span is None else [(found.text[: span[0]], False), (found.text[span[0] : span[1]], True), (found.text[span[1] :], False)]
        return templates.get_template("document.html.j2").render(document=found, pieces=pieces, missing=bool(quote or start is not None) and span is None)

    @app.post("/api/upload")
    async def upload(file: UploadFile = File(...)) -> dict[str, Any]:
        """Keep an article (plain text, HTML or Markdown, UTF-8, at most 5 MiB) in the data directory."""
        if workspace.read_only:
            raise HTTPException(403, "the embedded scenario is read-only: start `jirga serve FILE.yaml` to upload articles beside it")
        name = Path(file.filename or "").name
        stem, suffix = Path(name).stem, Path(name).suffix.lower()
        if suffix not in ARTICLE_SUFFIXES:
            raise HTTPException(415, f"an article is a {', '.join(ARTICLE_SUFFIXES)} file, got {name or 'no file name'!r}")
        content = await file.read(MAX_UPLOAD + 1)
        if len(content) > MAX_UPLOAD:
            raise HTTPException(413, f"{name} is over the limit of {MAX_UPLOAD >> 20} MiB")
        if not content.strip():
            raise HTTPException(422, f"{name} is empty")
        try:
            text = content.decode("utf-8")
        except UnicodeDecodeError as error:
            raise HTTPException(415, f"{name} is not UTF-8 text (byte {error.start})") from None
        if "\x00" in text:
            raise HTTPException(415, f"{name} is binary, not text")
        safe_stem = re.sub(r"[^A-Za-z0-9_.\-]+", "-", stem).strip("-.") or "article"
        target = workspace.data_dir / UPLOADS / f"{safe_stem}{suffix}"
        counter = 1
        while target.exists():
            counter += 1
            target = workspace.data_dir / UPLOADS / f"{safe_stem}-{counter}{suffix}"
        atomic_write_text(target, text)
        answer: dict[str, Any] = {"document": target.stem, "path": target.relative_to(workspace.data_dir).as_posix(), "bytes": len(content)}
        if workspace.store is not None:
            answer["job"] = jobs.start(f"Adding {target.name} to the evidence store", 1, lambda advance: _ingest(target, workspace, advance)).to_json()
        return answer

    @app.post("/api/montecarlo", status_code=202)
    def montecarlo(request: MonteCarloRequest) -> dict[str, Any]:
        """Start a Monte Carlo of every model on the edited scenario; poll ``/api/jobs/{id}``."""
        from jirga.report.analysis import montecarlo_figure, montecarlo_tables, run_montecarlo_all

        scenario, _ = workspace.read()
        result = workspace.forecast(apply_edits(scenario, request.edits, request.as_of), request.as_of)

        def work(advance: Callable[[int], None]) -> dict[str, Any]:
            last = {"done": 0, "what": ""}

            def progress(what: str, done: int, total: int) -> None:
                if what != last["what"]:
                    last.update(what=what, done=0)
                advance(done - last["done"])
                last["done"] = done

            simulations = run_montecarlo_all(result, request.runs, seed=workspace.seed, workers=1, batch_size=WEB_BATCH_SIZE, progress=progress)
            tables = montecarlo_tables(result, simulations)
            return {
                "runs": request.runs,
                "tables": [{"issue": table["issue"].id, "rows": table["rows"]} for table in tables],
                "figures": {issue.id: json.loads(montecarlo_figure(result, simulations, issue.id).to_json()) for issue in result.issues},
            }

        job = jobs.start(f"Monte Carlo, {request.runs} runs of {len(result.runs)} models", request.runs * len(result.runs), work)
        return job.to_json()

    @app.get("/api/jobs/{job_id}")
    def job_status(job_id: str) -> dict[str, Any]:
        return jobs.get(job_id).to_json()

    @app.get("/api/patches")
    def patches() -> dict[str, Any]:
        """The what-if patches that ship with jirga, to offer on the page."""
        from jirga.analysis.whatif import load_patch, shipped_patches

        listed = []
        for name, path in shipped_patches().items():
            patch = load_patch(path)
            listed.append({"name": name, "label": patch.label, "description": patch.description, "text": path.read_text(encoding="utf-8")})
        return {"patches": listed}

    @app.post("/api/whatif")
    def whatif(request: WhatIfRequest) -> dict[str, Any]:
        """Every model's forecast of the edited scenario beside its forecast with the patch applied."""
        from jirga.analysis.whatif import load_patch, parse_patch, shipped_patches
        from jirga.report.analysis import whatif_rows

        shipped = shipped_patches()
        patch = load_patch(shipped[request.patch]) if request.patch in shipped else parse_patch(request.patch, "patch")
        scenario, _ = workspace.read()
        result = workspace.forecast(apply_edits(scenario, request.edits, request.as_of), request.as_of)
        rows = whatif_rows(result, [patch], workspace.seed)
        return {
            "patch": {"label": patch.label, "description": patch.description},
            "models": [{"name": run.name, "title": run.title} for run in result.runs],
            "rows": [
                {"issue": row["issue"].id, "name": row["issue"].name, "cells": [{"base": cell["base"], **cell["variants"][0]} for cell in row["cells"]]}
                for row in rows
            ],
        }

    @app.get("/files/{relative:path}")
    def files(relative: str) -> FileResponse:
        """A file of the data directory (an uploaded article, the scenario itself). Served in a
        sandbox: an uploaded HTML page cannot run scripts with the app's origin."""
        return FileResponse(workspace.inside(relative), headers=UNTRUSTED_FILE_HEADERS)

    return app

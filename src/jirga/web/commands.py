"""``jirga serve``: run the web app on this machine (FastAPI and uvicorn load only when it runs)."""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from jirga.options import SeedOption


def serve(
    scenario: Annotated[
        Optional[Path], typer.Argument(help="Scenario file to edit (YAML). Default: the embedded Afghan scenario, read-only.", show_default=False)
    ] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Evidence store (from jirga ingest) to browse and to add uploaded articles to.")] = None,
    data: Annotated[Optional[Path], typer.Option("--data", help="The only folder files are served from and uploads go to.", show_default="the scenario's folder")] = None,
    host: Annotated[str, typer.Option("--host", help="Address to listen on. The app has no login: keep it on this machine.")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.", min=1, max=65535)] = 8000,
    seed: SeedOption = 0,
) -> None:
    """Open a scenario in the browser: move a position, salience or capability and see every forecast change."""
    import uvicorn  # the web stack loads only when the app runs

    from jirga.web.app import create_app

    app = create_app(scenario, data_dir=data, seed=seed, store=store)
    console = Console()
    if not _loopback(host):
        console.print(f"[yellow]warning:[/yellow] listening on {host}: anyone who reaches this address can edit {app.state.workspace.scenario_path.name}")
    console.print(f"jirga: {app.state.workspace.scenario_path} at [bold]http://{host}:{port}/[/bold] (Ctrl+C stops)")
    uvicorn.run(app, host=host, port=port, log_level="warning")


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False

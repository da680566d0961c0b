"""The report's charts as PNG or PDF files, for slides.

Plotly renders static images with kaleido (1.x), which drives a Chrome or Chromium already
installed on the machine (Debian's ``chromium`` package does); it never downloads one here.
kaleido is an optional dependency: ``pip install 'jirga[export]'``.
"""

from __future__ import annotations

from pathlib import Path

import plotly.graph_objects as go
import plotly.io

from jirga.errors import JirgaError

IMAGE_FORMATS = ("png", "pdf")
WIDTH = 1100
"""Pixels (PNG) or points (PDF) across: the width of a slide's content area at scale 1."""


def export_charts(charts: dict[str, go.Figure], folder: str | Path, image_format: str, scale: float = 2.0) -> list[Path]:
    """Write each chart as ``<folder>/<name>.<format>`` in one browser session; return the paths."""
    if image_format not in IMAGE_FORMATS:
        raise JirgaError(f"unknown image format {image_format!r} (known: {', '.join(IMAGE_FORMATS)})", field="--format")
    try:
        import kaleido  # noqa: F401  (plotly imports it lazily; fail here with advice instead)
    except ImportError:
        raise JirgaError("PNG and PDF charts need kaleido: pip install 'jirga[export]'", field="--format") from None
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise JirgaError("PNG and PDF charts go into a folder, and this is a file", file=folder, field="--out")
    folder.mkdir(parents=True, exist_ok=True)
    paths = [folder / f"{name}.{image_format}" for name in charts]
    try:
        plotly.io.write_images(list(charts.values()), paths, format=image_format, width=WIDTH, scale=scale)
    except Exception as error:  # kaleido reports a missing or broken browser in its own error types
        raise JirgaError(f"kaleido could not render the charts ({type(error).__name__}: {error}); it needs Chrome or Chromium installed", field="--format") from None
    return paths

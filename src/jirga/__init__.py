"""jirga: model and forecast multi-party negotiations and peace processes from the news."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("jirga")
except PackageNotFoundError:  # running from a source tree that was not installed
    __version__ = "0.0.0"

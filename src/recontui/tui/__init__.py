"""The Textual console. Imported only by the `tui`/`demo` commands, never by headless paths."""

from .app import ReconApp, make_app

__all__ = ["ReconApp", "make_app"]

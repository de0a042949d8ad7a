"""The first-sync setup in the console: one screen per step (`setup/progress.py`)."""

from .app import SetupApp

__all__ = ["SetupApp"]

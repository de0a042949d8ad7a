"""Code run in a child process by the concurrency tests (importable under 'spawn')."""

from __future__ import annotations

from typing import Any

from recontui.store import open_store


def insert_events(path: str, run_id: int, count: int, tag: str, ready: Any, go: Any) -> None:
    """Open the shared file and write ``count`` events, each in its own transaction."""
    store = open_store(path)
    try:
        ready.set()
        if not go.wait(30):
            raise TimeoutError("the parent never said go")
        for i in range(count):
            with store.transaction():
                store.add_event(run_id, "info", "pull", f"{tag} {i}", data={"i": i})
    finally:
        store.close()

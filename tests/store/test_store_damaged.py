"""A database file with damaged pages is refused when it is opened, in one sentence that
names the file and the next step, never a traceback (issue 9, finding 4b)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from recontui.store import StoreError, open_store
from recontui.store import database as database_module


def real_database(path: Path, links: int = 3000) -> None:
    """A recontui database of some pages: a profile and ``links`` links."""
    store = open_store(path)
    profile = store.save_profile("acme", "bill", "qbo", {}, {})
    with store.transaction() as conn:
        conn.executemany(
            "INSERT INTO links (profile_id, entity, state, a_id, a_fields, created_at, "
            "updated_at) VALUES (?,?,?,?,?,?,?)",
            [
                (profile.id, "customer", "unpaired", f"cu-{n}", '{"name": "x"}' * 8, "t", "t")
                for n in range(links)
            ],
        )
    store.close()  # the last connection checkpoints the WAL into the file


def damage(path: Path, pages: int = 4) -> None:
    """Write garbage over a few pages in the middle of the file (not the header)."""
    size = path.stat().st_size
    page = 4096
    start = (size // page // 2) * page
    with path.open("r+b") as f:
        f.seek(start)
        f.write(os.urandom(page * pages))


def test_damaged_pages_are_refused_at_open_naming_the_file_and_the_next_step(
    tmp_path: Path,
) -> None:
    path = tmp_path / "recontui.db"
    real_database(path)
    damage(path)
    before = path.read_bytes()

    with pytest.raises(StoreError) as caught:
        open_store(path)

    message = str(caught.value)
    assert "damaged" in message and str(path) in message
    assert "restore it from a backup" in message and "move it aside" in message
    assert message.endswith(".") and "\n" not in message
    assert path.read_bytes() == before, "a damaged file is left as it was"


def test_a_sound_file_opens(tmp_path: Path) -> None:
    path = tmp_path / "recontui.db"
    real_database(path)
    store = open_store(path)
    assert store.checked
    assert store.list_profiles()[0].name == "acme"
    store.close()


def test_a_big_file_is_checked_at_run_start_not_at_open(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """quick_check reads the whole file (about 1.3 s per GB): above the bound, opening
    skips it and the run checks before it starts."""
    path = tmp_path / "recontui.db"
    real_database(path)
    damage(path)
    monkeypatch.setattr(database_module, "QUICK_CHECK_MAX_BYTES", 4096)

    store = open_store(path, migrate_schema=False)
    assert not store.checked
    with pytest.raises(StoreError, match="restore it from a backup"):
        store.check()
    store.close()

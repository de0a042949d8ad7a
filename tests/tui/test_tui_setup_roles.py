"""Setup step 4 (Accounting lists) when the BILL user's role may not read a list (issue 12,
"a missing permission gets the role needed"), by keys at 80x24 against the stand-ins on
127.0.0.1: the read stops with the sentence that names the list and the roles that may
read it (not "check the credentials"), nothing is written, and Next stays blocked."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from screen_text import screen_text
from setup_lists_world import open_world
from textual.widgets import Static

from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup import Step
from recontui.setup.lists import read_lists
from recontui.tui.setup import SetupApp

ROLE_WORDS = (
    "that user's role lacks the permission; sign in as a user with the Administrator or "
    "Accountant role, or give the role that permission in BILL."
)


@pytest.fixture(scope="module")
def running() -> Iterator[RunningSandbox]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo", bill_user_role="Clerk")) as served:
        yield served


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_the_read_of_a_list_the_role_may_not_see_names_the_role_needed(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    report = await read_lists(store, profile, secrets)
    assert not report.ok and len(report.problems) == 1
    problem = report.problems[0]
    username = running.credentials()["bill"]["username"]
    assert f"BILL did not let {username} read the chart of accounts (HTTP 403" in problem
    assert ROLE_WORDS in problem and problem.endswith("Nothing was written to either system.")
    assert "password" not in problem and "reconnect" not in problem, problem


async def test_step_4_shows_the_role_sentence_and_blocks_next(
    tmp_path: Path, running: RunningSandbox
) -> None:
    store, secrets, profile = open_world(tmp_path, running)
    before = running.sandbox.snapshot()
    app = SetupApp(store, secrets, profile=profile, actor="test")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        why = str(app.screen.query_one("#problems", Static).render())
        assert "read the chart of accounts" in why and ROLE_WORDS in why, why
        shown = " ".join(screen_text(app).split())
        assert "Administrator or Accountant role" in shown  # on screen at 80x24
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS  # Next blocked until a read succeeds
    assert running.sandbox.snapshot() == before, "step 4 wrote to a system"

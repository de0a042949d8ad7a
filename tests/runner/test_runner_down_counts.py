"""A sync that cannot reach its servers still says how many conflicts are open, read from
the store (issue 14, finding 2): at sign-in, at the company check and mid-pull; in the
run's result, its summary, History and `recontui sync`'s printed summary."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from runner_world import PASSPHRASE, World, Wrapped

from recontui import cli
from recontui.connectors import UnreachableError
from recontui.run import RunResult, summary_lines


class Down(httpx.AsyncBaseTransport):
    """Both servers refuse every connection."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)


def open_now(world: World) -> int:
    return sum(world.store.conflict_counts(world.profile.id).get("open", {}).values())


def assert_counts_what_is_open(world: World, result: RunResult, open_conflicts: int) -> None:
    assert result.exit_code == 3 and result.counts["pulled"] == 0, result
    assert result.counts["open_conflicts"] == open_conflicts
    lines = summary_lines(result)
    assert f"  open conflicts {open_conflicts}" in lines, lines
    (row,) = [r for r in world.store.runs(world.profile.id) if r["id"] == result.run_id]
    assert row["counts"]["open_conflicts"] == open_conflicts
    end = [e for e in world.events if e.run_id == result.run_id and e.phase == "end"]
    assert end and end[-1].message.endswith(f"open {open_conflicts}."), end[-1].message


@pytest.fixture
def synced(world: World) -> tuple[World, int]:
    """The conflicts scenario after one sync: its conflicts are open."""
    world.sync()
    count = open_now(world)
    assert count > 0
    return world, count


def test_both_servers_down_at_sign_in(synced: tuple[World, int]) -> None:
    world, count = synced
    world.transport = Down()  # type: ignore[assignment]
    result = world.sync()
    assert "Could not reach" in result.message
    assert_counts_what_is_open(world, result, count)


def test_the_company_check_refusing(synced: tuple[World, int]) -> None:
    world, count = synced
    with world.store.transaction() as conn:
        conn.execute("UPDATE profiles SET b_company_id='999' WHERE id=?", (world.profile.id,))
    result = world.sync()
    assert "999" in result.message
    assert_counts_what_is_open(world, result, count)


def test_a_server_going_down_mid_pull(synced: tuple[World, int]) -> None:
    world, count = synced

    def pull_fails(side: str, conn: Any) -> Any:
        wrapped = Wrapped(conn)

        def pull(entity: str, cursor: str | None) -> Any:
            raise UnreachableError("connection refused")

        wrapped.pull = pull  # type: ignore[method-assign]
        return wrapped

    world.wrap = pull_fails
    result = world.sync()
    assert result.message == "connection refused"
    assert_counts_what_is_open(world, result, count)


def test_recontui_sync_prints_the_open_conflicts_when_nothing_answers(
    synced: tuple[World, int],
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The profile's servers (http://sb, a name that resolves nowhere) cannot be reached."""
    world, count = synced
    monkeypatch.setenv("RECONTUI_PASSPHRASE", PASSPHRASE)
    code = cli.main(["--db", str(world.store.path), "sync", "--profile", "t"])
    out, err = capsys.readouterr()
    assert code == 3 and "Could not reach" in err, err
    assert f"  open conflicts {count}" in out.splitlines(), out
    assert "open conflicts 0" not in out

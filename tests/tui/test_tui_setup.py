"""The first-sync setup, by keys, against the stand-ins on 127.0.0.1: from an empty
database to a first sync; a wrong BILL password; an unconfirmed company; leaving and
resuming where it was left; nothing written to either system before the last step."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from rich.console import Console
from test_tui_setup_lists_accounts import choose
from textual import events
from textual.widgets import Input, Static

from recontui.engine.defaults import Account
from recontui.sandbox import RunningSandbox, SandboxConfig
from recontui.setup import Step, needs_setup, reached_step
from recontui.store import Store, open_store
from recontui.tui.setup import SetupApp
from recontui.tui.setup.credentials_step import qbo_addresses
from recontui.wiring import open_secrets

ENV = {"RECONTUI_PASSPHRASE": "setup tests"}


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[RunningSandbox, dict[str, Any]]]:
    with RunningSandbox(SandboxConfig(seed=7, scenario="demo")) as running:
        yield running, running.credentials()


def new_app(path: Path, store: Store | None = None) -> SetupApp:
    store = store or open_store(path / "state.db")
    profiles = store.list_profiles()
    return SetupApp(
        store,
        open_secrets(store, env=ENV),
        profile=profiles[0] if profiles else None,
        actor="test",
    )


async def settle(pilot: Any) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def fill(app: SetupApp, **values: str) -> None:
    """Set fields directly (for tests about something else than typing)."""
    for field, value in values.items():
        app.screen.query_one(f"#{field.replace('_', '-')}", Input).value = value


#: Fields a person pastes rather than types (a developer key, an app's keys, the address
#: the browser landed on): the terminal sends them as one paste event.
PASTED = {"dev_key", "client_id", "client_secret", "paste"}


async def type_in(pilot: Any, app: SetupApp, **values: str) -> None:
    """Enter each field as a person does: tab to it, clear it, type it (or paste the long
    ones: the terminal's bracketed paste, one ``Paste`` event, as the driver sends it)."""
    for field, value in values.items():
        wanted = field.replace("_", "-")
        for _ in range(30):
            if getattr(app.focused, "id", None) == wanted:
                break
            await pilot.press("tab")
        assert getattr(app.focused, "id", None) == wanted, (wanted, app.focused)
        await pilot.press("end", "ctrl+u")
        if field in PASTED:
            app.post_message(events.Paste(value))
            await pilot.pause()
        else:
            await pilot.press(*value)
        assert app.focused.value == value, (field, app.focused.value)  # type: ignore[union-attr]


def text_of(app: SetupApp, widget_id: str) -> str:
    return str(app.screen.query_one(widget_id, Static).render())


def books(running: RunningSandbox) -> dict[str, Any]:
    """Every record of both stand-ins, to compare before and after a step."""
    return running.sandbox.snapshot()


async def through_credentials(
    pilot: Any, app: SetupApp, creds: dict[str, Any], *, typed: bool = True
) -> None:
    """Step 2 by keys alone: each field typed, BILL tested, QuickBooks' consent address
    opened "in a browser" (the stand-in approves at once) and where it landed typed back.
    ``typed=False`` sets the fields directly (for tests about something else)."""
    bill, qbo = creds["bill"], creds["qbo"]

    async def enter(**values: str) -> None:
        if typed:
            await type_in(pilot, app, **values)
        else:
            fill(app, **values)

    await enter(
        bill_url=bill["api_base"],
        org=bill["organization_id"],
        dev_key=bill["dev_key"],
        user=bill["username"],
        password=bill["password"],
    )
    await pilot.press("ctrl+t")
    await settle(pilot)
    assert "✔ Connected" in text_of(app, "#bill-result"), text_of(app, "#bill-result")
    await enter(
        qbo_url=qbo["api_base"],
        client_id=qbo["client_id"],
        client_secret=qbo["client_secret"],
    )
    await pilot.press("ctrl+o")
    await settle(pilot)
    consent = httpx.get(app.screen.consent_url, follow_redirects=False)  # a person approves
    assert consent.status_code in (302, 303), consent.text
    await enter(paste=consent.headers["location"])
    await pilot.press("ctrl+g")
    await settle(pilot)
    assert "✔ Connected" in text_of(app, "#qbo-result"), text_of(app, "#qbo-result")
    await pilot.press("ctrl+n")
    await settle(pilot)


async def through_middle_steps(pilot: Any, app: SetupApp) -> None:
    """Steps 4 to 8 with what each asks for, ending on the last step."""
    while app.screen.STEP < Step.SYNC:
        step = app.screen.STEP
        if step == Step.ACCOUNTS:  # the two required ones, chosen by keys
            await pilot.press("ctrl+n")  # not chosen: Next refuses, saying which
            await settle(pilot)
            assert app.screen.STEP == Step.ACCOUNTS
            assert "income account" in text_of(app, "#status")
            await choose(pilot, app, Account.INCOME, "consult")
            await choose(pilot, app, Account.EXPENSE, "office")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert step < app.screen.STEP, (step, text_of(app, "#status"))


async def test_from_an_empty_database_to_a_first_sync(tmp_path: Path, served: Any) -> None:
    running, creds = served
    before = books(running)
    app = new_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.PROFILE
        await pilot.press("ctrl+n")  # the name "main", BILL for billing, QuickBooks for books
        await settle(pilot)
        assert app.screen.STEP == Step.CREDENTIALS
        assert "encrypted file" in text_of(app, "#secrets")
        await through_credentials(pilot, app, creds)
        assert app.screen.STEP == Step.COMPANY
        await pilot.press("ctrl+n")  # not confirmed: Next refuses
        await settle(pilot)
        assert app.screen.STEP == Step.COMPANY
        assert "Tick the box" in text_of(app, "#status")
        await pilot.press("space", "ctrl+n")
        await settle(pilot)
        await through_middle_steps(pilot, app)
        assert app.screen.STEP == Step.SYNC
        assert "The first sync would" in text_of(app, "#counts")
        assert books(running) == before, "the plan wrote to a system"
        await pilot.press("ctrl+s", "n")  # asked, declined: nothing starts
        await settle(pilot)
        assert books(running) == before
        await pilot.press("ctrl+s", "y")
        await settle(pilot)
        assert "first sync finished" in text_of(app, "#status")
        await pilot.press("enter")
        await settle(pilot)
    assert app.return_value == "console"
    store = app.store
    profile = store.get_profile("main")
    assert not needs_setup(store, profile)
    assert (profile.a_company_id, profile.b_company_id) == (
        creds["bill"]["organization_id"],
        creds["qbo"]["realm_id"],
    )
    assert store.runs(profile.id, limit=1)[0]["status"] in ("ok", "waiting")
    secrets_file = (tmp_path / "state.db").read_bytes()
    assert creds["bill"]["password"].encode() not in secrets_file


async def test_a_wrong_bill_password_is_one_sentence_and_blocks_next(
    tmp_path: Path, served: Any
) -> None:
    _, creds = served
    app = new_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await settle(pilot)
        bill = creds["bill"]
        fill(
            app,
            bill_url=bill["api_base"],
            org=bill["organization_id"],
            dev_key=bill["dev_key"],
            user=bill["username"],
            password="not the password",
        )
        await pilot.press("ctrl+t")
        await settle(pilot)
        said = text_of(app, "#bill-result")
        assert said.startswith("BILL refused the sign-in"), said
        assert "password" in said and "\n" not in said.strip()
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.CREDENTIALS
        assert "Test BILL first" in text_of(app, "#status")


async def test_leaving_at_a_step_resumes_there_and_back_works(tmp_path: Path, served: Any) -> None:
    _, creds = served
    app = new_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await settle(pilot)
        await through_credentials(pilot, app, creds, typed=False)
        assert app.screen.STEP == Step.COMPANY
        await pilot.press("escape")  # Back: the credentials, still connected
        await settle(pilot)
        assert app.screen.STEP == Step.CREDENTIALS
        assert "✔ Connected" in text_of(app, "#bill-result")
        await pilot.press("ctrl+q")
    assert app.return_value == "left"
    store = app.store
    profile = store.get_profile("main")
    assert needs_setup(store, profile) and reached_step(store, profile) == Step.COMPANY
    again = new_app(tmp_path, store)
    async with again.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert again.screen.STEP == Step.COMPANY
        console = Console(width=76, no_color=True)
        with console.capture() as shown:
            console.print(again.screen.companies())
        assert creds["qbo"]["realm_id"] in shown.get()
        assert creds["bill"]["organization_id"] in shown.get()


async def test_escape_on_the_first_step_leaves(tmp_path: Path) -> None:
    app = new_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("escape")
    assert app.return_value == "left"
    assert app.store.list_profiles() == []  # nothing saved before Next


def test_token_and_consent_addresses_follow_the_api_address() -> None:
    intuit = ("https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",)
    assert qbo_addresses("https://sandbox-quickbooks.api.intuit.com")[:1] == intuit
    assert qbo_addresses("http://127.0.0.1:8000/qbo/") == (
        "http://127.0.0.1:8000/qbo/oauth2/v1/tokens/bearer",
        "http://127.0.0.1:8000/qbo/connect/oauth2",
    )


async def test_the_demo_fills_in_the_stand_ins_and_approves_their_consent_page(
    tmp_path: Path, served: Any
) -> None:
    """`recontui demo --setup`: the made-up credentials are offered and ctrl+a does what a
    person does in a browser, so the demo needs nothing typed; outside the demo ctrl+a is
    not there."""
    _, creds = served
    store = open_store(tmp_path / "state.db")
    app = SetupApp(store, open_secrets(store, env=ENV), name="demo", actor="test", demo=creds)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.CREDENTIALS
        await pilot.press("ctrl+t")
        await settle(pilot)
        assert "✔ Connected" in text_of(app, "#bill-result"), text_of(app, "#bill-result")
        await pilot.press("ctrl+o", "ctrl+a")
        await settle(pilot)
        await settle(pilot)
        assert "✔ Connected" in text_of(app, "#qbo-result"), text_of(app, "#qbo-result")
    (tmp_path / "other").mkdir()
    plain = new_app(tmp_path / "other")
    async with plain.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert plain.screen.check_action("approve", ()) is False


def test_the_console_on_an_empty_database_opens_the_setup(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`recontui tui` with no profile, or on one whose setup is unfinished, opens the setup
    (it used to exit with "No profile exists yet"); a profile made by flags opens the
    console."""
    from recontui import cli
    from recontui.setup import set_reached

    opened: list[str] = []

    def fake_run(self: Any, **_: Any) -> str:
        opened.append(type(self).__name__)
        return "left"

    monkeypatch.setattr(SetupApp, "run", fake_run)
    monkeypatch.setattr(cli, "_console", lambda *a: opened.append("console") or 0)
    monkeypatch.setenv("RECONTUI_PASSPHRASE", "setup tests")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)  # in a terminal, as a person
    monkeypatch.setattr("sys.stdout.isatty", lambda: True)
    db = str(tmp_path / "state.db")
    assert cli.main(["--db", db, "tui"]) == 0
    assert opened == ["SetupApp"]
    store = open_store(tmp_path / "state.db")
    profile = store.save_profile("main", "bill", "qbo", {}, {})
    assert cli.main(["--db", db, "tui"]) == 0
    assert opened[-1] == "console"  # made by flags: set up
    set_reached(store, profile, Step.CREDENTIALS, actor="test")
    assert cli.main(["--db", db, "tui"]) == 0
    assert opened[-1] == "SetupApp"
    assert "go on with: recontui setup --profile main" in capsys.readouterr().out


async def test_a_profile_set_up_opens_on_its_settings_to_change_them(
    tmp_path: Path, served: Any
) -> None:
    """After the first sync the default accounts, the tax map and what syncs are still
    changed here (the run's held sentences send people to `recontui setup`): it opens at
    step 4, Back from there leaves, and the profile stays set up."""
    from setup_lists_world import ready_for_lists

    from recontui.setup import setup_done

    _, creds = served
    store = open_store(tmp_path / "state.db")
    secrets = open_secrets(store, env=ENV)
    profile = ready_for_lists(store, secrets, creds, step=Step.SYNC)
    setup_done(store, profile, actor="test")
    app = SetupApp(store, secrets, profile=profile, actor="test")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        assert "(settings)" in app.title or "(settings)" in app.screen.title
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.ACCOUNTS
        await choose(pilot, app, Account.INCOME, "consult")
        await choose(pilot, app, Account.EXPENSE, "office")
        await pilot.press("ctrl+n")
        await settle(pilot)
        assert app.screen.STEP == Step.TAX
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert app.screen.STEP == Step.LISTS
        await pilot.press("escape")
    assert app.return_value == "left"
    assert not needs_setup(store, profile)
    assert store.profile_settings(profile.id).default_expense_account

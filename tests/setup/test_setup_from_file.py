"""`recontui setup --from-file setup.toml` against the stand-ins on 127.0.0.1: the same
steps and checks as the console's setup, worded on standard output; nothing written to
either system before the last step, and then only when the file says ``start = true``;
the first problem stops it with one sentence, keeping the steps done so far."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recontui import cli
from recontui.sandbox import RunningSandbox
from recontui.setup import Step, needs_setup, reached_step
from recontui.store import open_store
from recontui.wiring import open_secrets

PASSPHRASE = "from-file tests"


def write_setup(tmp_path: Path, creds: dict[str, Any], **tables: str) -> Path:
    """A setup file for the stand-ins; ``tables`` replace whole tables by name."""
    bill, qbo = creds["bill"], creds["qbo"]
    (tmp_path / "keys.txt").write_text(
        f"dev_key={bill['dev_key']}\npassword={bill['password']}\n"
        f"client_id={qbo['client_id']}\nclient_secret={qbo['client_secret']}\n"
        f"refresh_token={qbo['refresh_token']}\n"
    )
    parts = {
        "profile": 'name = "books"',
        "bill": (
            f'api_base = "{bill["api_base"]}"\norganization_id = "{bill["organization_id"]}"\n'
            f'username = "{bill["username"]}"'
        ),
        "qbo": f'api_base = "{qbo["api_base"]}"\nrealm_id = "{qbo["realm_id"]}"',
        "companies": (f'billing = "{bill["organization_id"]}"\naccounting = "{qbo["realm_id"]}"'),
        "accounts": 'income = "Consulting Income"\nexpense = "Office Supplies"',
        "syncs": 'initial_window = "all"\nschedule = "off"',
        "sync": "start = false",
    }
    parts.update(tables)
    text = 'secrets_file = "keys.txt"\n\n' + "\n\n".join(
        f"[{name}]\n{body}" for name, body in parts.items() if body is not None
    )
    path = tmp_path / "setup.toml"
    path.write_text(text + "\n")
    return path


def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *args: str) -> int:
    monkeypatch.setenv("RECONTUI_PASSPHRASE", PASSPHRASE)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    return cli.main(["--db", str(tmp_path / "state.db"), "setup", *args])


def test_a_whole_setup_from_a_file_shows_the_plan_then_syncs_when_told(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    before = served.sandbox.snapshot()
    path = write_setup(tmp_path, creds)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1  # waiting: not started
    out = capsys.readouterr().out
    for step in Step:
        assert f"✔ {int(step)} {step.title}" in out, out
    assert "Plan (nothing was written)" in out
    assert "create" in out and "'" in out  # records by name, not link ids
    assert "Set [sync] start = true" in out
    assert served.sandbox.snapshot() == before, "the setup wrote before it was told to"
    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    assert needs_setup(store, profile) and reached_step(store, profile) == Step.SYNC
    settings = store.profile_settings(profile.id)
    assert settings.default_income_account and settings.default_expense_account

    write_setup(tmp_path, creds, sync="start = true")
    code = run(tmp_path, monkeypatch, "--from-file", str(path))
    out = capsys.readouterr().out
    assert code in (0, 1), out  # 1: conflicts wait for a person
    assert "first sync" in out
    profile = store.get_profile("books")
    assert not needs_setup(store, profile)
    assert store.runs(profile.id, limit=1)[0]["status"] in ("ok", "waiting")
    assert served.sandbox.snapshot() != before
    # Set up: the file's settings are taken again (steps 4-8), nothing else is done.
    write_setup(tmp_path, creds, accounts='income = "Consulting Income"\nexpense = "Rent"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 0
    out = capsys.readouterr().out
    assert "was set up already" in out and "✔ 5 Default accounts" in out
    assert "✔ 9" not in out and "✔ 2" not in out
    rent = store.profile_settings(profile.id).default_expense_account
    assert rent and rent != settings.default_expense_account


def test_an_unconfirmed_company_stops_with_the_id_to_confirm(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    before = served.sandbox.snapshot()
    path = write_setup(tmp_path, creds, companies=None)  # type: ignore[arg-type]
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "✘ 3 Confirm companies" in out
    assert f'billing = "{creds["bill"]["organization_id"]}"' in out
    assert "Nothing was written to either system" in out
    store = open_store(tmp_path / "state.db")
    profile = store.get_profile("books")
    assert profile.a_company_id is None and reached_step(store, profile) == Step.COMPANY
    assert served.sandbox.snapshot() == before


def test_a_missing_required_account_stops_at_step_5_and_a_fixed_file_goes_on(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    path = write_setup(tmp_path, creds, accounts='income = "Consulting Income"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "✘ 5 Default accounts: Choose the expense account" in out
    assert "[accounts] expense" in out
    store = open_store(tmp_path / "state.db")
    assert reached_step(store, store.get_profile("books")) == Step.ACCOUNTS
    path = write_setup(tmp_path, creds, accounts='income = "Consulting Income"\nexpense = "Nope"')
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    assert "Nope" in capsys.readouterr().out
    write_setup(tmp_path, creds)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 1
    assert "✔ 9" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[profile]\nnmae = 'x'\n", "[profile] has no key 'nmae'"),
        ("[profiles]\nname = 'x'\n", "unknown table [profiles]"),
        ("[profile\n", "is not valid TOML"),
    ],
)
def test_a_file_the_setup_cannot_use_is_one_sentence(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    text: str,
    said: str,
) -> None:
    path = tmp_path / "setup.toml"
    path.write_text(text)
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    err = capsys.readouterr().err
    assert said in err and "Traceback" not in err
    assert err.count("\n") == 1


def test_without_a_refresh_token_and_no_terminal_it_says_how_to_connect(
    tmp_path: Path,
    served: RunningSandbox,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    creds = served.credentials()
    path = write_setup(tmp_path, creds)
    keys = tmp_path / "keys.txt"
    keys.write_text(
        "\n".join(line for line in keys.read_text().splitlines() if "refresh" not in line)
    )
    assert run(tmp_path, monkeypatch, "--from-file", str(path)) == 2
    out = capsys.readouterr().out
    assert "✘ 2 Credentials" in out
    assert "recontui profile connect qbo --profile books" in out
    # ... which then finds the app's keys and addresses it needs to ask for the approval
    store = open_store(tmp_path / "state.db")
    qbo = store.get_profile("books").b_settings
    assert qbo["token_url"].endswith("/oauth2/v1/tokens/bearer") and qbo["auth_url"]
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": PASSPHRASE})
    assert secrets.get("books", "client_id") == creds["qbo"]["client_id"]
    assert secrets.get("books", "refresh_token") is None

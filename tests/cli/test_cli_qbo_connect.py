"""`recontui profile connect qbo` end to end: a served stand-in, the CLI as subprocesses,
and a scripted person who opens the printed address and pastes back where it led."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import httpx
import pytest
from cli_run import recontui

from recontui.secrets import open_secret_store

PASSPHRASE = "connect-tests"


@pytest.fixture(scope="module")
def served() -> Iterator[dict]:
    env = {**os.environ, "RECONTUI_PASSPHRASE": PASSPHRASE}
    server = subprocess.Popen(
        [sys.executable, "-m", "recontui.cli", "sandbox", "serve", "--scenario", "empty"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        line = server.stdout.readline()
        assert line, server.stderr.read()
        yield json.loads(line)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


class Cli:
    def __init__(self, tmp_path: Path, info: dict) -> None:
        self.db = tmp_path / "connect.db"
        self.info = info
        self.env = {**os.environ, "RECONTUI_DB": str(self.db), "RECONTUI_PASSPHRASE": PASSPHRASE}
        self.env.pop("RECONTUI_PLAINTEXT_SECRETS", None)
        self.tmp = tmp_path

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return recontui(self.env, *args)

    def add_profile(self, *extra: str, password: str | None = None) -> subprocess.CompletedProcess:
        """`profile add p` for the stand-ins (``password``: another BILL password), asserted
        to succeed unless a password is given."""
        qbo, bill = self.info["qbo"], self.info["bill"]
        secrets = self.tmp / "keys.txt"
        secrets.write_text(
            f"client_id={qbo['client_id']}\nclient_secret={qbo['client_secret']}\n"
            f"dev_key={bill['dev_key']}\npassword={password or bill['password']}\n"
        )
        proc = self.run(
            "profile",
            "add",
            "p",
            "--bill-url",
            bill["api_base"],
            "--bill-org",
            bill["organization_id"],
            "--bill-user",
            bill["username"],
            "--qbo-url",
            qbo["api_base"],
            "--qbo-token-url",
            qbo["token_url"],
            "--qbo-auth-url",
            f"{qbo['api_base']}/connect/oauth2",
            "--secrets-file",
            str(secrets),
            *extra,
        )
        assert password is not None or proc.returncode == 0, proc.stderr
        return proc

    def connect(self, answer: Callable[[str], str], confirm: str = "yes\n") -> tuple[int, str, str]:
        """Run the command; ``answer`` gets the printed address and returns what to paste,
        ``confirm`` is typed when the companies are shown."""
        proc = subprocess.Popen(
            [sys.executable, "-m", "recontui.cli", "profile", "connect", "qbo", "--profile", "p"],
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        assert proc.stdin and proc.stdout and proc.stderr
        shown = []
        url = None
        while url is None:
            line = proc.stdout.readline()
            assert line, proc.stderr.read()
            shown.append(line)
            if line.strip().startswith("http"):
                url = line.strip()
        proc.stdin.write(answer(url) + confirm)
        proc.stdin.close()
        out = "".join(shown) + proc.stdout.read()
        err = proc.stderr.read()
        proc.wait(timeout=60)
        assert "Traceback" not in out + err, err
        return proc.returncode, out, err

    def saved_refresh_token(self) -> str | None:
        store = open_secret_store(
            Path(f"{self.db}.secrets"), env={"RECONTUI_PASSPHRASE": PASSPHRASE}
        )
        return store.get("p", "refresh_token")

    def qbo_settings(self) -> dict:
        return json.loads(self.run("profile", "show", "p", "--json").stdout)["accounting"]


def approve(url: str) -> str:
    """The browser: open Intuit's (the stand-in's) consent page, end at the redirect."""
    answer = httpx.get(url, follow_redirects=False)
    assert answer.status_code == 302, answer.text
    return answer.headers["location"]


def with_query(url: str, **changes: str) -> str:
    parts = urlsplit(url)
    query = {**dict(parse_qsl(parts.query)), **changes}
    return urlunsplit(parts._replace(query=urlencode(query)))


def state_of(url: str) -> str:
    return dict(parse_qsl(urlsplit(url).query))["state"]


@pytest.fixture
def cli(tmp_path: Path, served: dict) -> Cli:
    return Cli(tmp_path, served)


def test_connect_by_pasting_the_redirected_address_then_sync(cli: Cli) -> None:
    added = cli.add_profile()
    assert "recontui profile connect qbo --profile p" in added.stdout
    code, out, err = cli.connect(lambda url: approve(url) + "\n")
    assert code == 0, err
    assert "open this address in a browser on any computer" in out.lower()
    assert "scope=com.intuit.quickbooks.accounting" in out
    assert "Connected profile 'p' to QuickBooks Online company" in out
    assert "Are these the right companies?" in out
    assert "recontui sync --dry-run --profile p" in out
    assert cli.saved_refresh_token()
    assert cli.qbo_settings()["realm_id"] == cli.info["qbo"]["realm_id"]
    synced = cli.run("sync", "--profile", "p")
    assert synced.returncode == 0, synced.stderr
    assert "reconnect" not in synced.stderr


def test_a_state_that_does_not_match_saves_nothing(cli: Cli) -> None:
    cli.add_profile()
    code, _out, err = cli.connect(lambda url: with_query(approve(url), state="forged") + "\n")
    assert code == 2
    assert "state does not match" in err and "nothing was saved" in err
    assert cli.saved_refresh_token() is None
    assert "realm_id" not in cli.qbo_settings()


def test_a_code_cannot_be_used_twice(cli: Cli) -> None:
    cli.add_profile()
    first: list[str] = []

    def remember(url: str) -> str:
        first.append(approve(url))
        return first[0] + "\n"

    assert cli.connect(remember)[0] == 0
    saved = cli.saved_refresh_token()
    # The same code again, dressed in the new attempt's state: the token service refuses.
    code, _out, err = cli.connect(lambda url: with_query(first[0], state=state_of(url)) + "\n")
    assert code == 3
    assert "invalid_grant" in err and "works once" in err
    assert cli.saved_refresh_token() == saved


def test_another_company_than_the_profiles_is_refused(cli: Cli) -> None:
    cli.add_profile("--qbo-realm", "123")
    code, _out, err = cli.connect(lambda url: approve(url) + "\n")
    assert code == 2
    assert "belongs to company 123" in err and "nothing was saved" in err
    assert cli.saved_refresh_token() is None
    assert cli.qbo_settings()["realm_id"] == "123"


def test_pasting_nothing_saves_nothing(cli: Cli) -> None:
    cli.add_profile()
    code, _out, err = cli.connect(lambda url: "", confirm="")
    assert code == 2 and "Nothing was pasted" in err
    assert cli.saved_refresh_token() is None


def test_a_revoked_connection_says_reconnect_required_with_the_command(cli: Cli) -> None:
    cli.add_profile()
    assert cli.connect(lambda url: approve(url) + "\n")[0] == 0
    qbo = cli.info["qbo"]
    revoked = httpx.post(
        qbo["token_url"].replace("/bearer", "/revoke"),
        json={"token": cli.saved_refresh_token()},
        auth=(qbo["client_id"], qbo["client_secret"]),
    )
    assert revoked.status_code == 200
    synced = cli.run("sync", "--profile", "p")
    assert synced.returncode == 3
    assert "invalid_grant" in synced.stderr
    assert "reconnect required: run `recontui profile connect qbo --profile p`" in synced.stderr


def test_a_company_not_confirmed_saves_nothing(cli: Cli) -> None:
    cli.add_profile()
    code, out, err = cli.connect(lambda url: approve(url) + "\n", confirm="no\n")
    assert code == 2, err
    assert cli.info["qbo"]["realm_id"] in out  # shown before the question
    assert "Not confirmed, so nothing was saved" in err
    assert cli.saved_refresh_token() is None
    assert "realm_id" not in cli.qbo_settings()


def test_profile_add_signs_in_to_bill_first_and_saves_nothing_when_refused(cli: Cli) -> None:
    proc = cli.add_profile(password="not-it")
    assert proc.returncode == 3
    assert proc.stderr.count("\n") == 1, proc.stderr  # one sentence
    assert "BILL refused the sign-in" in proc.stderr and "Nothing was saved" in proc.stderr
    assert "No profiles yet" in cli.run("profile", "list").stdout
    added = cli.add_profile()
    assert "BILL signed in: organisation" in added.stdout


def test_a_new_profile_starts_from_the_usual_ownership_and_says_so(cli: Cli) -> None:
    added = cli.add_profile()
    assert added.returncode == 0, added.stderr
    assert (
        "It syncs with the usual ownership: bills, bill payments, vendor credits are copied "
        "BILL → QuickBooks Online and edited in BILL; invoices go both ways and, once synced, "
        "are edited in QuickBooks Online"
    ) in " ".join(added.stdout.split())
    from recontui.store import open_store

    store = open_store(cli.db)
    try:
        profile = store.list_profiles()[0]
        settings = store.profile_settings(profile.id)
        assert settings.owners == {
            "invoice": "b",
            "bill": "a",
            "bill_payment": "a",
            "vendor_credit": "a",
        }
        assert settings.directions["bill"] == "a_to_b" and settings.directions["invoice"] == "both"
        before = store.settings(profile.id)
        assert cli.add_profile().returncode == 0  # saved again: its settings are kept
        assert store.settings(profile.id) == before
    finally:
        store.close()

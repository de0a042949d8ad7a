"""A state database written the way runs leave it, and the CLI run as a subprocess.

Its own module (not conftest) so CLI tests import it by a name no other directory uses.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from cli_run import recontui

from recontui.store import Store, open_store
from recontui.wiring import open_secrets

SECRETS = {
    "dev_key": "a",
    "password": "b",
    "client_id": "c",
    "client_secret": "d",
    "refresh_token": "e",
}
#: Nothing listens on the discard port: a connection there is refused at once.
NOWHERE = "http://127.0.0.1:9"


def cli(
    tmp_path: Path, *args: str, env_extra: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """``recontui ARGS`` on ``tmp_path/cli.db``; never a traceback."""
    env = {
        **os.environ,
        "RECONTUI_DB": str(tmp_path / "cli.db"),
        "RECONTUI_PASSPHRASE": "pp",
        **(env_extra or {}),
    }
    return recontui(env, *args, timeout=timeout)


def one_sentence(text: str) -> bool:
    """One line on stderr, ending in a full stop, with no second sentence in it."""
    line = text.strip().removeprefix("recontui: ")
    return "\n" not in line and line.endswith(".") and ". " not in line.rstrip(".")


@dataclass
class Seeded:
    profile_id: int
    payment_conflict: int  # a field conflict on a payment's amount
    customer_conflict: int  # a field conflict on a customer's phone and email
    match_conflict: int  # which record is this? (two candidates)
    candidates: tuple[int, int]


def seed(path: Path, url: str = NOWHERE) -> Seeded:
    """A profile ``p`` (both sides at ``url``, secrets under passphrase ``pp``) holding
    three open conflicts."""
    store = open_store(path)
    try:
        return _seed(store, url)
    finally:
        store.close()


def _seed(store: Store, url: str) -> Seeded:
    profile = store.save_profile(
        "p",
        "bill",
        "qbo",
        {"api_base": url, "organization_id": "008x", "username": "u"},
        {"api_base": url, "token_url": f"{url}/token", "realm_id": "1"},
    )
    pid = profile.id
    secrets = open_secrets(store, env={"RECONTUI_PASSPHRASE": "pp"})
    for key, value in SECRETS.items():
        secrets.set("p", key, value)
    payment = store.placeholder_link(pid, "payment", "a", "pay-1")
    customer = store.placeholder_link(pid, "customer", "a", "cu-1")
    lonely = store.placeholder_link(pid, "customer", "a", "cu-2")
    first = store.placeholder_link(pid, "customer", "b", "q-1")
    second = store.placeholder_link(pid, "customer", "b", "q-2")
    with store.transaction():
        paid = store.open_conflict(
            pid,
            payment,
            "payment",
            "field",
            {"amount": {"base": Decimal("10.00"), "a": Decimal("12.00"), "b": Decimal("11.00")}},
            "1",
            "1",
            None,
        )
        phone = store.open_conflict(
            pid,
            customer,
            "customer",
            "field",
            {
                "phone": {"base": "1", "a": "2", "b": "3"},
                "email": {"base": "a@x.test", "a": "b@x.test", "b": "c@x.test"},
            },
            "1",
            "1",
            None,
        )
        match = store.open_conflict(
            pid,
            lonely,
            "customer",
            "match",
            {"name": {"base": None, "a": "Acme", "b": "Acme"}},
            "1",
            None,
            None,
            candidates=[first, second],
        )
    return Seeded(pid, paid, phone, match, (first, second))


def iso(when: dt.datetime) -> str:
    return when.astimezone(dt.UTC).isoformat()

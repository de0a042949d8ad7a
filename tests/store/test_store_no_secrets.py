"""No secret reaches the state database: profiles keep only non-secret settings."""

from __future__ import annotations

import argparse
from pathlib import Path

from recontui.cli import save_sandbox_profile
from recontui.store import Store

SECRETS = {
    "client_id": "ABqboClientId-Zq9-only-in-this-test",
    "client_secret": "qbo-client-secret-Zq9-only-in-this-test",
    "refresh_token": "AB11-refresh-token-Zq9-only-in-this-test",
    "dev_key": "bill-dev-key-Zq9-only-in-this-test",
    "password": "bill-password-Zq9-only-in-this-test",
}


class RecordingSecrets:
    """Stands in for the secret store: remembers what it was given, in memory."""

    def __init__(self) -> None:
        self.saved: dict[tuple[str, str], str] = {}

    def set(self, namespace: str, name: str, value: str) -> None:
        self.saved[(namespace, name)] = value


def every_text_value(store: Store) -> list[tuple[str, str, str]]:
    found = []
    for table in store.db.table_names():
        text_columns = [c for c, t in store.db[table].columns_dict.items() if t is str]
        for row in store.iter_table(table):
            for column in text_columns:
                if row[column] is not None:
                    found.append((table, column, row[column]))
    return found


def test_saving_a_profile_keeps_its_secrets_out_of_every_table_and_file(
    store: Store, db_path: Path
) -> None:
    creds = {
        "qbo": {
            "api_base": "http://127.0.0.1:8765/qbo",
            "token_url": "http://127.0.0.1:8765/oauth2/token",
            "realm_id": "9130350000001",
            "client_id": SECRETS["client_id"],
            "client_secret": SECRETS["client_secret"],
            "refresh_token": SECRETS["refresh_token"],
        },
        "bill": {
            "api_base": "http://127.0.0.1:8765/bill",
            "organization_id": "00801ORG",
            "username": "ap@acme.test",
            "dev_key": SECRETS["dev_key"],
            "password": SECRETS["password"],
        },
    }
    secrets = RecordingSecrets()

    save_sandbox_profile(store, argparse.Namespace(), "sandbox", creds, secrets=secrets)  # type: ignore[arg-type]
    profile = store.get_profile("sandbox")
    store.set_setting(profile.id, "schedule.minutes", 15, actor="alice")
    run = store.start_run(profile.id, trigger="cli", dry_run=False)
    store.add_event(run, "info", "auth", "connected", data={"realm_id": "9130350000001"})

    assert secrets.saved == {("sandbox", k): v for k, v in SECRETS.items()}
    assert profile.b_settings["realm_id"] == "9130350000001"  # settings did arrive
    values = every_text_value(store)
    assert values, "expected some text in the database"
    for secret in SECRETS.values():
        leaks = [(t, c) for t, c, v in values if secret in v]
        assert leaks == [], f"{secret!r} stored in {leaks}"
    for file in db_path.parent.iterdir():
        data = file.read_bytes()
        assert not any(s.encode() in data for s in SECRETS.values()), file.name

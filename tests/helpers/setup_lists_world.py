"""A setup that reached step 4 (Accounting lists) against the stand-ins, made directly in
the store, as steps 1-3 leave it: the profile with both systems' settings, the secrets in
the secrets store, the companies each system answered for, confirmed (their ids in the
profile), and the step reached. Faster than driving three screens, and the same state."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from recontui.secrets import SecretStore
from recontui.setup import Step, set_reached
from recontui.store import Profile, Store, open_store
from recontui.wiring import open_secrets

ENV = {"RECONTUI_PASSPHRASE": "setup lists tests"}


def ready_for_lists(
    store: Store,
    secrets: SecretStore,
    creds: Mapping[str, Mapping[str, str]],
    *,
    name: str = "main",
    step: Step = Step.LISTS,
) -> Profile:
    """The profile ``name`` as step 3 leaves it, the setup standing at ``step``."""
    bill, qbo = creds["bill"], creds["qbo"]
    store.save_profile(
        name,
        "bill",
        "qbo",
        {
            "api_base": bill["api_base"],
            "organization_id": bill["organization_id"],
            "username": bill["username"],
        },
        {
            "api_base": qbo["api_base"],
            "token_url": qbo["token_url"],
            "realm_id": qbo["realm_id"],
        },
    )
    profile = store.get_profile(name)
    for key in ("dev_key", "password"):
        secrets.set(name, key, bill[key])
    for key in ("client_id", "client_secret", "refresh_token"):
        secrets.set(name, key, qbo[key])
    for side, company in (("a", bill["organization_id"]), ("b", qbo["realm_id"])):
        store.set_setting(
            profile.id,
            f"setup.{side}_company",
            {"id": company, "name": f"stand-in {side}"},
            actor="test",
        )
    store.set_company_ids(profile.id, bill["organization_id"], qbo["realm_id"])
    set_reached(store, profile, step, actor="test")
    return store.get_profile(name)


def open_world(path: Path, running: Any) -> tuple[Store, SecretStore, Profile]:
    """A new database in ``path`` whose profile reached step 4 against ``running``."""
    store = open_store(path / "state.db")
    secrets = open_secrets(store, env=ENV)
    profile = ready_for_lists(store, secrets, running.credentials())
    return store, secrets, profile

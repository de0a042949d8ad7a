"""Step 2, headless: keep what a credentials check proved. Settings (addresses, the user
name, the company) go to the profile; secrets to the secrets store in use, never to the
database. The company each system answered for is remembered for step 3."""

from __future__ import annotations

from typing import Any

from ..connectors.base import Company
from ..secrets import SecretStore
from ..store import Profile, Store
from .connect import BillLogin, QboApp

#: The setting that remembers the company a side answered for ({"id", "name"}).
COMPANY_KEY = "setup.{side}_company"


def remember_company(
    store: Store, profile: Profile, side: str, company: Company, *, actor: str
) -> None:
    store.set_setting(
        profile.id,
        COMPANY_KEY.format(side=side),
        {"id": company.company_id, "name": company.name},
        actor=actor,
    )


def company_of(store: Store, profile: Profile, side: str) -> dict[str, Any] | None:
    """The company ``side`` answered for in step 2 ({"id", "name"}), if it did."""
    found = store.settings(profile.id).get(COMPANY_KEY.format(side=side))
    return dict(found) if found else None


def keep_bill(
    store: Store,
    secrets: SecretStore,
    profile: Profile,
    login: BillLogin,
    company: Company,
    *,
    actor: str,
) -> Profile:
    """Save what a BILL sign-in proved; the profile as saved."""
    a_settings = {**profile.a_settings, **login.settings(), "company_name": company.name}
    saved = store.save_profile(
        profile.name, profile.a_system, profile.b_system, a_settings, profile.b_settings
    )
    secrets.set(profile.name, "dev_key", login.dev_key)
    secrets.set(profile.name, "password", login.password)
    remember_company(store, saved, "a", company, actor=actor)
    return saved


def keep_qbo(
    store: Store,
    secrets: SecretStore,
    profile: Profile,
    app: QboApp,
    refresh_token: str,
    company: Company,
    realm: str,
    *,
    actor: str,
) -> Profile:
    """Save what a QuickBooks Online connection proved; the profile as saved."""
    saved = keep_qbo_app(store, secrets, profile, app, realm, company_name=company.name)
    secrets.set(saved.name, "refresh_token", refresh_token)
    remember_company(store, saved, "b", company, actor=actor)
    return saved


def keep_qbo_app(
    store: Store,
    secrets: SecretStore,
    profile: Profile,
    app: QboApp,
    realm: str,
    *,
    company_name: str | None = None,
) -> Profile:
    """Save the Intuit app's keys and the addresses (before QuickBooks is connected: for
    `recontui profile connect qbo`, which asks for the approval at a terminal; or with
    the ``company_name`` a connection found)."""
    b_settings = {**profile.b_settings, **app.settings(realm)}
    if company_name is not None:
        b_settings["company_name"] = company_name
    if not realm:
        b_settings.pop("realm_id", None)
    saved = store.save_profile(
        profile.name, profile.a_system, profile.b_system, profile.a_settings, b_settings
    )
    for key, value in (("client_id", app.client_id), ("client_secret", app.client_secret)):
        if value:
            secrets.set(profile.name, key, value)
    return saved


def credentials_problem(store: Store, profile: Profile) -> str | None:
    """What blocks going on from step 2, or None."""
    if not company_of(store, profile, "a"):
        return "Test BILL first: the setup goes on once BILL accepts the sign-in."
    if not company_of(store, profile, "b"):
        return "Connect QuickBooks Online first (consent address, approve, paste it back)."
    return None


def confirm_companies(store: Store, profile: Profile, *, confirmed: bool) -> str | None:
    """Step 3: tie the profile to the two companies step 2 connected, once a person
    confirmed them; from then on a run refuses any other company."""
    if not confirmed:
        return "Confirm that these are the right companies (tick the box) to go on."
    a, b = company_of(store, profile, "a"), company_of(store, profile, "b")
    if not a or not b:
        return "Both systems must be connected first: go back to Credentials."
    store.set_company_ids(profile.id, str(a["id"]), str(b["id"]))
    return None

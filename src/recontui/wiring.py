"""Putting a profile together: which systems, which settings, which secrets.

Profiles keep only non-secret settings in SQLite; the secrets each system needs
go through the secret store under the profile's name.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import httpx

from .connectors import make_connector
from .connectors.base import Connector, EventSink
from .model import Side
from .secrets import SecretStore, open_secret_store
from .store import Profile, Store


@dataclass(frozen=True)
class SystemInfo:
    name: str
    label: str
    side: Side
    settings: tuple[str, ...]
    secrets: tuple[str, ...]


SYSTEMS: dict[str, SystemInfo] = {
    "bill": SystemInfo(
        "bill",
        "BILL",
        "a",
        ("api_base", "organization_id", "username", "company_name"),
        ("dev_key", "password"),
    ),
    "qbo": SystemInfo(
        "qbo",
        "QuickBooks Online",
        "b",
        (
            "api_base",
            "token_url",
            "realm_id",
            "company_name",
            "bank_account_id",
            "auth_url",
            "redirect_uri",
        ),
        ("client_id", "client_secret", "refresh_token"),
    ),
}

REQUIRED_SETTINGS: dict[str, tuple[str, ...]] = {
    "bill": ("api_base", "organization_id", "username"),
    # realm_id may come later, from `recontui profile connect qbo`.
    "qbo": ("api_base", "token_url"),
}


def system_label(system: str) -> str:
    info = SYSTEMS.get(system)
    return info.label if info else system


def system_code(system: str) -> str:
    """A system's name where a table has little room: its label when short ("BILL"),
    else its id in capitals ("QBO", as accountants call QuickBooks Online)."""
    label = system_label(system)
    return label if len(label) <= 6 else system.upper()


def secrets_path_for(store: Store) -> Path:
    """The encrypted secrets file lives beside the database it belongs to."""
    if str(store.path) == ":memory:":
        return Path.cwd() / "recontui-memory.secrets"
    return store.path.with_name(store.path.name + ".secrets")


def open_secrets(
    store: Store,
    *,
    env: Mapping[str, str] | None = None,
    passphrase_provider: Callable[[], str | None] | None = None,
    allow_plaintext: bool = False,
) -> SecretStore:
    return open_secret_store(
        secrets_path_for(store),
        env=env,
        passphrase_provider=passphrase_provider,
        allow_plaintext=allow_plaintext,
    )


class BoundSecrets:
    """A secret store seen through one profile (what a connector is given)."""

    def __init__(self, store: SecretStore, profile: str) -> None:
        self._store = store
        self._profile = profile

    def get(self, name: str) -> str | None:
        return self._store.get(self._profile, name)

    def set(self, name: str, value: str) -> None:
        self._store.set(self._profile, name, value)

    def __repr__(self) -> str:
        return f"BoundSecrets(profile={self._profile!r})"


class HeldSecrets:
    """Secrets held in memory only (a new authorisation before it is proven; benches)."""

    def __init__(self, values: dict[str, str]) -> None:
        self.values = values

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.values[name] = value

    def __repr__(self) -> str:
        return f"HeldSecrets({sorted(self.values)})"  # names only, never values


def build_connector(
    profile: Profile,
    side: Side,
    secrets: SecretStore,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    on_event: EventSink | None = None,
) -> Connector:
    return make_connector(
        profile.system(side),
        {**profile.side_settings(side), "profile_name": profile.name},
        BoundSecrets(secrets, profile.name),
        transport=transport,
        on_event=on_event,
    )


class EventSource(Protocol):
    """Where a connector's log lines go: a run's event log, or nowhere (a check)."""

    def connector_sink(self, side_label: str) -> EventSink: ...


#: side, where its log lines go -> a connector not yet opened (what a run is given).
ConnectorFactory = Callable[[Side, EventSource], Connector]


def connector_factory(
    profile: Profile,
    secrets: SecretStore,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
) -> ConnectorFactory:
    """The one factory of the CLI and the console: the profile's connector for a side,
    its HTTP log lines labelled with the system's name ("BILL: ...", "QBO: ...")."""

    def factory(side: Side, events: EventSource) -> Connector:
        return build_connector(
            profile,
            side,
            secrets,
            transport=transport,
            on_event=events.connector_sink(profile.system(side).upper()),
        )

    return factory


@dataclass(frozen=True)
class Reach:
    """Whether a side's system answered who it is: its company, or why it did not."""

    answered: bool
    company_name: str = ""
    company_id: str = ""
    #: The system's own sentence when it did not answer ("" when it timed out).
    reason: str = ""
    timed_out: bool = False


class _Quiet:
    """Connector log lines of a reachability check go nowhere (no run to attach them to)."""

    def connector_sink(self, side_label: str) -> EventSink:
        return lambda *args: None


async def reach_side(factory: ConnectorFactory, side: Side, timeout: float = 15.0) -> Reach:
    """Ask one side who it is (one light request), within ``timeout`` seconds."""
    try:
        async with asyncio.timeout(timeout):
            async with factory(side, _Quiet()) as conn:
                company = await conn.company()
        return Reach(True, company.name, company.company_id)
    except TimeoutError:
        return Reach(False, timed_out=True)
    except Exception as exc:  # every failure is reported, in its own words
        return Reach(False, reason=str(exc) or type(exc).__name__)


async def reachability(factory: ConnectorFactory, timeout: float = 15.0) -> dict[Side, Reach]:
    """Both sides asked at once (the console's Home and `recontui doctor`)."""
    a, b = await asyncio.gather(
        reach_side(factory, "a", timeout), reach_side(factory, "b", timeout)
    )
    return {"a": a, "b": b}

"""`recontui ...`: the headless entry points (cron, scripts, CI).

This path never imports Textual. Every error a user can cause ends in one
sentence on stderr and a non-zero exit code, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import gc
import getpass
import json
import os
import secrets as pysecrets
import shlex
import signal
import sqlite3
import sys
import tempfile
import textwrap
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__
from .model import ORDER, SIDES, Side
from .model.states import LIVE_STATUSES, ConflictStatus
from .secrets import SecretsError, SecretStore
from .store import (
    Conflict,
    Profile,
    ProfileNotFound,
    Store,
    StoreError,
    default_db_path,
    open_store,
)
from .store.database import describe_sqlite_error

if TYPE_CHECKING:  # the connectors load inside the commands that use them
    from .connectors.base import Company
    from .connectors.qbo import Consent
    from .sandbox import RunningSandbox, Sandbox, SandboxConfig
    from .wiring import HeldSecrets


class CliError(Exception):
    """One sentence for stderr, and the exit code to leave with."""

    def __init__(self, message: str, code: int = 3) -> None:
        super().__init__(message)
        self.code = code


# -- small helpers ------------------------------------------------------------------------


def out_json(value: Any) -> None:
    print(json.dumps(value, indent=2, default=_json_default, ensure_ascii=False))


def _json_default(value: Any) -> Any:
    from decimal import Decimal

    if isinstance(value, Decimal):
        return format(value, "f")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, tuple):
        return list(value)
    return str(value)


def _safe(text: Any) -> str:
    """Remote text printed to a terminal: control characters shown, not obeyed."""
    return "".join(ch if ch.isprintable() or ch in "\t" else repr(ch)[1:-1] for ch in str(text))


def cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` characters: what is cut ends in "…" (`--json` keeps
    the whole). Every name or value the CLI cuts to fit a column goes through here."""
    return text if len(text) <= width else text[: max(width - 1, 0)] + "…"


def tty_passphrase() -> str | None:
    if not sys.stdin.isatty():
        return None
    return getpass.getpass("Passphrase for recontui's encrypted secrets file: ") or None


def db_path(args: argparse.Namespace) -> Path:
    return Path(args.db).expanduser() if args.db else default_db_path()


def open_db(args: argparse.Namespace, *, create: bool = False) -> Store:
    """The state database. Only the commands that make one (``create``: setup, demo,
    profile add, sandbox serve --profile) may create its folder; the others, which read
    it or act on a profile in it, refuse a path whose folder does not exist."""
    path = db_path(args)
    if not create:
        require_db_folder(path)
    return open_store(path)


def require_db_folder(path: Path) -> None:
    """One sentence (exit 2) for a database path whose folder is not there."""
    if not path.parent.is_dir():
        raise CliError(
            f"No recontui database at {path}: run `recontui setup` or `recontui demo` first, "
            "or pass the right --db.",
            2,
        )


def open_secrets_for(
    store: Store, args: argparse.Namespace, env: Mapping[str, str] | None = None
) -> SecretStore:
    from .wiring import open_secrets

    allow_plain = (
        bool(getattr(args, "plaintext_secrets", False))
        or os.environ.get("RECONTUI_PLAINTEXT_SECRETS") == "1"
    )
    return open_secrets(
        store, env=env, passphrase_provider=tty_passphrase, allow_plaintext=allow_plain
    )


def get_profile(store: Store, name: str | None) -> Profile:
    return store.get_profile(name)


def check_entity(name: str | None) -> str | None:
    """``--entity NAME`` as given, or one sentence (exit 2) listing the known names."""
    if name is not None and name not in ORDER:
        raise CliError(f"Unknown entity {name!r}; known: {', '.join(ORDER)}.", 2)
    return name


# -- sandbox ------------------------------------------------------------------------------


def cmd_sandbox_serve(args: argparse.Namespace) -> int:
    config = _sandbox_config(args)
    stop = threading.Event()

    def on_signal(signum: int, frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    from .sandbox import Sandbox

    sandbox = Sandbox(config)
    # This process serves the seeded company until it stops: its objects are never garbage,
    # so the collector stops walking them (a full collection of a million records' heap
    # took ~16 s, and the stand-ins answered nothing meanwhile).
    gc.collect()
    gc.freeze()
    with _stand_ins(config, args.port, args.host, sandbox=sandbox) as running:
        if args.qbo_sales_tax is not None:
            _check_sales_tax_code(running.sandbox, args.qbo_sales_tax, args.scenario)
        creds = running.sandbox.credentials(running.base_url)
        if args.profile:
            store = open_db(args, create=True)
            try:
                new = args.profile not in {p.name for p in store.list_profiles()}
                save_sandbox_profile(store, args, args.profile, creds)
                if new:  # a new profile starts from the usual ownership, as profile add's
                    from .setup.syncs import apply_usual_ownership

                    profile = store.get_profile(args.profile)
                    apply_usual_ownership(store, profile, os.environ.get("USER", "cli"))
            finally:
                store.close()
        line = {
            "base_url": running.base_url,
            "scenario": args.scenario,
            "seed": args.seed,
            "size": args.size,
            "faults": str(running.sandbox.faults.plan),
            "profile": args.profile,
            **creds,
        }
        print(json.dumps(line), flush=True)
        while not stop.wait(0.5):
            pass
    return 0


def _sandbox_config(args: argparse.Namespace) -> SandboxConfig:
    """The stand-ins' configuration from `sandbox serve`'s options, checked."""
    from .sandbox import SandboxConfig
    from .sandbox.faults import FaultSpecError, parse_faults
    from .sandbox.seed import check_size

    try:
        parse_faults(args.faults)
    except FaultSpecError as exc:
        raise CliError(f"--faults {exc}", 2) from None
    try:
        check_size(args.size, args.scenario)
    except ValueError as exc:
        raise CliError(f"--{exc}.", 2) from None
    return SandboxConfig(
        seed=args.seed,
        scenario=args.scenario,
        faults=args.faults or "",
        fault_seed=args.fault_seed,
        slow_seconds=args.slow_seconds,
        size=args.size,
        qbo_sales_tax_code=args.qbo_sales_tax,
        bill_sales_tax=bool(getattr(args, "bill_sales_tax", False)),
        near_duplicates=bool(getattr(args, "near_duplicates", False)),
    )


def _check_sales_tax_code(sandbox: Sandbox, code: str, scenario: str) -> None:
    """``--qbo-sales-tax`` must name a tax code of the seeded QBO company."""
    codes = sorted(str(r.get("Name")) for _i, r in sandbox.qbo_company.rows("TaxCode"))
    if code not in codes:
        known = ", ".join(codes) or "none"
        raise CliError(
            f"--qbo-sales-tax {code!r} is not a tax code of the "
            f"{scenario} company (it has: {known}).",
            2,
        )


def save_sandbox_profile(
    store: Store,
    args: argparse.Namespace,
    name: str,
    creds: Mapping[str, Mapping[str, str]],
    secrets: SecretStore | None = None,
) -> None:
    qbo, bill = creds["qbo"], creds["bill"]
    secrets = secrets or open_secrets_for(store, args)
    store.save_profile(
        name,
        "bill",
        "qbo",
        {
            "api_base": bill["api_base"],
            "organization_id": bill["organization_id"],
            "username": bill["username"],
            "company_name": "Sandbox BILL organisation",
        },
        {
            "api_base": qbo["api_base"],
            "token_url": qbo["token_url"],
            "realm_id": qbo["realm_id"],
            "company_name": "Sandbox QuickBooks company",
            # The stand-in's consent page, where Intuit's is appcenter.intuit.com/connect/oauth2.
            "auth_url": qbo.get("auth_url") or f"{qbo['api_base']}/connect/oauth2",
        },
    )
    # Stand-ins of another seed are other books. A profile that never synced simply takes
    # them; one that holds links keeps the companies it knows, so its next run refuses
    # the other books (until `recontui state forget`) rather than mixing the two.
    profile = store.get_profile(name)
    if not store.has_links(profile.id):
        store.forget_company_ids(profile.id)
    elif (profile.a_company_id, profile.b_company_id) != (
        bill["organization_id"],
        qbo["realm_id"],
    ):
        print(
            f"Profile {name!r} holds links of other books: its next sync will refuse these "
            f"stand-ins until you run `recontui state forget --profile {name}`.",
            file=sys.stderr,
        )
    for key in ("client_id", "client_secret", "refresh_token"):
        secrets.set(name, key, qbo[key])
    for key in ("dev_key", "password"):
        secrets.set(name, key, bill[key])


# -- profiles -----------------------------------------------------------------------------

PROFILE_FLAGS = {
    "bill": {
        "api_base": "--bill-url",
        "organization_id": "--bill-org",
        "username": "--bill-user",
        "company_name": "--bill-company",
        "max_in_flight": "--bill-max-in-flight",
        "rate_limit": "--bill-rate-limit",
        "rate_window_seconds": "--bill-rate-window",
        "request_deadline_seconds": "--bill-request-deadline",
    },
    "qbo": {
        "api_base": "--qbo-url",
        "token_url": "--qbo-token-url",
        "realm_id": "--qbo-realm",
        "company_name": "--qbo-company",
        "bank_account_id": "--qbo-bank-account",
        "auth_url": "--qbo-auth-url",
        "redirect_uri": "--qbo-redirect-uri",
        "max_in_flight": "--qbo-max-in-flight",
        "rate_limit": "--qbo-rate-limit",
        "rate_window_seconds": "--qbo-rate-window",
        "request_deadline_seconds": "--qbo-request-deadline",
    },
}
PROFILE_SECRETS = {
    "bill": ("dev_key", "password"),
    "qbo": ("client_id", "client_secret", "refresh_token"),
}
PRODUCTION_URLS = {
    "bill": {"api_base": "https://gateway.prod.bill.com/connect"},
    "qbo": {
        "api_base": "https://quickbooks.api.intuit.com",
        "token_url": "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer",
        "auth_url": "https://appcenter.intuit.com/connect/oauth2",
    },
}


def read_secrets_file(path: str) -> dict[str, str]:
    try:
        text = Path(path).expanduser().read_text()
    except OSError as exc:
        raise CliError(f"Cannot read the secrets file {path} ({exc.strerror}).", 2) from exc
    text = text.strip()
    if text.startswith("{"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CliError(
                f"{path} is not valid JSON (line {exc.lineno}); write it as "
                '{"dev_key": "..."} or as KEY=VALUE lines.',
                2,
            ) from exc
        return {str(k): str(v) for k, v in data.items()}
    out = {}
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if "=" not in line:
            raise CliError(f"{path} line {number} is not KEY=VALUE.", 2)
        key, _, value = line.partition("=")
        out[key.strip()] = value.strip()
    return out


def cmd_profile_add(args: argparse.Namespace) -> int:
    store = open_db(args, create=True)
    settings = {system: _profile_settings(args, system) for system in PROFILE_FLAGS}
    given = read_secrets_file(args.secrets_file) if args.secrets_file else {}
    secret_store = open_secrets_for(store, args)
    to_store: dict[str, str] = {}
    for system, names in PROFILE_SECRETS.items():
        for key in names:
            value = _profile_secret(args.name, system, key, given)
            if value is not None:
                to_store[key] = value
    if not args.no_check:
        _check_bill_login(args.name, settings["bill"], to_store)
    new = args.name not in {p.name for p in store.list_profiles()}
    profile = store.save_profile(
        args.name, "bill", "qbo", settings["bill"], settings["qbo"], make_default=args.default
    )
    for key, value in to_store.items():
        secret_store.set(args.name, key, value)
    print(f"Profile {args.name!r} saved; secrets in {secret_store.describe()}.")
    if new:
        from .setup.syncs import apply_usual_ownership, usual_ownership_words

        apply_usual_ownership(store, profile, os.environ.get("USER", "cli"))
        print(usual_ownership_words(profile))
    if not secret_store.get(args.name, "refresh_token"):
        print(
            "Next, connect QuickBooks Online (no browser needed on this computer): "
            f"recontui profile connect qbo --profile {shlex.quote(args.name)}"
        )
    return 0


def _check_bill_login(name: str, settings: Mapping[str, str], given: Mapping[str, str]) -> None:
    """Sign in to BILL with the profile's settings and secrets before anything is saved
    (the setup's own check, ``setup.check_bill``); a refusal saves nothing."""
    from .secrets import env_var_name
    from .setup import SetupRefused, check_bill
    from .setup.connect import bill_from

    def secret(key: str) -> str:
        return given.get(key) or os.environ.get(env_var_name(name, key), "")

    login = bill_from(settings, secret("dev_key"), secret("password"))
    try:
        company = asyncio.run(check_bill(login))
    except SetupRefused as exc:
        raise CliError(
            f"Nothing was saved: {exc} (--no-check saves the profile without signing in.)", 3
        ) from None
    print(f"BILL signed in: organisation {_safe(company.name)} ({company.company_id}).")


def _profile_settings(args: argparse.Namespace, system: str) -> dict[str, str]:
    """One system's settings from its flags (production addresses by default), checked
    now rather than at the first sync."""
    from .connectors.base import ConnectorError
    from .connectors.common import deadline_setting, rate_settings
    from .wiring import REQUIRED_SETTINGS

    flags = PROFILE_FLAGS[system]
    settings: dict[str, str] = {}
    for key, flag in flags.items():
        value = getattr(args, flag.lstrip("-").replace("-", "_"))
        if value:
            settings[key] = value
    for key, value in PRODUCTION_URLS[system].items():
        settings.setdefault(key, value)
    missing = [flags[k] for k in REQUIRED_SETTINGS[system] if not settings.get(k)]
    if missing:
        raise CliError(f"Profile {args.name!r} needs {', '.join(missing)}.", 2)
    try:  # the rate and deadline settings are checked now, not at the first sync
        rate_settings(system, settings, max_in_flight=1, rate_limit=1, rate_window=1)
        deadline_setting(system, settings)
    except ConnectorError as exc:
        flag = next(f for k, f in flags.items() if k in str(exc))
        raise CliError(f"{flag}: {exc}".replace(" and sync again", ""), 2) from None
    return settings


def _profile_secret(profile: str, system: str, key: str, given: Mapping[str, str]) -> str | None:
    """A secret to save: from the secrets file, else typed at a terminal; None where it is
    read later (from the environment, or obtained by `profile connect qbo`)."""
    from .secrets import env_var_name

    if key in given:
        return given[key]
    if os.environ.get(env_var_name(profile, key)):
        return None  # read from the environment at run time
    if (system, key) == ("qbo", "refresh_token"):
        return None  # `recontui profile connect qbo` obtains it
    if not sys.stdin.isatty():
        raise CliError(
            f"The {system} secret {key} is missing: give it in --secrets-file, or set "
            f"{env_var_name(profile, key)}, or run this command in a terminal to be "
            "asked for it.",
            2,
        )
    value = getpass.getpass(f"{system} {key}: ")
    if not value:
        raise CliError(f"{system} {key} is required.", 2)
    return value


def cmd_profile_list(args: argparse.Namespace) -> int:
    store = open_db(args)
    profiles = store.list_profiles()
    if args.json:
        out_json(
            [
                {"name": p.name, "default": p.is_default, "a": p.a_system, "b": p.b_system}
                for p in profiles
            ]
        )
        return 0
    if not profiles:
        print(
            "No profiles yet: create one with `recontui profile add` or "
            "`recontui sandbox serve --profile NAME`."
        )
    for p in profiles:
        print(f"{'*' if p.is_default else ' '} {p.name}  ({p.a_system} <-> {p.b_system})")
    return 0


def cmd_profile_show(args: argparse.Namespace) -> int:
    store = open_db(args)
    p = get_profile(store, args.name)
    data = {
        "name": p.name,
        "default": p.is_default,
        "billing": {"system": p.a_system, **p.a_settings, "company_id": p.a_company_id},
        "accounting": {"system": p.b_system, **p.b_settings, "company_id": p.b_company_id},
        "settings": store.settings(p.id),
        "rules": store.rules(p.id),
    }
    if args.json:
        out_json(data)
    else:
        for key, value in data.items():
            print(f"{key}: {_safe(json.dumps(value, default=str))}")
    return 0


def cmd_profile_remove(args: argparse.Namespace) -> int:
    store = open_db(args)
    profile = get_profile(store, args.name)
    if not args.yes:
        open_conflicts = sum(
            store.conflict_counts(profile.id).get(ConflictStatus.OPEN, {}).values()
        )
        links, runs = store.count_profile_links(profile.id), store.count_runs(profile.id)
        what = (
            f"its {_counted(links, 'link')}, {_counted(open_conflicts, 'open conflict')} and "
            f"{_counted(runs, 'run')} (with its settings, rules, audit trail and stored secrets)"
        )
        if not sys.stdin.isatty():
            raise CliError(
                f"Removing profile {profile.name!r} deletes {what}; add --yes to confirm.", 2
            )
        answer = input(f"Remove profile {profile.name!r} and {what}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 0
    with contextlib.suppress(SecretsError):
        open_secrets_for(store, args).delete_all(args.name)
    store.remove_profile(args.name)
    print(f"Profile {args.name!r} removed, with its links, conflicts and history.")
    return 0


def _counted(n: int, noun: str) -> str:
    """A count with its noun: "1 run", "2 runs"."""
    return f"{n} {noun}{'' if n == 1 else 's'}"


def cmd_profile_connect(args: argparse.Namespace) -> int:
    """Connect QuickBooks Online by OAuth with no browser or listener on this computer.

    Prints Intuit's consent address, reads back the address the browser was sent to
    (or just its code), checks its state and company, exchanges the code, checks the
    company answers, then saves the newest refresh token (and the realm id if new).
    """
    from .secrets import env_var_name

    if args.system != "qbo":
        raise CliError(
            "BILL signs in with the user name, password and developer key saved by "
            "`recontui profile add`: there is nothing to connect.",
            2,
        )
    store = open_db(args)
    profile = get_profile(store, args.profile)
    side = next((s for s in SIDES if profile.system(s) == "qbo"), None)
    if side is None:
        raise CliError(f"Profile {profile.name!r} has no QuickBooks Online side.", 2)
    settings = dict(profile.side_settings(side))
    secrets = open_secrets_for(store, args)
    keys = _qbo_app_keys(secrets, profile)
    consent, redirect_uri = _ask_for_consent(profile, settings, keys[0])
    realm = _consented_realm(profile, side, settings, consent.realm_id)
    held, company = _exchange_code(profile, settings, keys, consent.code, redirect_uri, realm)
    _confirm_company(profile, company, yes=args.yes)
    # The connector may have rotated the token while checking: save the newest one.
    secrets.set(profile.name, "refresh_token", held.values["refresh_token"])
    if settings.get("realm_id") != realm:
        sides = {"a": dict(profile.a_settings), "b": dict(profile.b_settings)}
        sides[side]["realm_id"] = realm
        store.save_profile(profile.name, profile.a_system, profile.b_system, sides["a"], sides["b"])
    name = shlex.quote(profile.name)
    print(
        f"Connected profile {profile.name!r} to QuickBooks Online company "
        f"{_safe(company.name)} ({company.company_id}). See what the first sync would do "
        f"(nothing is written): recontui sync --dry-run --profile {name}; then sync with: "
        f"recontui sync --profile {name}"
    )
    variable = env_var_name(profile.name, "refresh_token")
    if os.environ.get(variable):
        print(f"Note: {variable} is set and wins over the saved refresh token: unset it.")
    return 0


def _confirm_company(profile: Profile, company: Company, *, yes: bool) -> None:
    """Both companies side by side, and an explicit yes before the profile is tied to them
    (``--yes`` answers for a script). Anything else saves nothing."""
    billing = profile.a_company_id or profile.a_settings.get("organization_id") or "?"
    print("The profile would keep these two sets of books in agreement:")
    print(f"  billing     {profile.a_system:<5} organisation {_safe(billing)}")
    print(
        f"  accounting  {profile.b_system:<5} {_safe(company.name)} ({_safe(company.company_id)})"
    )
    if yes:
        return
    print("Are these the right companies? Type yes to connect: ", end="", flush=True)
    if sys.stdin.readline().strip().lower() not in ("yes", "y"):
        raise CliError(
            "Not confirmed, so nothing was saved: run the command again and choose the "
            "right company when you approve (or add --yes in a script).",
            2,
        )


def _qbo_app_keys(secrets: SecretStore, profile: Profile) -> tuple[str, str]:
    """The Intuit app's client_id and client_secret saved for the profile."""
    client_id = secrets.get(profile.name, "client_id")
    client_secret = secrets.get(profile.name, "client_secret")
    if not client_id or not client_secret:
        raise CliError(
            f"Profile {profile.name!r} has no QuickBooks Online client_id and client_secret: "
            f"save your Intuit app's keys with `recontui profile add {shlex.quote(profile.name)}"
            " ... --secrets-file FILE`, then run this again.",
            2,
        )
    return client_id, client_secret


def _ask_for_consent(
    profile: Profile, settings: Mapping[str, str], client_id: str
) -> tuple[Consent, str]:
    """Show Intuit's consent address, read back where the browser was sent; the consent
    (its state checked against this attempt's) and the redirect address used."""
    from .connectors.base import ConnectorError
    from .connectors.qbo import AUTH_URL, DEFAULT_REDIRECT_URI, authorization_url, parse_consent

    redirect_uri = settings.get("redirect_uri") or DEFAULT_REDIRECT_URI
    state = pysecrets.token_urlsafe(16)
    url = authorization_url(
        client_id, redirect_uri, state, auth_url=settings.get("auth_url") or AUTH_URL
    )
    print(f"Connect profile {profile.name!r} to QuickBooks Online:")
    print("1. Open this address in a browser on any computer, sign in, choose the company and")
    print("   approve:")
    print(f"   {url}")
    print(f"2. The browser is then sent to {redirect_uri} (that page may not load):")
    print("   copy the whole address from its address bar.")
    print("3. Paste it here within a few minutes (just the code= value works too).")
    print("Address or code: ", end="", flush=True)
    line = sys.stdin.readline()
    if not line.strip():
        raise CliError("Nothing was pasted, so nothing was saved: run the command again.", 2)
    try:
        consent = parse_consent(line)
    except ConnectorError as exc:
        raise CliError(str(exc), 2) from None
    if consent.state is not None and consent.state != state:
        raise CliError(
            "The pasted address does not belong to this connection attempt (its state does not "
            "match), so nothing was saved: run the command again and paste the address the "
            "browser shows after you approve.",
            2,
        )
    return consent, redirect_uri


def _consented_realm(
    profile: Profile, side: Side, settings: Mapping[str, str], pasted: str | None
) -> str:
    """The company the approval is for; it must be the profile's, when it has one."""
    known = settings.get("realm_id") or (
        profile.b_company_id if side == "b" else profile.a_company_id
    )
    realm = pasted or known
    if not realm:
        raise CliError(
            "A code alone does not say which company it is for: run the command again and "
            "paste the whole address (it carries realmId=...).",
            2,
        )
    if known and realm != known:
        raise CliError(
            f"That approval is for QuickBooks Online company {_safe(realm)}, but profile "
            f"{profile.name!r} belongs to company {known}, so nothing was saved: run the "
            f"command again and choose company {known}, or make a new profile for the other "
            "company.",
            2,
        )
    return realm


def _exchange_code(
    profile: Profile,
    settings: Mapping[str, str],
    keys: tuple[str, str],
    code: str,
    redirect_uri: str,
    realm: str,
) -> tuple[HeldSecrets, Company]:
    """Trade the code for tokens and ask the company for its name with them: the tokens,
    held in memory until they are proven, and the company that answered."""
    from .connectors import make_connector
    from .connectors.base import ConnectorError
    from .connectors.qbo import exchange_code
    from .wiring import HeldSecrets

    client_id, client_secret = keys

    async def connect() -> tuple[HeldSecrets, Company]:
        grant = await exchange_code(
            settings["token_url"], client_id, client_secret, code, redirect_uri
        )
        held = HeldSecrets(
            {
                "client_id": client_id,
                "client_secret": client_secret,
                "refresh_token": str(grant["refresh_token"]),
            }
        )
        checked = {**settings, "realm_id": realm, "profile_name": profile.name}
        async with make_connector("qbo", checked, held) as qbo:
            return held, await qbo.company()

    try:
        return asyncio.run(connect())
    except ConnectorError as exc:
        raise CliError(f"Nothing was saved: {exc}", 3) from None


# -- sync ---------------------------------------------------------------------------------


def _due(store: Any, profile: Any, *, verbose: bool) -> bool:
    """Whether the profile's schedule wants a run now (for cron's ``sync --if-due``).

    Silent when not due, so a cron line every five minutes sends no mail.
    """
    import datetime as dt

    from .present import local_time, next_scheduled_run
    from .schedule import due_on_tick

    text, due = next_scheduled_run(store, profile)
    if due is None:
        if text != "off":
            raise CliError(
                f"The schedule of profile {profile.name!r} is not valid ({text!r}); fix it in "
                "the console's Preferences (`recontui tui`)."
            )
        if verbose:
            print(f"Profile {profile.name!r} has no schedule (off): nothing to do.")
        return False
    if not due_on_tick(due, dt.datetime.now(dt.UTC)):
        if verbose:
            print(f"Not due: the next run ({text}) is at {local_time(due.isoformat())}.")
        return False
    return True


#: Set by SIGTERM or Ctrl-C during a run: `sync --all` starts no further profile.
STOPPING = threading.Event()


def cmd_sync(args: argparse.Namespace) -> int:
    from .run import RunOptions, run_sync
    from .wiring import connector_factory

    if getattr(args, "all", False):
        return _sync_all(args)
    store = open_db(args)
    profile = get_profile(store, args.profile)
    if args.if_due and not _due(store, profile, verbose=args.verbose > 0):
        return 0
    secrets = open_secrets_for(store, args)
    cancel = threading.Event()
    options = RunOptions(
        dry_run=args.dry_run,
        accept_big_change=args.accept_big_change,
        trigger="cron" if not sys.stdin.isatty() else "cli",
        actor=os.environ.get("USER", "recontui"),
        cancel=cancel,
        keep_debug=args.verbose > 1,
    )

    def on_term(signum: int, frame: Any) -> None:
        cancel.set()
        STOPPING.set()

    signal.signal(signal.SIGTERM, on_term)
    factory, listener = connector_factory(profile, secrets), _sync_listener(args.verbose)
    try:
        result = asyncio.run(run_sync(store, profile, factory, options, listener=listener))
    except KeyboardInterrupt:
        STOPPING.set()
        print("Interrupted; the next run carries on where this one stopped.", file=sys.stderr)
        return 3
    checked = verify_after_run(store, profile, secrets, result) if args.verify else None
    if args.json:
        out_json(
            {
                "run_id": result.run_id,
                "status": result.status,
                "exit_code": result.exit_code if checked is None else checked.exit_code,
                "counts": result.counts,
                "message": result.message,
                "plan": _named_plan(store, result.plan),
                **({} if checked is None else {"verify": checked.json}),
            }
        )
    else:
        _print_sync(result, checked, dry_run=args.dry_run, store=store)
    if result.exit_code == 3 and result.message and not args.json:
        print(_safe(result.message), file=sys.stderr)
    return result.exit_code if checked is None else checked.exit_code


def _sync_all(args: argparse.Namespace) -> int:
    """`sync --all [--if-due]`: every profile, one after another, each its own run and lock;
    one profile's failure never stops the others. Exit: the worst profile's code."""
    if args.profile or args.json:
        raise CliError(
            "`sync --all` runs every profile and prints a summary for each; leave out "
            "--profile and --json (`recontui sync --profile NAME --json` gives one profile's).",
            2,
        )
    store = open_db(args)
    worst = 0
    for profile in store.list_profiles():
        if STOPPING.is_set():
            print(f"Stopped before profile {profile.name!r}: not synced.", file=sys.stderr)
            worst = 3
            continue
        worst = max(worst, _sync_one_of_all(store, profile, args))
    return worst


def _sync_one_of_all(store: Store, profile: Profile, args: argparse.Namespace) -> int:
    """One profile of `sync --all`: skipped when not due (with --if-due, silently) or when
    its setup is unfinished (it would sync before its person finished choosing)."""
    from .setup import needs_setup

    try:
        if args.if_due and not _due(store, profile, verbose=args.verbose > 0):
            return 0
        if needs_setup(store, profile):
            print(
                f"Profile {profile.name!r}: skipped, its setup is unfinished (finish it with "
                f"`recontui setup --profile {profile.name}`)."
            )
            return 0
        print(f"== Profile {profile.name!r} ==", flush=True)
        one = argparse.Namespace(**{**vars(args), "all": False, "if_due": False})
        one.profile = profile.name
        code = cmd_sync(one)
    except (CliError, SecretsError, StoreError) as exc:
        print(f"recontui: profile {profile.name!r}: {exc}", file=sys.stderr)
        return exc.code if isinstance(exc, CliError) else 3
    print(flush=True)
    return code


def recontui_command() -> list[str]:
    """How to start this recontui again from cron or systemd, by absolute paths."""
    import shutil

    started = Path(sys.argv[0])
    if started.name == "recontui" and started.is_file():
        return [str(started.absolute())]
    found = shutil.which("recontui")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "recontui"]


def cmd_schedule(args: argparse.Namespace) -> int:
    """`recontui schedule --cron|--systemd`: print (never install) what calls
    `recontui sync --all --if-due` every minute on this database."""
    import platformdirs

    from .schedule import cron_text, sync_all_command, systemd_text

    db = (Path(args.db).expanduser() if args.db else default_db_path()).absolute()
    command = sync_all_command(recontui_command(), db)
    config = Path(platformdirs.user_config_dir("recontui", appauthor=False)).absolute()
    env_file = config / "sync.env"
    if args.cron:
        state = Path(platformdirs.user_state_dir("recontui", appauthor=False)).absolute()
        print(cron_text(command, state / "sync.log", env_file), end="")
    else:
        units = config.parent / "systemd" / "user"
        print(systemd_text(command, env_file, units), end="")
    return 0


def _sync_listener(verbose: int) -> Callable[[Any], None]:
    """Errors always reach stderr (cron mails them), one line each; -v adds the rest
    of the run's log and -vv the HTTP lines. The run's end is the summary's to say."""

    def listener(event: Any) -> None:
        if verbose:
            shown = event.level != "debug" or verbose > 1
        else:
            shown = event.level == "error" and event.phase != "end"
        if shown:
            print(
                f"[{event.level:7}] {event.phase:8} {_safe(event.message)}",
                file=sys.stderr,
                flush=True,
            )

    return listener


def _named_plan(store: Store, plan: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """A dry run's plan items, each with the name of its record (``name``)."""
    from .present import Names

    names = Names(store)
    return [{**item, "name": names.link_name(int(item["link"]))} for item in plan]


def _print_sync(result: Any, checked: AfterRun | None, *, dry_run: bool, store: Store) -> None:
    """A run's summary (its fatal message goes to stderr instead), a dry run's plan by
    entity and record name, and what the check after it found."""
    from .present import Names, plan_lines
    from .run import summary_lines

    lines = summary_lines(result)
    if result.exit_code == 3 and result.message:
        lines = [line for line in lines if line != result.message]
    for line in lines:
        print(_safe(line))
    if dry_run:
        for line in plan_lines(result.plan, Names(store).link_name):
            print(_safe(line))
    for line in checked.lines if checked is not None else ():
        print(_safe(line))


# -- verify -------------------------------------------------------------------------------


def check_books(
    store: Store,
    profile: Profile,
    secrets: SecretStore,
    *,
    entity: str | None = None,
    limit: int = 1000,
    run_id: int | None = None,
) -> Any:
    """Run `recontui verify` and keep its result; CliError (exit 3) when it cannot."""
    from .verify import VerifyError, save_result, verify
    from .wiring import connector_factory

    try:
        result = asyncio.run(
            verify(
                store,
                profile,
                connector_factory(profile, secrets),
                entity=entity,
                limit=limit,
                run_id=run_id,
            )
        )
    except VerifyError as exc:
        raise CliError(str(exc), 3) from None
    save_result(store, profile, result)
    return result


def cmd_verify(args: argparse.Namespace) -> int:
    from .model import SYNCED
    from .verify import report_lines

    if args.entity is not None and args.entity not in SYNCED:
        raise CliError(
            f"--entity {args.entity!r} is not an entity recontui syncs; use one of: "
            f"{', '.join(SYNCED)}.",
            2,
        )
    store = open_db(args)
    profile = get_profile(store, args.profile)
    secrets = open_secrets_for(store, args)
    result = check_books(store, profile, secrets, entity=args.entity, limit=args.limit)
    if args.json:
        out_json(result.to_json())
    else:
        for line in report_lines(result):
            print(_safe(line))
    return 0 if result.agree else 1


@dataclasses.dataclass
class AfterRun:
    """`sync --verify`: the check's exit code (merged with the run's), JSON and words."""

    exit_code: int
    json: dict[str, Any]
    lines: list[str]


def verify_after_run(store: Store, profile: Profile, secrets: SecretStore, run: Any) -> AfterRun:
    """Check the books after a run that completed; exit 0 only when they agree."""
    from .verify import report_lines

    if run.exit_code == 3:
        said = "Not verified: the run did not complete."
        return AfterRun(3, {"error": said}, [said])
    try:
        result = check_books(store, profile, secrets, run_id=run.run_id)
    except CliError as exc:
        said = f"Not verified: {exc}"
        return AfterRun(3, {"error": str(exc)}, [said])
    code = max(run.exit_code, 0 if result.agree else 1)
    lines = ["", *report_lines(result)]
    if run.exit_code == 0 and not result.agree:
        lines.append("The run itself ended cleanly, but the check found disagreements: exit 1.")
    return AfterRun(code, result.to_json(), lines)


# -- conflicts ----------------------------------------------------------------------------


def require_conflict(store: Store, profile: Profile, conflict_id: int) -> Conflict:
    conflict = store.conflict(conflict_id, profile.id)
    if conflict is None:
        raise CliError(
            f"There is no conflict {conflict_id} in profile {profile.name!r}; "
            "see `recontui conflicts list`.",
            2,
        )
    return conflict


def cmd_conflicts_list(args: argparse.Namespace) -> int:
    from .present import Names, conflict_summary

    check_entity(args.entity)
    store = open_db(args)
    profile = get_profile(store, args.profile)
    statuses = tuple(ConflictStatus) if args.all else LIVE_STATUSES
    conflicts = store.conflicts(profile.id, statuses=statuses, entity=args.entity, limit=args.limit)
    names = Names(store)
    rows = [conflict_summary(store, profile, c, names) for c in conflicts]
    if args.json:
        out_json(rows)
        return 0
    if not rows:
        print("No conflicts waiting.")
        return 0
    _print_conflict_table(rows)
    if args.limit is not None and len(rows) == args.limit:
        total = _count_conflicts(store, profile, statuses, args.entity)
        if total > len(rows):
            print(f"{len(rows)} of {total} shown; without --limit all are listed.")
    return 0


def _print_conflict_table(rows: Sequence[Mapping[str, Any]]) -> None:
    print(f"{'ID':>5}  {'STATUS':9} {'ENTITY':13} {'RECORD':30} FIELDS")
    for r in rows:
        record = cut(_safe(r["record"]), 30)
        what = r["field_names"] or f"({r['kind']})"
        print(f"{r['id']:>5}  {r['status']:9} {r['entity']:13} {record:30} {_safe(what)}")


def _count_conflicts(
    store: Store, profile: Profile, statuses: Sequence[str], entity: str | None
) -> int:
    """How many conflicts `conflicts list` would show without --limit (counted in SQL)."""
    return sum(
        n
        for status, by_entity in store.conflict_counts(profile.id).items()
        if status in statuses
        for name, n in by_entity.items()
        if entity in (None, name)
    )


def cmd_conflicts_show(args: argparse.Namespace) -> int:
    from .present import conflict_detail

    store = open_db(args)
    profile = get_profile(store, args.profile)
    conflict = require_conflict(store, profile, args.id)
    detail = conflict_detail(store, profile, conflict)
    if conflict.kind == "match":
        from .present_match import match_sides

        # The record and its candidates side by side: what each system holds.
        detail["sides"] = match_sides(store, profile, conflict)
    if args.json:
        out_json(detail)
        return 0
    print(
        f"Conflict {conflict.id}: {conflict.entity} {_safe(detail['record'])!s} "
        f"[{conflict.kind}, {conflict.status}]"
    )
    if conflict.note:
        print(f"  note: {_safe(conflict.note)}")
    if conflict.kind == "match":
        _print_match(conflict, detail)
    else:
        _print_field_rows(detail)
    return 0


def _print_match(conflict: Conflict, detail: Mapping[str, Any]) -> None:
    """A match conflict: the record and each candidate side by side, and how to decide."""
    a, b = detail["systems"]["a"], detail["systems"]["b"]
    sides = detail["sides"]
    record, *cands = sides["columns"]
    there = b if record["system"] == a else a
    print(
        f"  {record['system']} record {_safe(record['remote_id'] or '?')}: "
        f"{_safe(detail['record'])}; {len(cands)} candidate"
        f"{'' if len(cands) == 1 else 's'} in {there}:"
    )
    for start in range(0, max(len(cands), 1), MATCH_COLUMNS):
        group = [record, *cands[start : start + MATCH_COLUMNS]]
        heads = ["this record"] + [
            f"candidate {start + at}: link {c['link']} (id {_safe(c['remote_id'] or '?')})"
            for at, c in enumerate(group[1:], start=1)
        ]
        table = [["", *heads]] + [
            [label, *(_safe(col["values"].get(label, "")) for col in group)]
            for label in sides["rows"]
        ]
        _print_columns(table)
    if conflict.status == ConflictStatus.OPEN:
        print(
            f"  Decide with: recontui conflicts resolve {conflict.id} --candidate N "
            "(or --link LINK) | --create | --ignore"
        )


def _print_field_rows(detail: Mapping[str, Any]) -> None:
    """A field conflict: per field its base, both sides and what was chosen or suggested."""
    from .present import choice_words

    a, b = detail["systems"]["a"], detail["systems"]["b"]
    for row in detail["rows"]:
        print(f"  {row['field']}:")
        base = (
            "(none yet: first sync of this pair)"
            if row.get("kind") == "no_base"
            else _safe(row["base"] or "")
        )
        print(f"    base       {base}")
        print(f"    a {a:8} {_safe(row['a'] or '')}")
        print(f"    b {b:8} {_safe(row['b'] or '')}")
        if row["choice"]:
            print(f"    chosen     {_safe(choice_words(row, 'choice', detail['systems']))}")
        elif row["suggestion"]:
            print(f"    suggested  {_safe(choice_words(row, 'suggestion', detail['systems']))}")


#: Candidates shown beside the record per block of `conflicts show` (fits 80 columns).
MATCH_COLUMNS = 1
#: A value wider than this is cut with "…" (`--json` has it whole).
MATCH_CELL = 30


def _print_columns(table: list[list[str]]) -> None:
    """Rows of cells, each column as wide as its widest cell (at most ``MATCH_CELL``)."""
    cells = [[cut(c, MATCH_CELL) for c in row] for row in table]
    widths = [max(len(row[i]) for row in cells) for i in range(len(cells[0]))]
    for row in cells:
        print("    " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


def nth_candidate(conflict: Conflict, n: int, *, given_link: int | None) -> int:
    """The link id of the ``n``th candidate (1-based) as `conflicts show` lists them, or
    one sentence (exit 2) saying which numbers there are."""
    candidates = list(conflict.candidates or [])
    if given_link is not None:
        raise CliError("Give --link or --candidate, not both.", 2)
    if not candidates:
        raise CliError(
            f"Conflict {conflict.id} is not a match conflict: it has no candidates "
            f"(`recontui conflicts show {conflict.id}` says what it asks).",
            2,
        )
    if not 1 <= n <= len(candidates):
        raise CliError(
            f"Conflict {conflict.id} has {len(candidates)} candidate"
            f"{'' if len(candidates) == 1 else 's'}: --candidate takes 1 to {len(candidates)}.",
            2,
        )
    return int(candidates[n - 1])


def cmd_conflicts_resolve(args: argparse.Namespace) -> int:
    from .decisions import ResolveError, resolve_conflict

    store = open_db(args)
    profile = get_profile(store, args.profile)
    conflict = require_conflict(store, profile, args.id)
    link_to = args.link
    if args.candidate is not None:
        link_to = nth_candidate(conflict, args.candidate, given_link=args.link)
    try:
        resolve_conflict(
            store,
            conflict,
            picks=args.pick or [],
            take_all=args.all,
            link_to=link_to,
            create=args.create,
            ignore=args.ignore,
            actor=os.environ.get("USER", "cli"),
        )
    except ResolveError as exc:
        raise CliError(str(exc), 2) from exc
    saved = store.conflict(args.id)
    if args.json:
        out_json(
            {
                "id": args.id,
                "status": saved.status if saved else None,
                "choices": saved.choices if saved else None,
            }
        )
    else:
        print(f"Conflict {args.id} resolved; it is pushed on the next `recontui sync`.")
    return 0


def cmd_conflicts_resolve_all(args: argparse.Namespace) -> int:
    """Take one side for every open field conflict (optionally of one entity)."""
    from .decisions import ResolveError, resolve_conflict

    check_entity(args.entity)
    store = open_db(args)
    profile = get_profile(store, args.profile)
    done, skipped = [], []
    waiting = store.conflicts(profile.id, statuses=(ConflictStatus.OPEN,), entity=args.entity)
    for conflict in waiting:
        if conflict.kind != "field":
            skipped.append(conflict.id)
            continue
        try:
            resolve_conflict(
                store, conflict, take_all=args.side, actor=os.environ.get("USER", "cli")
            )
        except ResolveError as exc:
            raise CliError(str(exc), 2) from exc
        done.append(conflict.id)
    if args.json:
        out_json({"resolved": done, "skipped": skipped})
    else:
        print(f"Resolved {len(done)} conflicts with side {args.side}; pushed on the next sync.")
        if skipped:
            print(
                f"Left {len(skipped)} match/delete conflicts for you to decide one by one: "
                f"{', '.join(map(str, skipped))}."
            )
    return 0


def cmd_conflicts_unresolve(args: argparse.Namespace) -> int:
    store = open_db(args)
    profile = get_profile(store, args.profile)
    require_conflict(store, profile, args.id)
    store.unresolve_conflict(args.id)
    if args.json:
        out_json({"id": args.id, "status": "open"})
    else:
        print(f"Conflict {args.id} is open again; the earlier choice is kept as a suggestion.")
    return 0


def cmd_conflicts_auto(args: argparse.Namespace) -> int:
    """What rules decided on their own, newest first (read-only; override in the console)."""
    from .present import rule_decision_rows

    store = open_db(args)
    profile = get_profile(store, args.profile)
    rows = rule_decision_rows(store, profile, limit=max(1, args.limit))
    if args.json:
        out_json(rows)
        return 0
    if not rows:
        print("No rule has decided anything yet.")
        return 0
    for r in rows:
        print(
            f"{r['id']:>6}  {r['when']}  run {r['run_id']}  {r['entity']} "
            f"{_safe(r['record'])}: {r['field']}"
        )
        verb = "to be overwritten" if r["waiting"] is not None else "overwritten"
        print(
            f"        {r['system']} had {_safe(r['old'])!r}, {verb} with {r['winner']}'s "
            f"{_safe(r['new'])!r} by {_safe(r['rule'])}"
        )
        if r["waiting"] is not None:
            print(f"        not written to {r['system']} yet: {_safe(r['waiting'])}")
        if r["overridden"]:
            where = f"conflict {r['conflict_id']}" if r["conflict_id"] else "conflict settled"
            print(f"        overridden: {where}")
    print("Override one in the console: recontui tui, key 6, then o.")
    return 0


# -- history, log, state, doctor ----------------------------------------------------------


def cmd_history(args: argparse.Namespace) -> int:
    from .present import local_time, run_row

    store = open_db(args)
    profile = get_profile(store, args.profile)
    store.close_abandoned_runs(profile.id)  # killed runs are not "running" for ever
    runs = [run_row(r) for r in store.runs(profile.id, limit=args.limit)]
    if args.json:
        out_json(runs)
        return 0
    if not runs:
        print("No runs yet: start one with `recontui sync`.")
    for r in runs:
        c = r["counts"]
        print(
            f"{r['id']:>5}  {local_time(r['started_at'])}  {r['status']:11} "
            f"exit {r['exit_code']}  "
            f"pulled {c.get('pulled', 0)} pushed {c.get('pushed', 0)} "
            f"conflicts {c.get('open_conflicts', 0)}" + ("  (dry run)" if r["dry_run"] else "")
        )
    return 0


def cmd_log(args: argparse.Namespace) -> int:
    store = open_db(args)
    if store.run(args.run_id) is None:
        raise CliError(f"There is no run {args.run_id}; see `recontui history`.", 2)
    events = store.events(args.run_id)
    if args.json:
        out_json(events)
        return 0
    from .present import local_time

    for e in events:
        where = f" [{e['entity']}]" if e["entity"] else ""
        print(
            f"{local_time(e['ts'])[11:]} {e['level']:7} {e['phase']:8}{where} {_safe(e['message'])}"
        )
    return 0


#: How much of an audited value `recontui audit` shows (`--json` has it whole).
AUDIT_VALUE = 60


def cmd_audit(args: argparse.Namespace) -> int:
    """Every overwritten value (and settings and rules changed), newest first."""
    from .present import AUDIT_OTHER_ENTITIES, audit_rows

    known = (*ORDER, *AUDIT_OTHER_ENTITIES)
    if args.entity is not None and args.entity not in known:
        raise CliError(f"Unknown entity {args.entity!r}; known: {', '.join(known)}.", 2)
    store = open_db(args)
    profile = get_profile(store, args.profile)
    if args.run is not None:
        run = store.run(args.run)
        if run is None or run["profile_id"] != profile.id:
            raise CliError(
                f"There is no run {args.run} in profile {profile.name!r}; see `recontui history`.",
                2,
            )
    rows, more = audit_rows(
        store,
        profile,
        record=args.record or None,
        run_id=args.run,
        field=args.field,
        entity=args.entity,
        limit=max(1, args.limit),
    )
    if args.json:
        out_json({"entries": rows, "more": more})
        return 0
    if not rows:
        narrowed = any(x is not None for x in (args.record, args.run, args.field, args.entity))
        print("No audit entry matches." if narrowed else "No audit entries yet.")
        return 0
    for r in rows:
        run_words = f"run {r['run_id']}" if r["run_id"] is not None else "no run"
        record = f" '{_safe(r['record'])}'" if r["record"] else ""
        print(f"{r['id']:>6}  {r['when']}  {run_words}  {r['entity']}{record}  {_safe(r['field'])}")
        where = f"{r['system']}: " if r["system"] else ""
        old, new = _around_difference(_safe(r["old"]), _safe(r["new"]), AUDIT_VALUE)
        print(f"        {where}{old} -> {new}  ({_safe(r['why'])})")
    if more:
        print(
            f"{len(rows)} shown; there are more: raise --limit, or narrow with --record, "
            "--run, --field or --entity."
        )
    return 0


def _around_difference(old: str, new: str, width: int) -> tuple[str, str]:
    """Two values quoted, each cut to about ``width`` characters from a little before
    where they first differ (long lines that differ late show the difference); a blank
    one says so."""
    shorter = min(len(old), len(new))
    same = next((i for i in range(shorter) if old[i] != new[i]), shorter)
    start = same - 12 if same > width - 12 else 0

    def shown(text: str) -> str:
        if not text:
            return "(blank)"
        return "'" + cut(("…" if start else "") + text[start:], width) + "'"

    return shown(old), shown(new)


def cmd_state_show(args: argparse.Namespace) -> int:
    from .present import sync_state

    store = open_db(args)
    profile = get_profile(store, args.profile)
    state = sync_state(store, profile)
    if args.json:
        out_json(state)
        return 0
    for company in state["companies"]:
        known = company["company_id"] or "not known yet (set on the first run)"
        print(f"{company['system']}: company {_safe(known)}")
    if not state["cursors"]:
        print("No cursor yet: the first run reads everything.")
    for c in state["cursors"]:
        print(
            f"{c['system']:17} {c['entity']:14} {_safe(c['value'] or '-'):32} moved "
            f"{c['moved']} pulled {c['pulled']}"
        )
    return 0


def cmd_state_forget(args: argparse.Namespace) -> int:
    """Let a profile point at other books: forget links, bases, conflicts and cursors."""
    store = open_db(args)
    profile = get_profile(store, args.profile)
    if not args.yes:
        if not sys.stdin.isatty():
            raise CliError(
                f"This forgets every link, base, conflict and cursor of profile "
                f"{profile.name!r}; add --yes to confirm.",
                2,
            )
        answer = input(
            f"Forget every link, base, conflict, pending change and cursor of profile "
            f"{profile.name!r} (its settings, rules and history stay)? [y/N] "
        )
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing was changed.")
            return 0
    try:
        removed = store.forget_company(profile.id)
    except StoreError as exc:
        raise CliError(str(exc), 3) from None
    print(
        f"Forgot {removed['links']} links, {removed['conflicts']} conflicts, "
        f"{removed['outbox']} pending changes and {removed['cursors']} cursors of profile "
        f"{profile.name!r}. Point it at the other books (recontui profile add "
        f"{profile.name} ...), then sync: the first run reads both sides in full."
    )
    return 0


def cmd_state_reset(args: argparse.Namespace) -> int:
    store = open_db(args)
    profile = get_profile(store, args.profile)
    if not args.all and not args.entity:
        raise CliError("Say which entity to re-read, or --all.", 2)
    check_entity(args.entity)
    n = store.reset_cursors(profile.id, None if args.all else args.entity)
    print(f"Reset {n} cursors; the next run re-reads them fully (links and bases are kept).")
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from .store import SCHEMA_VERSION

    path = db_path(args)
    require_db_folder(path)
    print(f"database: {path}")
    store = open_store(path)
    print(f"schema version: {store.schema_version} (this recontui: {SCHEMA_VERSION})")
    try:
        secrets = open_secrets_for(store, args)
        print(f"secrets: {secrets.describe()}")
    except SecretsError as exc:
        secrets = None
        print(f"secrets: unavailable: {exc}")
    profiles = store.list_profiles()
    if not profiles:
        print("profiles: none")
    ok = True
    for p in profiles:
        print(f"profile {p.name}{' (default)' if p.is_default else ''}{_lock_words(store, p)}")
        closed = store.close_abandoned_runs(p.id)
        if closed:
            print(
                f"  closed {len(closed)} run(s) whose process had stopped as interrupted "
                f"(run {', '.join(map(str, closed))})"
            )
        if secrets is None:
            continue
        for side in SIDES:
            status = asyncio.run(_probe(p, side, secrets))
            ok = ok and status.startswith("ok")
            print(f"  {p.system(side)}: {_safe(status)}")
    return 0 if ok else 1


def _lock_words(store: Store, profile: Profile) -> str:
    """The profile's lock for `doctor`: held by a live run, or left by a dead process."""
    holder = store.lock_holder(profile.id)
    if holder is None:
        return ""
    who = f"run {holder['run_id']} (pid {holder['pid']} on {holder['host']})"
    if store.live_lock(profile.id) is None:
        return (
            f", lock left by {who} is stale: that process stopped, and the next run "
            "takes the lock over"
        )
    return f", locked by {who} since {holder['acquired_at']}"


async def _probe(profile: Profile, side: Side, secrets: SecretStore) -> str:
    from .wiring import connector_factory, reach_side

    reach = await reach_side(connector_factory(profile, secrets), side)
    if reach.answered:
        return f"ok, answers: {reach.company_name} ({reach.company_id})"
    if reach.timed_out:
        return "not answering: no answer within 15 s; check the network and the API address"
    return f"not answering: {reach.reason}"


# -- demo ---------------------------------------------------------------------------------


def cmd_web(args: argparse.Namespace) -> int:
    """The console in a browser (textual-serve), on this machine only: each browser tab runs
    its own `recontui tui` on this database and profile. The secrets' passphrase is asked
    here once (each tab's console inherits it), so a tab never waits on a prompt."""
    from .web import DEFAULT_PORT, WebError, check_host, console_command, serve

    port = DEFAULT_PORT if args.port is None else args.port
    try:
        check_host(args.host, port)
    except WebError as exc:
        raise CliError(str(exc), 2) from None
    store = open_db(args)
    profile = get_profile(store, getattr(args, "profile", None))
    if not os.environ.get("RECONTUI_PASSPHRASE"):
        given: list[str] = []

        def ask() -> str | None:
            answer = tty_passphrase()
            if answer:
                given.append(answer)
            return answer

        from .wiring import open_secrets

        open_secrets(store, passphrase_provider=ask)  # refuses a wrong one, in a sentence
        if given:
            os.environ["RECONTUI_PASSPHRASE"] = given[0]
    command = console_command(store.path, profile.name)
    print(
        f"The console for profile {profile.name!r} is at http://{args.host}:{port} (this "
        f"machine only). From your computer: ssh -L {port}:127.0.0.1:{port} <this server>, "
        f"then open http://127.0.0.1:{port}. Ctrl+C stops it.",
        flush=True,
    )
    try:
        serve(command, args.host, port, f"recontui — {profile.name}")
    except OSError as exc:
        raise CliError(
            f"Cannot serve on {args.host}:{port} ({exc.strerror or exc}): choose another "
            "port with --port.",
            2,
        ) from None
    except KeyboardInterrupt:
        pass
    return 0


def cmd_keys(args: argparse.Namespace) -> int:
    """Every binding id, its default key and what it does; the keymap file's path."""
    from .tui.keymap import config_path, known_bindings, load_keymap

    keymap = load_keymap()
    rows = [
        {
            "id": b.id,
            "key": keymap.keys.get(b.id, b.key),
            "default": b.key,
            "screen": b.screen,
            "action": b.description,
        }
        for b in known_bindings()
    ]
    if args.json:
        out_json({"config": str(config_path()), "bindings": rows, "problems": keymap.problems})
        return 0
    print(f'Remap keys in {config_path()} under [keymap], e.g. "resolve.pick_a" = "1".')
    for problem in keymap.problems:
        print(_safe(problem), file=sys.stderr)
    width = max(len(r["id"]) for r in rows)
    for r in rows:
        key = r["key"] if r["key"] == r["default"] else f"{r['key']} (default {r['default']})"
        print(f"{r['id']:{width}}  {key:14}  {r['screen']}: {r['action']}")
    return 0


def require_terminal(command: str) -> None:
    """What starts the console needs a terminal on stdin and stdout: without one Textual
    draws, then spins waiting for keys that never come. Refused before anything starts
    (unless `recontui web` started it for a browser tab: Textual's web driver draws it)."""
    from .web import WEB_DRIVER

    if sys.stdin.isatty() and sys.stdout.isatty():
        return
    if os.environ.get("TEXTUAL_DRIVER") == WEB_DRIVER:
        return
    raise CliError(
        f"`{command}` needs a terminal: run it in a terminal or over `ssh -t`; "
        "for cron use `recontui sync`.",
        2,
    )


def cmd_tui(args: argparse.Namespace) -> int:
    """The console on one profile. Textual is imported here only, never on headless paths.

    With no profile yet, or one whose setup is unfinished, the setup opens instead (and the
    console after it, once its first sync started)."""
    require_terminal("recontui tui")
    from .setup import needs_setup
    from .store import ProfileNotFound

    # The first `recontui` on a machine opens the setup on a new database in the user data
    # directory; a --db or RECONTUI_DB whose folder is not there is a mistyped path.
    given = bool(args.db or os.environ.get("RECONTUI_DB"))
    store = open_db(args, create=not given)
    try:
        profile = get_profile(store, getattr(args, "profile", None))
    except ProfileNotFound:
        if getattr(args, "profile", None) or store.list_profiles():
            raise
        return cmd_setup(args)
    if needs_setup(store, profile):
        return cmd_setup(args)
    return _console(store, profile, args)


def _console(store: Store, profile: Profile, args: argparse.Namespace) -> int:
    store.close_abandoned_runs(profile.id)  # History and Home never show a dead run running
    secrets = open_secrets_for(store, args)
    from .tui import make_app
    from .tui.keymap import load_keymap

    app = make_app(
        store, profile, secrets, actor=os.environ.get("USER", "recontui"), keymap=load_keymap()
    )
    # What is loaded by now (Textual, the console's modules) lives as long as the console:
    # kept out of the collector's full passes, which otherwise held a key for 50-120 ms
    # now and then on a queue of 100,000 conflicts (bench/console.py).
    gc.collect()
    gc.freeze()
    app.run(mouse=not getattr(args, "no_mouse", False))
    return 3 if app.return_code else 0  # the console stopped on an error: not a success


def _setup_profile(store: Store, name: str | None) -> Profile | None:
    """The profile ``recontui setup`` goes on with: the one named (None: a new one of that
    name), else the default one (None on an empty database: a new one). A profile already
    set up opens on its settings (steps 4-9) to change them."""
    from .store import ProfileNotFound

    if name:
        try:
            return store.get_profile(name)
        except ProfileNotFound:
            return None
    if not store.list_profiles():
        return None
    return store.get_profile()


def cmd_setup(args: argparse.Namespace) -> int:
    """The first-sync setup, step by step in the console; resumes where it was left. On a
    profile already set up it opens its settings (default accounts, tax map, what syncs,
    match review, plan) to change them."""
    if getattr(args, "from_file", None):
        return _setup_from_file(args)
    require_terminal("recontui setup")
    store = open_db(args, create=True)
    name = getattr(args, "profile", None)
    profile = _setup_profile(store, name)
    secrets, problem = None, ""
    try:
        secrets = open_secrets_for(store, args)
    except SecretsError as exc:
        problem = str(exc)
    from .tui.setup import SetupApp

    app = SetupApp(
        store,
        secrets,
        profile=profile,
        name=name or "",
        secrets_problem=problem,
        actor=os.environ.get("USER", "recontui"),
    )
    outcome = app.run(mouse=not getattr(args, "no_mouse", False))
    if outcome != "console" or app.profile is None:
        where = app.profile.name if app.profile is not None else None
        if where is not None:
            print(f"Setup of {where!r} kept; go on with: recontui setup --profile {where}")
        return 0
    return _console(store, app.profile, args)


def _setup_from_file(args: argparse.Namespace) -> int:
    """`recontui setup --from-file`: the same steps and checks, worded on standard output."""
    from .setup.from_file import FileSetup, SetupFileError, load_setup_file

    path = Path(args.from_file).expanduser()
    try:
        data = load_setup_file(path)
    except SetupFileError as exc:
        raise CliError(str(exc), 2) from None
    if getattr(args, "profile", None):
        data.setdefault("profile", {})["name"] = args.profile
    given: dict[str, str] = {}
    if data.get("secrets_file"):
        given = read_secrets_file(str(path.parent / str(data["secrets_file"])))
    store = open_db(args, create=True)
    secrets = open_secrets_for(store, args)

    def ask_consent(url: str) -> str:
        print("Connect QuickBooks Online: open this address in a browser on any computer,")
        print("sign in as an admin, choose the company and approve:")
        print(f"   {url}")
        print("Then paste the whole address the browser lands on: ", end="", flush=True)
        return sys.stdin.readline().strip()

    setup = FileSetup(
        store,
        secrets,
        data,
        say=lambda line: print(_safe(line)),
        ask_consent=ask_consent if sys.stdin.isatty() else None,
        actor=os.environ.get("USER", "recontui"),
        given=given,
        env=os.environ,
    )
    return asyncio.run(setup.run())


#: Conflicts `recontui demo --headless` lists (`conflicts list` or the console shows all).
DEMO_LIST = 20


def cmd_demo(args: argparse.Namespace) -> int:
    """Stand-ins on loopback, a demo profile in a database, one sync, the console. The
    database is a scratch one, removed when the demo ends, unless --db names one to keep."""
    if args.setup or not args.headless:
        require_terminal("recontui demo")
    from .sandbox import SandboxConfig
    from .wiring import open_secrets

    env, throwaway = _demo_passphrase()
    if args.setup:
        return _demo_setup(args, env, throwaway)
    config = SandboxConfig(seed=args.seed, scenario="conflicts")
    with _stand_ins(config, args.port) as running, _demo_database(args) as (db_path, scratch):
        store = open_store(db_path)
        try:
            secrets = open_secrets(store, env=env)
            creds = running.sandbox.credentials(running.base_url)
            save_sandbox_profile(store, args, "demo", creds, secrets)
            profile = store.get_profile("demo")
            from .setup.syncs import apply_usual_ownership

            apply_usual_ownership(store, profile, "demo")
            if args.headless:
                where = "a scratch database" if scratch else f"database {db_path}"
                print(f"Stand-in servers at {running.base_url}; {where}")
                _demo_sync(store, profile, secrets)
                print()
                _demo_queue(store, profile, db_path, scratch)
            else:
                from .tui import make_app
                from .tui.keymap import load_keymap

                actor = os.environ.get("USER", "recontui")
                app = make_app(store, profile, secrets, actor=actor, keymap=load_keymap())
                app.run(mouse=not args.no_mouse)
        finally:
            store.close()
        _demo_end(args, db_path, scratch, secrets, env if throwaway else None, "demo")
    return 0


def _demo_passphrase() -> tuple[dict[str, str], bool]:
    """The passphrase of the demo's secrets file, and whether it is a throwaway one: the
    person's own RECONTUI_PASSPHRASE when set (never printed), else a new random one, which
    may be printed (it guards only the stand-ins' made-up credentials)."""
    from .secrets import PASSPHRASE_ENV

    own = os.environ.get(PASSPHRASE_ENV)
    if own:
        return {PASSPHRASE_ENV: own}, False
    return {PASSPHRASE_ENV: pysecrets.token_urlsafe(24)}, True


def _stand_ins(
    config: SandboxConfig, port: int, host: str = "127.0.0.1", *, sandbox: Sandbox | None = None
) -> RunningSandbox:
    """Both stand-ins served from a background thread (port 0: a free one); a port that
    cannot be had is one sentence (exit 2)."""
    from .sandbox import RunningSandbox
    from .sandbox.server import PortUnavailable

    try:
        return RunningSandbox(config, host=host, port=port, sandbox=sandbox).start()
    except PortUnavailable as exc:
        raise CliError(str(exc), 2) from None


@contextlib.contextmanager
def _demo_database(args: argparse.Namespace) -> Iterator[tuple[Path, bool]]:
    """The demo's database and whether it is a scratch one: the --db given, kept; else
    one in a new folder of the temporary directory, removed with it when the demo ends."""
    if args.db:
        yield Path(args.db).expanduser().absolute(), False
        return
    with tempfile.TemporaryDirectory(prefix="recontui-demo-") as scratch:
        yield Path(scratch) / "demo.db", True


def _demo_sync(store: Store, profile: Profile, secrets: SecretStore) -> None:
    """`demo --headless`: one sync against the stand-ins, its log's milestones and summary."""
    from .run import RunOptions, run_sync, summary_lines
    from .wiring import connector_factory

    def listener(event: Any) -> None:
        if event.level in ("warning", "error") or event.phase in ("start", "end"):
            print(f"  {event.phase:6} {_safe(event.message)}")

    result = asyncio.run(
        run_sync(
            store,
            profile,
            connector_factory(profile, secrets),
            RunOptions(trigger="demo"),
            listener=listener,
        )
    )
    for line in summary_lines(result, conflicts_note=False):
        print(_safe(line))


def _demo_queue(store: Store, profile: Profile, db_path: Path, scratch: bool) -> None:
    """`demo --headless`: the first conflicts of the queue, and how to see them all."""
    from .present import Names, conflict_summary

    conflicts = store.conflicts(profile.id, statuses=LIVE_STATUSES, limit=DEMO_LIST)
    names = Names(store)
    rows = [conflict_summary(store, profile, c, names) for c in conflicts]
    if not rows:
        print("No conflicts waiting.")
        return
    _print_conflict_table(rows)
    total = _count_conflicts(store, profile, LIVE_STATUSES, None)
    if total > len(rows):
        every = (
            "the console (`recontui demo`)"
            if scratch
            else f"`recontui --db {shlex.quote(str(db_path))} conflicts list`"
        )
        print(f"{len(rows)} of {total} shown; {every} shows all.")


def _demo_end(
    args: argparse.Namespace,
    db_path: Path,
    scratch: bool,
    secrets: SecretStore,
    printable: Mapping[str, str] | None,
    profile: str,
) -> None:
    """What the demo says as it ends: a scratch database is removed (its secrets with it,
    also from a keyring), and how to keep one; a kept one, the command that opens it in the
    console, with the throwaway passphrase (``printable``) it needs."""
    again = "demo --setup" if args.setup else "demo --headless" if args.headless else "demo"
    print()
    if scratch:
        if secrets.kind == "keyring":
            with contextlib.suppress(SecretsError):
                secrets.delete_all(profile)
        print(
            "The demo's scratch database is removed now; to keep one, give it a place: "
            f"recontui --db demo.db {again}"
        )
        return
    command = f"recontui --db {shlex.quote(str(db_path))} tui"
    from .secrets import PASSPHRASE_ENV

    notes = []
    if secrets.kind == "encrypted-file":
        if printable is None:
            notes.append(f"It needs the {PASSPHRASE_ENV} you gave the demo.")
        else:
            command = f"{PASSPHRASE_ENV}={shlex.quote(printable[PASSPHRASE_ENV])} {command}"
            notes.append("The passphrase guards only the stand-ins' made-up credentials.")
    notes.append(
        "The stand-ins stopped with the demo: the console shows its conflicts, but a sync "
        "cannot reach them."
    )
    print(f"The demo's database stays at {db_path}. To open it in the console:")
    print(f"  {command}")
    for line in textwrap.wrap(" ".join(notes), 88):
        print(line)


def _demo_setup(args: argparse.Namespace, env: Mapping[str, str], throwaway: bool) -> int:
    """`recontui demo --setup`: the step-by-step setup from an empty database against the
    stand-ins (their made-up credentials filled in), then the console."""
    from .sandbox import SandboxConfig
    from .tui.setup import SetupApp
    from .wiring import open_secrets

    # QuickBooks charges the seeded "California" code: BILL's "CA + SF Sales Tax 8.625%"
    # has its rate, so a mapped copy's totals agree (and untaxed ones carry NON lines).
    config = SandboxConfig(
        seed=args.seed,
        scenario="demo",
        bill_sales_tax=True,
        near_duplicates=True,
        qbo_sales_tax_code="California",
    )
    with _stand_ins(config, args.port) as running, _demo_database(args) as (db_path, scratch):
        store = open_store(db_path)
        try:
            secrets = open_secrets(store, env=env)
            app = SetupApp(
                store,
                secrets,
                profile=_setup_profile(store, None),
                name="demo",
                actor=os.environ.get("USER", "recontui"),
                demo=running.credentials(),
            )
            outcome = app.run(mouse=not args.no_mouse)
            if outcome == "console" and app.profile is not None:
                from .tui import make_app
                from .tui.keymap import load_keymap

                console = make_app(
                    store, app.profile, secrets, actor=app.actor, keymap=load_keymap()
                )
                console.run(mouse=not args.no_mouse)
        finally:
            store.close()
        name = app.profile.name if app.profile is not None else "demo"
        _demo_end(args, db_path, scratch, secrets, env if throwaway else None, name)
    return 0


# -- parser -------------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="recontui",
        description="Keep a billing system (BILL) and an accounting ledger (QuickBooks Online) "
        "in agreement.",
    )
    parser.add_argument("--version", action="version", version=f"recontui {__version__}")
    parser.add_argument(
        "--db", help="state database (default: $RECONTUI_DB or the user data directory)"
    )
    parser.add_argument(
        "--plaintext-secrets",
        action="store_true",
        help="allow an unencrypted secrets file when no keyring and no passphrase are available",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # In the order `recontui --help` lists them.
    _add_sandbox_commands(sub)
    _add_profile_commands(sub)
    _add_sync_command(sub)
    _add_conflicts_commands(sub)
    _add_check_commands(sub)
    _add_state_commands(sub)
    _add_console_commands(sub)
    return parser


Subcommands = argparse._SubParsersAction  # what `add_subparsers` returns


def _add(
    name: str, func: Callable[[argparse.Namespace], int], parent: Subcommands, **kw: Any
) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = parent.add_parser(name, **kw)
    p.set_defaults(func=func)
    return p


def _profile_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--profile", "-p", help="profile name (default: the default profile)")


def _json_opt(p: argparse.ArgumentParser) -> None:
    p.add_argument("--json", action="store_true", help="machine-readable output")


def _add_sandbox_commands(sub: Subcommands) -> None:
    sandbox = sub.add_parser("sandbox", help="local stand-ins of the remote APIs")
    sandbox_sub = sandbox.add_subparsers(dest="sandbox_command", metavar="COMMAND", required=True)
    serve = _add(
        "serve", cmd_sandbox_serve, sandbox_sub, help="run both stand-ins until interrupted"
    )
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=0, help="0 picks a free port")
    serve.add_argument("--seed", type=int, default=7)
    serve.add_argument("--scenario", choices=("empty", "demo", "conflicts"), default="demo")
    serve.add_argument("--profile", help="create or update this profile to point at them")
    serve.add_argument(
        "--faults",
        metavar="KIND=RATE,...",
        help="inject faults: 429, 500, reset (a lost answer), slow, garbage, or all; "
        "e.g. 429=0.05,500=0.02,reset=0.01,slow=0.05,garbage=0.01",
    )
    serve.add_argument(
        "--fault-seed", type=int, default=None, help="the faults' seed (default: --seed)"
    )
    serve.add_argument(
        "--slow-seconds", type=float, default=3.0, help="how long a slow answer takes"
    )
    serve.add_argument(
        "--size",
        type=int,
        default=None,
        metavar="N",
        help="seed about N records per side (10 to 1,000,000), scaled from the demo's mix",
    )
    serve.add_argument(
        "--qbo-sales-tax",
        metavar="TAX_CODE",
        default=None,
        help="QuickBooks charges sales tax on invoices with this tax code by default "
        "(the seeded one is California); off unless given",
    )
    serve.add_argument(
        "--bill-sales-tax",
        action="store_true",
        help="BILL charges sales tax: it holds sales-tax items and a few invoices of its own "
        "that charge one (for the setup's Tax mapping step); off unless given",
    )
    serve.add_argument(
        "--near-duplicates",
        action="store_true",
        help="a few customers and a vendor entered in each system a little differently "
        "(for the setup's Match review); off unless given",
    )


def _add_profile_commands(sub: Subcommands) -> None:
    profile = sub.add_parser("profile", help="manage connection profiles")
    profile_sub = profile.add_subparsers(dest="profile_command", metavar="COMMAND", required=True)
    p_add = _add("add", cmd_profile_add, profile_sub, help="create or update a profile")
    p_add.add_argument("name")
    for flags in PROFILE_FLAGS.values():
        for flag in flags.values():
            p_add.add_argument(flag)
    p_add.add_argument(
        "--secrets-file",
        help="JSON or KEY=VALUE file with dev_key, password, "
        "client_id, client_secret (refresh_token optional: `profile connect qbo` gets one)",
    )
    p_add.add_argument("--default", action="store_true")
    p_add.add_argument(
        "--no-check",
        action="store_true",
        help="save without signing in to BILL first (it is tested by default)",
    )
    _json_opt(_add("list", cmd_profile_list, profile_sub, help="list profiles"))
    p_show = _add("show", cmd_profile_show, profile_sub, help="show one profile (no secrets)")
    p_show.add_argument("name", nargs="?")
    _json_opt(p_show)
    p_remove = _add(
        "remove",
        cmd_profile_remove,
        profile_sub,
        help="remove a profile with its links, conflicts, history and secrets",
    )
    p_remove.add_argument("name")
    p_remove.add_argument("--yes", action="store_true", help="do not ask")
    p_connect = _add(
        "connect",
        cmd_profile_connect,
        profile_sub,
        help="authorise QuickBooks Online (open the address on any computer, paste back)",
    )
    p_connect.add_argument("system", choices=("qbo", "bill"), help="qbo")
    p_connect.add_argument(
        "--yes", action="store_true", help="do not ask to confirm the company (for scripts)"
    )
    _profile_opt(p_connect)


def _add_sync_command(sub: Subcommands) -> None:
    sync = _add("sync", cmd_sync, sub, help="one sync run")
    _profile_opt(sync)
    sync.add_argument(
        "--json",
        action="store_true",
        help="machine-readable output: the run's counts and, with --dry-run, every planned "
        "write and question (entity, system, op, fields, link id and record name)",
    )
    sync.add_argument(
        "--dry-run",
        action="store_true",
        help="show the plan by entity and record name (an update's fields too), write nothing",
    )
    sync.add_argument(
        "--accept-big-change", action="store_true", help="push changes held by the big-change guard"
    )
    sync.add_argument(
        "--verify",
        action="store_true",
        help="after the run, check that the books agree (recontui verify); exit 1 if not",
    )
    sync.add_argument(
        "--if-due",
        action="store_true",
        help="run only when the profile's schedule says a run is due (for cron); silent otherwise",
    )
    sync.add_argument(
        "--all",
        action="store_true",
        help="every profile, one after another (with --if-due: those that are due; "
        "`recontui schedule` prints the cron line or systemd timer)",
    )
    sync.add_argument(
        "--verbose",
        "-v",
        action="count",
        default=0,
        help="print the run log to stderr (-vv: with HTTP requests)",
    )
    schedule = _add(
        "schedule",
        cmd_schedule,
        sub,
        help="print a crontab line or systemd user units that sync every profile when due",
    )
    how = schedule.add_mutually_exclusive_group(required=True)
    how.add_argument("--cron", action="store_true", help="one crontab line (every minute)")
    how.add_argument(
        "--systemd", action="store_true", help="recontui-sync.service and .timer (user units)"
    )


def _add_conflicts_commands(sub: Subcommands) -> None:
    conflicts = sub.add_parser("conflicts", help="the conflict queue")
    c_sub = conflicts.add_subparsers(dest="conflicts_command", metavar="COMMAND", required=True)
    c_list = _add("list", cmd_conflicts_list, c_sub, help="open and resolved conflicts")
    c_list.add_argument("--all", action="store_true", help="also pushed and superseded ones")
    c_list.add_argument("--entity")
    c_list.add_argument("--limit", type=int, default=None)
    c_show = _add("show", cmd_conflicts_show, c_sub, help="one conflict, field by field")
    c_show.add_argument("id", type=int)
    c_res = _add("resolve", cmd_conflicts_resolve, c_sub, help="choose values; pushed next run")
    c_res.add_argument("id", type=int)
    c_res.add_argument("--pick", action="append", metavar="FIELD=a|b|=VALUE")
    c_res.add_argument("--all", choices=("a", "b"), help="take every field from one side")
    c_res.add_argument("--link", type=int, metavar="LINK_ID", help="match: link to a candidate")
    c_res.add_argument(
        "--candidate",
        type=int,
        metavar="N",
        help="match: link to the Nth candidate `conflicts show` lists (1 is the first)",
    )
    c_res.add_argument("--create", action="store_true", help="match: create on the other side")
    c_res.add_argument("--ignore", action="store_true", help="match: never sync this record")
    c_all = _add(
        "resolve-all",
        cmd_conflicts_resolve_all,
        c_sub,
        help="take one side for every open field conflict",
    )
    c_all.add_argument("--side", choices=("a", "b"), required=True)
    c_all.add_argument("--entity")
    c_unres = _add(
        "unresolve",
        cmd_conflicts_unresolve,
        c_sub,
        help="reopen a resolved conflict before it is pushed",
    )
    c_unres.add_argument("id", type=int)
    c_auto = _add("auto", cmd_conflicts_auto, c_sub, help="what rules decided on their own")
    c_auto.add_argument("--limit", type=int, default=50)
    for p in (c_list, c_show, c_res, c_all, c_unres, c_auto):
        _profile_opt(p)
        _json_opt(p)


def _add_check_commands(sub: Subcommands) -> None:
    """`verify`, `history`, `log` and `audit`."""
    check = _add(
        "verify",
        cmd_verify,
        sub,
        help="read both systems in full and check that they agree, field by field",
    )
    _profile_opt(check)
    _json_opt(check)
    check.add_argument("--entity", help="check one entity only (customer, invoice, ...)")
    check.add_argument(
        "--limit",
        type=int,
        default=1000,
        metavar="N",
        help="list at most N disagreements (all are counted; 0 lists them all)",
    )

    hist = _add("history", cmd_history, sub, help="recent runs")
    _profile_opt(hist)
    _json_opt(hist)
    hist.add_argument("--limit", type=int, default=20)
    log = _add("log", cmd_log, sub, help="one run's events")
    log.add_argument("run_id", type=int)
    _json_opt(log)
    audit = _add(
        "audit",
        cmd_audit,
        sub,
        help="every overwritten value, newest first: when, run, record, field, system, "
        "old -> new, and who or which rule",
    )
    _profile_opt(audit)
    _json_opt(audit)
    audit.add_argument("--record", metavar="TEXT", help="records whose name contains TEXT")
    audit.add_argument("--run", type=int, metavar="ID", help="one run's (see recontui history)")
    audit.add_argument("--field", metavar="NAME", help="one field (phone, email, ...)")
    audit.add_argument(
        "--entity", help="one entity (customer, invoice, ...; settings or rules for those changes)"
    )
    audit.add_argument(
        "--limit", type=int, default=50, metavar="N", help="the newest N entries (default 50)"
    )


def _add_state_commands(sub: Subcommands) -> None:
    state = sub.add_parser("state", help="pull cursors")
    s_sub = state.add_subparsers(dest="state_command", metavar="COMMAND", required=True)
    s_show = _add("show", cmd_state_show, s_sub, help="each side's cursor per entity")
    _profile_opt(s_show)
    _json_opt(s_show)
    s_reset = _add("reset", cmd_state_reset, s_sub, help="re-read an entity fully next run")
    s_reset.add_argument("entity", nargs="?")
    s_reset.add_argument("--all", action="store_true")
    _profile_opt(s_reset)
    s_forget = _add(
        "forget",
        cmd_state_forget,
        s_sub,
        help="forget links, bases, conflicts and cursors (to point the profile at other books)",
    )
    s_forget.add_argument("--yes", action="store_true", help="do not ask")
    _profile_opt(s_forget)


def _add_console_commands(sub: Subcommands) -> None:
    """`doctor`, `demo`, `keys` and `tui`."""
    _add("doctor", cmd_doctor, sub, help="database, secrets store, profiles and reachability")
    demo = _add("demo", cmd_demo, sub, help="the console on the embedded demo (stand-in servers)")
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument(
        "--port",
        type=int,
        default=0,
        help="the port both stand-ins serve on, on 127.0.0.1 (0, the default: a free one)",
    )
    demo.add_argument(
        "--headless",
        action="store_true",
        help="no console: run one sync and print the conflict queue",
    )
    demo.add_argument(
        "--setup",
        action="store_true",
        help="start from an empty database: the step-by-step setup against the stand-ins",
    )
    keys = _add(
        "keys", cmd_keys, sub, help="the console's key bindings: ids to remap in config.toml"
    )
    _json_opt(keys)
    tui = _add("tui", cmd_tui, sub, help="the console (also: recontui with no command)")
    _profile_opt(tui)
    web = _add(
        "web",
        cmd_web,
        sub,
        help="the console in a browser, on this machine only (reach it with ssh -L)",
    )
    _profile_opt(web)
    web.add_argument("--port", type=int, default=None, help="the port (default 8765)")
    web.add_argument(
        "--host",
        default="127.0.0.1",
        help="a loopback address only: 127.0.0.1 (default), ::1 or localhost",
    )
    setup = _add(
        "setup", cmd_setup, sub, help="set up a profile step by step, up to its first sync"
    )
    _profile_opt(setup)
    setup.add_argument(
        "--from-file",
        metavar="SETUP_TOML",
        help="run the setup without the console, from a TOML file (see README, Setup file)",
    )
    for p in (tui, demo, setup):
        p.add_argument(
            "--no-mouse",
            action="store_true",
            help="leave the mouse to the terminal (its own text selection works)",
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            parser.print_help()  # scripts and pipes get help, people get the console
            return 0
        args.func = cmd_tui
    try:
        return int(args.func(args) or 0)
    except CliError as exc:
        print(f"recontui: {exc}", file=sys.stderr)
        return exc.code
    except ProfileNotFound as exc:
        print(f"recontui: {exc}", file=sys.stderr)
        return 2
    except (StoreError, SecretsError) as exc:
        print(f"recontui: {exc}", file=sys.stderr)
        return 3
    except sqlite3.DatabaseError as exc:
        if isinstance(exc, (sqlite3.IntegrityError, sqlite3.ProgrammingError)):
            raise  # our bug, not the file's: keep the traceback
        # A damaged page the open-time check did not read (a big file) or a full disk.
        path = Path(args.db).expanduser() if args.db else default_db_path()
        print(f"recontui: {describe_sqlite_error(exc, path)}", file=sys.stderr)
        return 3
    except KeyboardInterrupt:
        print("recontui: interrupted.", file=sys.stderr)
        return 3
    except BrokenPipeError:
        # The reader went away (`recontui conflicts list | head`): not an error.
        with contextlib.suppress(OSError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())

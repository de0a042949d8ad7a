"""`recontui setup --from-file setup.toml`: the same setup, step by step, for servers and
scripts. Each step calls the same headless check and save as the console's screen (so the
same validation and the same sentences); the first problem stops the setup with that
sentence, keeping the steps done so far (the console's setup resumes there too).

Nothing is written to either system before the last step, and the last step writes only
when the file says ``[sync] start = true``: otherwise it shows the plan and stops.
Secrets are never read from the setup file: they come from the secrets file it names
(``secrets_file``), from ``RECONTUI_SECRET_<PROFILE>_<NAME>``, or were saved earlier.
"""

from __future__ import annotations

import tomllib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..connectors.qbo import DEFAULT_REDIRECT_URI
from ..engine.defaults import Account
from ..secrets import SecretStore, env_var_name
from ..store import Profile, ProfileNotFound, Store
from .accounts import AccountChoice
from .connect import (
    BILL_PRODUCTION,
    QBO_PRODUCTION,
    BillLogin,
    QboApp,
    SetupRefused,
    check_bill,
    check_qbo,
    connect_qbo,
    qbo_addresses,
    qbo_consent,
)
from .credentials import confirm_companies, keep_bill, keep_qbo, keep_qbo_app
from .matches import Pair, PairKind
from .profile import save_profile_step
from .progress import FIRST_REVISITED, STEPS, Step, needs_setup, set_reached

#: The file's tables, in step order; a key the setup does not know is refused (a typo
#: would otherwise be a silently ignored choice).
SECTIONS: dict[str, frozenset[str]] = {
    "profile": frozenset({"name", "billing", "accounting"}),
    "bill": frozenset({"api_base", "organization_id", "username"}),
    "qbo": frozenset({"api_base", "realm_id", "redirect_uri"}),
    "companies": frozenset({"billing", "accounting"}),
    "accounts": frozenset({"income", "expense", "deposit", "bank"}),
    "tax": frozenset(),  # billing sales tax -> accounting tax code, by name or id
    "syncs": frozenset(
        {
            "directions",
            "masters",
            "owners",
            "initial_window",
            "include_inactive",
            "only_approved_bills",
            "only_approved_bills_confirm",
            "summary_mode",  # summarised journal entries (setup/summary_mode.py)
            "summary_customer",
            "summary_confirm",
            "summary_ar_account",
            "summary_tax_account",
            "one_way_transactions",
            "one_way_transactions_confirm",
            "two_way_ap_payments",
            "schedule",
            "update_fields",
            "fields",
            "include_types",  # filters (setup/filters.py)
            "created_range",
        }
    ),
    "matches": frozenset({"link", "apart"}),
    "sync": frozenset({"start"}),
}
TOP_LEVEL = frozenset({"secrets_file"})

#: How the file names an entity's master (``[syncs.masters]``).
MASTERS: dict[str, Any] = {"billing": "a", "accounting": "b", "ask": None}
#: How the file names the side owning an entity's edits once synced (``[syncs.owners]``).
OWNERS: dict[str, Any] = {"billing": "a", "accounting": "b", "both": None}

#: The file's names of the default accounts (``[accounts]``).
FILE_ACCOUNTS: dict[str, Account] = {
    "income": Account.INCOME,
    "expense": Account.EXPENSE,
    "deposit": Account.DEPOSIT,
    "bank": Account.BANK,
}

Say = Callable[[str], None]
#: Shows Intuit's consent address and returns what the person pasted back (a terminal);
#: None where nobody can answer (cron, a script).
AskConsent = Callable[[str], str] | None


class SetupFileError(Exception):
    """The setup file cannot be used: one sentence saying what to fix."""


def load_setup_file(path: Path) -> dict[str, Any]:
    """The setup file's tables, checked for unknown tables and keys."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SetupFileError(f"Cannot read {path} ({exc.strerror}).") from None
    except tomllib.TOMLDecodeError as exc:
        raise SetupFileError(f"{path} is not valid TOML: {exc}.") from None
    except UnicodeDecodeError:
        raise SetupFileError(f"{path} is not UTF-8 text.") from None
    for key, value in data.items():
        if key in TOP_LEVEL:
            continue
        if key not in SECTIONS:
            known = ", ".join(f"[{name}]" for name in SECTIONS)
            raise SetupFileError(f"{path}: unknown table [{key}] (the setup knows {known}).")
        if not isinstance(value, dict):
            raise SetupFileError(f"{path}: {key} must be a table ([{key}]).")
        allowed = SECTIONS[key]
        unknown = sorted(set(value) - allowed) if allowed else []
        if unknown:
            takes = ", ".join(sorted(allowed))
            raise SetupFileError(f"{path}: [{key}] has no key {unknown[0]!r} (it takes {takes}).")
    return data


@dataclass
class FileSetup:
    """One pass of the setup from a file, step by step."""

    store: Store
    secrets: SecretStore
    data: Mapping[str, Any]
    say: Say
    ask_consent: AskConsent = None
    actor: str = "recontui"
    #: Secrets given in the file's ``secrets_file`` (read by the caller).
    given: Mapping[str, str] = field(default_factory=dict)
    env: Mapping[str, str] = field(default_factory=dict)
    profile: Profile | None = None
    #: The exit code of the first sync, once started.
    exit_code: int = 1

    def table(self, name: str) -> Mapping[str, Any]:
        value = self.data.get(name, {})
        return value if isinstance(value, Mapping) else {}

    def text(self, table: str, key: str, default: str = "") -> str:
        value = self.table(table).get(key, default)
        if not isinstance(value, str | int) or isinstance(value, bool):
            raise SetupRefused(f"[{table}] {key} must be text.")
        return str(value).strip()

    def secret(self, key: str) -> str:
        """A secret from the secrets file, else the environment, else saved earlier."""
        assert self.profile is not None
        name = self.profile.name
        return (
            self.given.get(key)
            or self.env.get(env_var_name(name, key))
            or self.secrets.get(name, key)
            or ""
        )

    async def run(self) -> int:
        """Every step in order; the setup's exit code (0: the first sync ran and the books
        agree; 1: waiting, e.g. the plan shown but not started, or conflicts open; 2: a
        step's problem). A profile already set up takes the file's settings (steps 4 to 8,
        the same checks) and is left to its syncs."""
        name = self.text("profile", "name", "main")
        try:
            self.profile = self.store.get_profile(name)
        except ProfileNotFound:
            self.profile = None
        revisit = self.profile is not None and not needs_setup(self.store, self.profile)
        steps = [s for s in STEPS if FIRST_REVISITED <= s < Step.SYNC] if revisit else STEPS
        for step in steps:
            try:
                done = await self.STEP_RUNNERS[step](self)
            except SetupRefused as exc:
                self.say(f"✘ {int(step)} {step.title}: {exc}")
                self.say(self.stopped_words(step, revisit))
                return 2
            self.say(f"✔ {int(step)} {step.title}: {done}")
            if step != STEPS[-1] and not revisit:
                assert self.profile is not None
                set_reached(self.store, self.profile, Step(step + 1), actor=self.actor)
        if revisit:
            self.say(
                f"Profile {name!r} was set up already: its settings above are saved; "
                f"`recontui sync --dry-run --profile {name}` shows what the next sync does."
            )
            return 0
        return self.exit_code

    @staticmethod
    def stopped_words(step: Step, revisit: bool) -> str:
        """What stands after a step refused: nothing written before the first sync."""
        if step == Step.SYNC:
            return (
                "The first sync did not finish: `recontui history` and `recontui log` show "
                "what it did. Run the same command again to go on."
            )
        kept = "the settings above are saved" if revisit else "the steps above are kept"
        return (
            "Nothing was written to either system. Fix the setup file and run the same "
            f"command again: {kept}."
        )

    # -- the steps ----------------------------------------------------------------------
    async def profile_step(self) -> str:
        saved = save_profile_step(
            self.store,
            self.profile,
            self.text("profile", "name", "main"),
            self.text("profile", "billing", "bill"),
            self.text("profile", "accounting", "qbo"),
        )
        if isinstance(saved, str):
            raise SetupRefused(saved)
        self.profile = saved
        return f"{saved.name} ({saved.a_system} ↔ {saved.b_system})"

    async def credentials_step(self) -> str:
        assert self.profile is not None
        login = BillLogin(
            self.text("bill", "api_base", BILL_PRODUCTION),
            self.text("bill", "organization_id"),
            self.text("bill", "username"),
            self.secret("dev_key"),
            self.secret("password"),
        )
        bill = await check_bill(login)
        self.profile = keep_bill(
            self.store, self.secrets, self.profile, login, bill, actor=self.actor
        )
        api_base = self.text("qbo", "api_base", QBO_PRODUCTION)
        token_url, auth_url = qbo_addresses(api_base)
        app = QboApp(
            api_base,
            token_url,
            auth_url,
            self.secret("client_id"),
            self.secret("client_secret"),
            self.text("qbo", "redirect_uri", DEFAULT_REDIRECT_URI),
        )
        realm = self.text("qbo", "realm_id")
        refresh = self.secret("refresh_token")
        if refresh:
            refresh, qbo = await check_qbo(app, refresh, realm)
        else:
            refresh, qbo, realm = await self.consent(app, realm)
        self.profile = keep_qbo(
            self.store, self.secrets, self.profile, app, refresh, qbo, realm, actor=self.actor
        )
        return f"BILL {bill.name} ({bill.company_id}), QuickBooks {qbo.name} ({realm})"

    async def consent(self, app: QboApp, realm: str) -> tuple[str, Any, str]:
        """A QuickBooks approval asked for at the terminal, when nothing holds a token."""
        assert self.profile is not None
        if self.ask_consent is None:
            # Keep the app's keys and addresses, so `recontui profile connect qbo` can ask
            # for the approval (it reads them from the profile and the secrets store).
            self.profile = keep_qbo_app(self.store, self.secrets, self.profile, app, realm)
            raise SetupRefused(
                "QuickBooks Online has no refresh token for this profile: run `recontui "
                f"profile connect qbo --profile {self.profile.name}` once at a terminal (or "
                "this command at a terminal, or set "
                f"{env_var_name(self.profile.name, 'refresh_token')}), then run it again."
            )
        url, state = qbo_consent(app)
        pasted = self.ask_consent(url)
        return await connect_qbo(app, pasted, state, known_realm=realm or None)

    async def company_step(self) -> str:
        assert self.profile is not None
        companies = self.table("companies")
        expected = {"a": companies.get("billing"), "b": companies.get("accounting")}
        saved = self.store.settings(self.profile.id)
        for side, label, key in (("a", "BILL", "billing"), ("b", "QuickBooks", "accounting")):
            answered = (saved.get(f"setup.{side}_company") or {}).get("id")
            if not expected[side]:
                raise SetupRefused(
                    f'Confirm the companies: add [companies] {key} = "{answered}" (the '
                    f"{label} company that answered) to the setup file."
                )
            if str(expected[side]).strip() != str(answered):
                raise SetupRefused(
                    f"{label} answered for company {answered}, but [companies] {key} says "
                    f"{expected[side]}: check the credentials, or correct the file."
                )
        problem = confirm_companies(self.store, self.profile, confirmed=True)
        if problem:
            raise SetupRefused(problem)
        return f"{expected['a']} and {expected['b']} confirmed"

    async def lists_step(self) -> str:
        """Both systems read into this computer (nothing written to either)."""
        from .lists import read_lists

        assert self.profile is not None
        report = await read_lists(self.store, self.profile, self.secrets)
        if report.problems:
            raise SetupRefused(report.problems[0])
        for line in report.lines():
            self.say(f"  {line}")
        return "both systems read; nothing was written"

    async def accounts_step(self) -> str:
        """[accounts]: income, expense (required), deposit, bank, each a QuickBooks account
        by name or id."""
        from .accounts import account_choices, save_default_accounts

        assert self.profile is not None
        offered = account_choices(self.store, self.profile)
        chosen: dict[Account, str] = {}
        for key, account in FILE_ACCOUNTS.items():
            given = self.text("accounts", key)
            if given:
                chosen[account] = _account_id(given, offered.get(account, []))
            elif key in ("deposit", "bank"):
                chosen[account] = ""
        problem = save_default_accounts(self.store, self.profile, chosen, self.actor)
        if problem:
            raise SetupRefused(f"{problem} (In the file: [accounts] {_key_of(problem)}.)")
        return ", ".join(
            f"{key} {self.text('accounts', key) or '(default)'}" for key in FILE_ACCOUNTS
        )

    async def tax_step(self) -> str:
        """[tax]: "billing sales tax" = "accounting tax code", each by name or id. A sales
        tax left unmapped is allowed; the invoices charging it are held, and said here."""
        from .taxes import (
            accounting_tax_codes,
            billing_tax_codes,
            held_words,
            save_tax_map,
            tax_map,
        )

        assert self.profile is not None
        taxes = billing_tax_codes(self.store, self.profile)
        codes = accounting_tax_codes(self.store, self.profile)
        mapping: dict[str, str | None] = dict(tax_map(self.store, self.profile))
        for given, code in self.table("tax").items():
            if not isinstance(code, str):
                raise SetupRefused(f'[tax] "{given}" = "tax code name or id".')
            tax = next((t for t in taxes if str(given).casefold() in _names(t)), None)
            if tax is None:
                known = ", ".join(repr(t.name) for t in taxes) or "none"
                raise SetupRefused(f"[tax]: {given!r} is not a BILL sales tax (BILL's: {known}).")
            found = next((c for c in codes if code.casefold() in _names(c)), None)
            mapping[tax.id] = found.id if found else code
        problem = save_tax_map(self.store, self.profile, mapping, self.actor)
        if problem:
            raise SetupRefused(problem)
        return held_words(self.store, self.profile, mapping)

    async def syncs_step(self) -> str:
        """[syncs]: directions and masters by entity over the usual ownership, the initial
        window, include_inactive, the schedule (Preferences' own checks)."""
        from dataclasses import replace

        from .syncs import current_syncs, save_syncs

        assert self.profile is not None
        given = self.table("syncs")
        choices = current_syncs(self.store, self.profile)
        directions = dict(choices.directions)
        directions.update(self.entity_table(given, "directions"))
        masters = {**choices.masters, **self.side_table(given, "masters", MASTERS)}
        owners = {**choices.owners, **self.side_table(given, "owners", OWNERS)}
        inactive = given.get("include_inactive", choices.include_inactive)
        if not isinstance(inactive, bool):
            raise SetupRefused("[syncs] include_inactive is true or false.")
        choices = replace(
            choices,
            directions=directions,
            masters=masters,
            owners=owners,
            window=self.text("syncs", "initial_window", choices.window),
            include_inactive=inactive,
            schedule=self.text("syncs", "schedule", choices.schedule),
        )
        problem = save_syncs(self.store, self.profile, choices, self.actor)
        if problem:
            raise SetupRefused(problem)
        self.field_settings(given)
        self.approved_bills(given)
        self.summary_mode(given)
        self.one_way(given)
        self.filters(given)
        owned = sorted(e for e, d in directions.items() if d != "both")
        return (
            f"window {choices.window}, schedule {choices.schedule}, one-way: "
            f"{', '.join(owned) or 'none'}"
        )

    def approved_bills(self, given: Mapping[str, Any]) -> None:
        """[syncs] only_approved_bills = true, confirmed by only_approved_bills_confirm
        (irreversible: Preferences' own check and lock, setup/approved_bills.py)."""
        from .approved_bills import save_only_approved_bills

        assert self.profile is not None
        if "only_approved_bills" not in given:
            return
        wanted = given["only_approved_bills"]
        if not isinstance(wanted, bool):
            raise SetupRefused("[syncs] only_approved_bills is true or false.")
        typed = given.get("only_approved_bills_confirm", "")
        problem = save_only_approved_bills(
            self.store, self.profile, wanted, typed if isinstance(typed, str) else "", self.actor
        )
        if problem:
            raise SetupRefused(f"[syncs] {problem}")

    def summary_mode(self, given: Mapping[str, Any]) -> None:
        """[syncs] summary_mode = true with summary_customer and summary_confirm (and
        summary_ar_account, summary_tax_account): irreversible, setup/summary_mode.py."""
        from .summary_mode import file_summary_mode

        assert self.profile is not None
        problem = file_summary_mode(self.store, self.profile, given, self.actor)
        if problem:
            raise SetupRefused(f"[syncs] {problem}")

    def one_way(self, given: Mapping[str, Any]) -> None:
        """[syncs] one_way_transactions = true, confirmed by one_way_transactions_confirm
        (irreversible), and two_way_ap_payments = true | false (setup/one_way.py)."""
        from .one_way import save_one_way_transactions, save_two_way_ap_payments

        assert self.profile is not None
        for key in ("one_way_transactions", "two_way_ap_payments"):
            if not isinstance(given.get(key, False), bool):
                raise SetupRefused(f"[syncs] {key} is true or false.")
        if "one_way_transactions" in given:
            typed = given.get("one_way_transactions_confirm", "")
            problem = save_one_way_transactions(
                self.store,
                self.profile,
                given["one_way_transactions"],
                typed if isinstance(typed, str) else "",
                self.actor,
            )
            if problem:
                raise SetupRefused(f"[syncs] {problem}")
        if "two_way_ap_payments" in given:
            problem = save_two_way_ap_payments(
                self.store, self.profile, given["two_way_ap_payments"], self.actor
            )
            if problem:
                raise SetupRefused(f"[syncs] {problem}")

    def filters(self, given: Mapping[str, Any]) -> None:
        """[syncs.include_types.<entity>] <system> = "all" | [types] and [syncs.created_range]
        <system> = "<range>" (Preferences' own checks, setup/filters.py)."""
        from .filters import save_file_filters

        assert self.profile is not None
        problem = save_file_filters(self.store, self.profile, given, self.actor)
        if problem:
            raise SetupRefused(f"[syncs] {problem}")

    def field_settings(self, given: Mapping[str, Any]) -> None:
        """[syncs.fields] then [syncs.update_fields]: entity = "all" | "none" | [names]
        (Preferences' own checks, setup/sync_fields.py)."""
        from .sync_fields import save_field_subset, save_update_fields

        assert self.profile is not None
        for key, save in (("fields", save_field_subset), ("update_fields", save_update_fields)):
            table = given.get(key, {})
            if not isinstance(table, Mapping):
                raise SetupRefused(
                    f'[syncs] {key} is a table of entity = "all", "none" or [field names].'
                )
            for entity, value in table.items():
                problem = save(self.store, self.profile, str(entity), value, self.actor)
                if problem:
                    raise SetupRefused(f"[syncs] {key}: {problem}")

    def side_table(
        self, given: Mapping[str, Any], key: str, words: Mapping[str, Any]
    ) -> dict[str, Any]:
        """``[syncs.<key>]``: entity = one of ``words`` (its side, or None)."""
        out: dict[str, Any] = {}
        for entity, who in self.entity_table(given, key).items():
            if who not in words:
                raise SetupRefused(
                    f"[syncs] {key}: {entity} = {who!r}; use one of {', '.join(words)}."
                )
            out[entity] = words[who]
        return out

    @staticmethod
    def entity_table(given: Mapping[str, Any], key: str) -> dict[str, str]:
        value = given.get(key, {})
        if not isinstance(value, Mapping) or not all(isinstance(v, str) for v in value.values()):
            raise SetupRefused(f'[syncs] {key} is a table of entity = "..." lines.')
        return {str(k): str(v) for k, v in value.items()}

    async def matches_step(self) -> str:
        """[matches]: ``link`` = suggestions to link, ``apart`` = exact pairs to keep apart,
        each named by entity and record names. Exact pairs link by themselves; every
        suggestion not listed is said here and asked in the conflict queue, never created
        twice (the review's own rules: setup/matches.py)."""
        from .matches import review, save_review

        assert self.profile is not None
        found = review(self.store, self.profile)
        for key in (p.key for p in found.pairs if p.kind is not PairKind.EXACT):
            found.checked.discard(key)
        for entry in self.named_pairs("link"):
            pair = _find_pair(found.pairs, entry, exact=False)
            for rival in found.check(pair.key):
                raise SetupRefused(
                    f"{pair.a.label} {pair.a.name!r} is listed with {pair.b.name!r} and with "
                    f"{rival.b.name!r}: a record links to one record only."
                )
        for entry in self.named_pairs("apart"):
            found.checked.discard(_find_pair(found.pairs, entry, exact=True).key)
        chosen = found.chosen()
        problem = save_review(
            self.store, self.profile, chosen.links, chosen.apart, actor=self.actor
        )
        if problem:
            raise SetupRefused(problem)
        for p in found.pairs:
            if p.kind is not PairKind.EXACT and p.key not in found.checked:
                self.say(
                    f"  suggested, not linked (asked in the conflict queue): {p.a.label.lower()} "
                    f"{p.a.name!r} ~ {p.b.name!r} ({p.why})"
                )
        return found.summary()

    def named_pairs(self, key: str) -> list[Mapping[str, str]]:
        value = self.table("matches").get(key, [])
        ok = isinstance(value, list) and all(
            isinstance(v, Mapping) and {"entity", "billing"} <= set(v) for v in value
        )
        if not ok:
            raise SetupRefused(
                f'[matches] {key} is a list of {{ entity = "customer", billing = "...", '
                'accounting = "..." }.'
            )
        return [{str(k): str(v) for k, v in entry.items()} for entry in value]

    async def sync_step(self) -> str:
        from .first_sync import NOT_RUN, first_sync, plan_by_name, start_first_sync

        assert self.profile is not None
        plan = await first_sync(self.store, self.profile, self.secrets, dry_run=True)
        if plan.status != "dry-run":
            raise SetupRefused(plan_by_name(self.store, plan)[0])
        for line in plan_by_name(self.store, plan):
            self.say(f"  {line}")
        start = self.table("sync").get("start", False)
        if start is not True:
            self.exit_code = 1
            return (
                "the plan is above; nothing was written. Set [sync] start = true to start "
                "the first sync."
            )
        result = await start_first_sync(self.store, self.profile, self.secrets, actor=self.actor)
        self.exit_code = result.exit_code
        if result.status in NOT_RUN:
            raise SetupRefused(
                f"The first sync did not run ({result.message or result.status}); run the "
                "same command again once it is fixed"
            )
        return f"first sync {result.status} (exit {result.exit_code}), run {result.run_id}"

    STEP_RUNNERS: ClassVar[dict[Step, Callable[[FileSetup], Awaitable[str]]]] = {}


FileSetup.STEP_RUNNERS.update(
    {
        Step.PROFILE: FileSetup.profile_step,
        Step.CREDENTIALS: FileSetup.credentials_step,
        Step.COMPANY: FileSetup.company_step,
        Step.LISTS: FileSetup.lists_step,
        Step.ACCOUNTS: FileSetup.accounts_step,
        Step.TAX: FileSetup.tax_step,
        Step.SYNCS: FileSetup.syncs_step,
        Step.MATCHES: FileSetup.matches_step,
        Step.SYNC: FileSetup.sync_step,
    }
)


def _account_id(given: str, offered: list[AccountChoice]) -> str:
    """The id of the account the file names, by id, name or "name (type)"; what was given
    when none fits (the check then says why it is refused)."""
    wanted = given.strip().casefold()
    for choice in offered:
        if wanted in (choice.id.casefold(), choice.name.casefold(), choice.label.casefold()):
            return str(choice.id)
    return given


def _key_of(problem: str) -> str:
    for key in ("income", "expense", "deposit", "bank"):
        if key in problem.casefold():
            return key
    return "income, expense, deposit, bank"


def _find_pair(pairs: Sequence[Pair], entry: Mapping[str, str], *, exact: bool) -> Pair:
    """The review's pair the file names (entity, billing name, accounting name)."""
    entity = entry["entity"].strip().casefold()
    billing = entry["billing"].strip().casefold()
    accounting = entry.get("accounting", "").strip().casefold()
    for p in pairs:
        if (
            (p.kind is PairKind.EXACT) == exact
            and p.entity.casefold() == entity
            and p.a.name.casefold() == billing
            and (not accounting or p.b.name.casefold() == accounting)
        ):
            return p
    what = "pair linked by its keys" if exact else "suggested pair"
    raise SetupRefused(
        f"[matches]: no {what} is {entry['entity']} {entry['billing']!r}"
        + (f" ~ {entry.get('accounting')!r}" if entry.get("accounting") else "")
        + "; run without it to see the suggestions."
    )


def _names(thing: Any) -> tuple[str, ...]:
    """The names a file may give a sales tax or a tax code by: its id and its name."""
    return (str(thing.id).casefold(), str(thing.name).casefold())

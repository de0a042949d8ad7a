"""Step 2: each system's credentials, tested on the spot; the secrets go to the secrets
store in use (named here), never to the database. BILL: organisation, developer key, user
name and password, tried by signing in. QuickBooks Online: the Intuit app's keys, then the
consent address (opened on any computer) and the address the browser lands on, pasted
back. The user name and addresses are remembered; a password is never shown again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widget import Widget
from textual.widgets import Input, Label, Static

from ...secrets import env_var_name
from ...setup import (
    BillLogin,
    Company,
    QboApp,
    SetupRefused,
    Step,
    check_bill,
    connect_qbo,
    qbo_consent,
)
from ...setup.connect import BILL_PRODUCTION, QBO_PRODUCTION, approve_on_stand_in, qbo_addresses
from ...setup.credentials import company_of, credentials_problem, keep_bill, keep_qbo
from .base import StepScreen


def _row(label: str, field: Input) -> Horizontal:
    """One field on one line: its name, then the field (the form fits 80x24)."""
    return Horizontal(Label(label), field, classes="row")


def _result(text: Text, widget_id: str) -> Static:
    """A check's result line, out of the way until there is one."""
    return Static(text, id=widget_id, classes="result" if text.plain else "result empty")


class CredentialsStep(StepScreen):
    STEP = Step.CREDENTIALS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "test_bill", "Test BILL", priority=True, id="setup.test_bill"),
        Binding("ctrl+o", "consent", "QBO address", priority=True, id="setup.consent"),
        Binding("ctrl+g", "connect_qbo", "Connect QBO", priority=True, id="setup.qbo"),
        Binding("ctrl+y", "copy", "Copy", show=False, priority=True, id="setup.copy"),
        Binding("ctrl+a", "approve", "Approve", priority=True, id="setup.approve"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ""
        self.consent_url = ""

    def form(self) -> Iterator[Widget]:
        profile = self.setup.profile
        assert profile is not None
        a, b = profile.a_settings, profile.b_settings
        demo = self.setup.demo or {}
        da, db = demo.get("bill", {}), demo.get("qbo", {})
        if demo:
            yield Static(
                Text(
                    "Demo: the stand-in servers' made-up credentials are filled in. ctrl+t "
                    "tests BILL; ctrl+o then ctrl+a approves the stand-in's consent page."
                ),
                classes="result",
            )
        yield Static(self.secrets_words(), id="secrets", classes="result")
        yield Label("BILL", classes="section")
        url = a.get("api_base") or da.get("api_base") or BILL_PRODUCTION
        yield _row("API address", Input(url, id="bill-url", compact=True))
        org = a.get("organization_id") or da.get("organization_id", "")
        yield _row("Organisation", Input(org, placeholder="008…", id="org", compact=True))
        key = da.get("dev_key", "")
        yield _row("Developer key", Input(key, password=True, id="dev-key", compact=True))
        user = a.get("username") or da.get("username", "")
        yield _row("User name", Input(user, placeholder="e-mail", id="user", compact=True))
        password = da.get("password", "")
        yield _row("Password", Input(password, password=True, id="password", compact=True))
        yield _result(self.done_words("a"), "bill-result")
        yield Label("QuickBooks Online", classes="section")
        url = b.get("api_base") or db.get("api_base") or QBO_PRODUCTION
        yield _row("API address", Input(url, id="qbo-url", compact=True))
        client = db.get("client_id", "")
        yield _row("App client id", Input(client, id="client-id", compact=True))
        secret = db.get("client_secret", "")
        yield _row("Client secret", Input(secret, password=True, id="client-secret", compact=True))
        yield Static(
            Text("ctrl+o shows the consent address to open in a browser on any computer."),
            id="consent",
            classes="result",
        )
        yield _row(
            "Landed on",
            Input(placeholder="paste the address the browser lands on", id="paste", compact=True),
        )
        yield _result(self.done_words("b"), "qbo-result")

    def on_mount(self) -> None:
        super().on_mount()
        self.say("ctrl+t tests BILL; ctrl+o, then ctrl+g, connects QuickBooks Online.")
        self.query_one("#org", Input).focus()

    def secrets_words(self) -> Text:
        secrets = self.setup.secrets
        if secrets is None:
            return Text(
                f"No secrets store can be used here ({self.setup.secrets_problem}). Leave "
                "(ctrl+q), set RECONTUI_PASSPHRASE to a passphrase of your own (it unlocks an "
                "encrypted file beside the database), then run `recontui setup` again.",
                style="bold red",
            )
        where = secrets.describe().split("; ", 1)[0]
        profile = self.setup.profile
        example = env_var_name(profile.name if profile else "main", "password")
        return Text(
            f"Secrets go to: {where}. The database never holds them. For cron, variables "
            f"such as {example} can hold them instead."
        )

    def done_words(self, side: str) -> Text:
        assert self.setup.profile is not None
        company = company_of(self.setup.store, self.setup.profile, side)
        if not company:
            return Text("")
        return Text(f"✔ Connected: {company['name']} ({company['id']})", style="green")

    @property
    def profile_id(self) -> int:
        assert self.setup.profile is not None
        return self.setup.profile.id

    def value(self, field_id: str) -> str:
        return self.query_one(f"#{field_id}", Input).value.strip()

    def result(self, field_id: str, message: str, *, ok: bool) -> None:
        widget = self.query_one(f"#{field_id}", Static)
        widget.remove_class("empty")
        widget.update(Text(message, style="green" if ok else "red"))

    @on(Input.Submitted)
    def next_field(self, event: Input.Submitted) -> None:
        if event.input.id == "password":
            self.action_test_bill()
        elif event.input.id == "paste":
            self.action_connect_qbo()
        else:
            self.focus_next()

    # -- BILL ----------------------------------------------------------------------------

    def action_test_bill(self) -> None:
        if self.setup.secrets is None:
            self.say(self.secrets_words().plain, error=True)
            return
        login = BillLogin(
            self.value("bill-url"),
            self.value("org"),
            self.value("user"),
            self.value("dev-key"),
            self.query_one("#password", Input).value,
        )
        self.result("bill-result", "Signing in to BILL…", ok=True)
        self.test_bill(login)

    @work(exclusive=True, group="bill", exit_on_error=False)
    async def test_bill(self, login: BillLogin) -> None:
        try:
            company = await check_bill(login)
        except SetupRefused as exc:
            self.result("bill-result", str(exc), ok=False)
            self.say(str(exc), error=True)
            return
        self.keep_bill(login, company)
        self.result("bill-result", f"✔ Connected: {company.name} ({company.company_id})", ok=True)
        self.say("BILL accepted the sign-in. Next: ctrl+o for QuickBooks Online's address.")
        self.query_one("#password", Input).value = ""
        self.query_one("#dev-key", Input).value = ""

    def keep_bill(self, login: BillLogin, company: Company) -> None:
        """Save what the test proved: settings in the profile, secrets in the store."""
        setup = self.setup
        assert setup.profile is not None and setup.secrets is not None
        setup.profile = keep_bill(
            setup.store, setup.secrets, setup.profile, login, company, actor=setup.actor
        )

    # -- QuickBooks Online ---------------------------------------------------------------

    def qbo_app(self) -> QboApp:
        api_base = self.value("qbo-url")
        token_url, auth_url = qbo_addresses(api_base)
        return QboApp(
            api_base, token_url, auth_url, self.value("client-id"), self.value("client-secret")
        )

    def action_consent(self) -> None:
        try:
            self.consent_url, self.state = qbo_consent(self.qbo_app())
        except SetupRefused as exc:
            self.result("qbo-result", str(exc), ok=False)
            return
        self.query_one("#consent", Static).update(
            Text.assemble(
                "Open this address in a browser on any computer (ctrl+y copies it), sign in as "
                "an admin of the company, choose it and approve; then paste below the address "
                "the browser lands on (the page may not load) and press ctrl+g:\n",
                (self.consent_url, "underline"),
            )
        )
        self.query_one("#paste", Input).focus()

    def action_copy(self) -> None:
        if self.consent_url:
            self.app.copy_to_clipboard(self.consent_url)
            self.say("The consent address is on the clipboard (where the terminal allows it).")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The demo's approve key exists only in the demo."""
        if action == "approve":
            return self.setup.demo is not None
        return True

    def action_approve(self) -> None:
        """Demo only: do what a person does in the browser, against the stand-in."""
        if self.setup.demo is None:
            return
        if not self.consent_url:
            self.action_consent()
        if self.consent_url:
            self.approve(self.consent_url)

    @work(exclusive=True, group="qbo-approve", exit_on_error=False)
    async def approve(self, url: str) -> None:
        try:
            landed = await approve_on_stand_in(url)
        except SetupRefused as exc:
            self.result("qbo-result", str(exc), ok=False)
            return
        self.query_one("#paste", Input).value = landed
        self.action_connect_qbo()

    def action_connect_qbo(self) -> None:
        if self.setup.secrets is None:
            self.say(self.secrets_words().plain, error=True)
            return
        if not self.state:
            self.result("qbo-result", "Press ctrl+o for the consent address first.", ok=False)
            return
        self.result("qbo-result", "Connecting to QuickBooks Online…", ok=True)
        self.connect(self.qbo_app(), self.value("paste"))

    @work(exclusive=True, group="qbo", exit_on_error=False)
    async def connect(self, app: QboApp, pasted: str) -> None:
        try:
            refresh, company, realm = await connect_qbo(app, pasted, self.state)
        except SetupRefused as exc:
            self.result("qbo-result", str(exc), ok=False)
            self.say(str(exc), error=True)
            return
        self.keep_qbo(app, refresh, company, realm)
        self.state = ""
        self.result("qbo-result", f"✔ Connected: {company.name} ({realm})", ok=True)
        self.say("QuickBooks Online is connected. ctrl+n: confirm the two companies.")

    def keep_qbo(self, app: QboApp, refresh: str, company: Company, realm: str) -> None:
        setup = self.setup
        assert setup.profile is not None and setup.secrets is not None
        setup.profile = keep_qbo(
            setup.store,
            setup.secrets,
            setup.profile,
            app,
            refresh,
            company,
            realm,
            actor=setup.actor,
        )

    async def finish(self) -> str | None:
        assert self.setup.profile is not None
        problem = credentials_problem(self.setup.store, self.setup.profile)
        if problem and problem.startswith("Test BILL"):
            return "Test BILL first (ctrl+t): Next waits until BILL accepts the sign-in."
        if problem:
            return "Connect QuickBooks Online first (ctrl+o, approve, paste, ctrl+g)."
        return None

"""Step 2: each system's credentials, tested on the spot; the secrets go to the secrets
store in use (named here), never to the database. BILL: organisation, developer key, user
name and password, tried by signing in. QuickBooks Online: the Intuit app's keys, then the
consent address (opened on any computer) and the address the browser lands on, pasted
back. The user name and addresses are remembered; a password is never shown again."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar
from urllib.parse import urlsplit

from rich.text import Text
from textual import on, work
from textual.binding import Binding, BindingType
from textual.widget import Widget
from textual.widgets import Input, Label, Static

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
from .base import StepScreen

BILL_PRODUCTION = "https://gateway.prod.bill.com/connect"
QBO_PRODUCTION = "https://quickbooks.api.intuit.com"
INTUIT_TOKEN_URL = "https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer"
INTUIT_AUTH_URL = "https://appcenter.intuit.com/connect/oauth2"


def qbo_addresses(api_base: str) -> tuple[str, str]:
    """The token and consent addresses that go with an API address: Intuit's own for
    Intuit's servers (production and sandbox companies alike), the stand-in's layout
    (``<api>/oauth2/v1/tokens/bearer``, ``<api>/connect/oauth2``) for any other."""
    host = urlsplit(api_base).hostname or ""
    if host == "intuit.com" or host.endswith(".intuit.com"):
        return INTUIT_TOKEN_URL, INTUIT_AUTH_URL
    base = api_base.rstrip("/")
    return f"{base}/oauth2/v1/tokens/bearer", f"{base}/connect/oauth2"


class CredentialsStep(StepScreen):
    STEP = Step.CREDENTIALS
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "test_bill", "Test BILL", priority=True, id="setup.test_bill"),
        Binding("ctrl+o", "consent", "QuickBooks address", priority=True, id="setup.consent"),
        Binding("ctrl+g", "connect_qbo", "Connect QuickBooks", priority=True, id="setup.qbo"),
        Binding("ctrl+y", "copy", "Copy address", priority=True, id="setup.copy"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.state = ""
        self.consent_url = ""

    def form(self) -> Iterator[Widget]:
        profile = self.setup.profile
        assert profile is not None
        a, b = profile.a_settings, profile.b_settings
        yield Static(self.secrets_words(), id="secrets", classes="result")
        yield Label("BILL", classes="section")
        yield Input(a.get("api_base", BILL_PRODUCTION), placeholder="API address", id="bill-url")
        yield Input(a.get("organization_id", ""), placeholder="organisation id (008…)", id="org")
        yield Input(placeholder="developer key", password=True, id="dev-key")
        yield Input(a.get("username", ""), placeholder="user name (e-mail)", id="user")
        yield Input(placeholder="password", password=True, id="password")
        yield Static(self.done_words("a"), id="bill-result", classes="result")
        yield Label("QuickBooks Online", classes="section")
        yield Input(b.get("api_base", QBO_PRODUCTION), placeholder="API address", id="qbo-url")
        yield Input(placeholder="Intuit app client id", id="client-id")
        yield Input(placeholder="Intuit app client secret", password=True, id="client-secret")
        yield Static(
            Text("ctrl+o shows the consent address to open in a browser on any computer."),
            id="consent",
            classes="result",
        )
        yield Input(placeholder="paste the address the browser lands on", id="paste")
        yield Static(self.done_words("b"), id="qbo-result", classes="result")

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
        return Text(f"Secrets go to: {secrets.describe()}. The database never holds them.")

    def done_words(self, side: str) -> Text:
        company = self.setup.store.settings(self.profile_id).get(f"setup.{side}_company")
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
            return
        self.keep_bill(login, company)
        self.result("bill-result", f"✔ Connected: {company.name} ({company.company_id})", ok=True)
        self.query_one("#password", Input).value = ""
        self.query_one("#dev-key", Input).value = ""

    def keep_bill(self, login: BillLogin, company: Company) -> None:
        """Save what the test proved: settings in the profile, secrets in the store."""
        setup, profile = self.setup, self.setup.profile
        assert profile is not None and setup.secrets is not None
        a_settings = {**profile.a_settings, **login.settings(), "company_name": company.name}
        setup.profile = setup.store.save_profile(
            profile.name, profile.a_system, profile.b_system, a_settings, profile.b_settings
        )
        setup.secrets.set(profile.name, "dev_key", login.dev_key)
        setup.secrets.set(profile.name, "password", login.password)
        self.remember_company("a", company)

    def remember_company(self, side: str, company: Company) -> None:
        self.setup.store.set_setting(
            self.profile_id,
            f"setup.{side}_company",
            {"id": company.company_id, "name": company.name},
            actor=self.setup.actor,
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
            return
        self.keep_qbo(app, refresh, company, realm)
        self.state = ""
        self.result("qbo-result", f"✔ Connected: {company.name} ({realm})", ok=True)

    def keep_qbo(self, app: QboApp, refresh: str, company: Company, realm: str) -> None:
        setup, profile = self.setup, self.setup.profile
        assert profile is not None and setup.secrets is not None
        b_settings = {**profile.b_settings, **app.settings(realm), "company_name": company.name}
        setup.profile = setup.store.save_profile(
            profile.name, profile.a_system, profile.b_system, profile.a_settings, b_settings
        )
        for key, value in (
            ("client_id", app.client_id),
            ("client_secret", app.client_secret),
            ("refresh_token", refresh),
        ):
            setup.secrets.set(profile.name, key, value)
        self.remember_company("b", company)

    async def finish(self) -> str | None:
        settings = self.setup.store.settings(self.profile_id)
        if not settings.get("setup.a_company"):
            return "Test BILL first (ctrl+t): Next waits until BILL accepts the sign-in."
        if not settings.get("setup.b_company"):
            return "Connect QuickBooks Online first (ctrl+o, approve, paste, ctrl+g)."
        return None

"""Shared helpers for the sandbox tests (a plain module: no conftest, no fixtures)."""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx

from recontui.sandbox import Sandbox, SandboxConfig
from recontui.sandbox.jsonio import dumps, loads

NOW = datetime(2026, 3, 15, 18, 30, tzinfo=UTC)
BASE = "http://sandbox.test"


def make_sandbox(**config: Any) -> Sandbox:
    return Sandbox(SandboxConfig(**config), clock=lambda: NOW)


def body(response: httpx.Response) -> Any:
    """Decode with Decimal money, as a connector must."""
    return loads(response.content)


@asynccontextmanager
async def http(sandbox: Sandbox) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=sandbox.app)
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as client:
        yield client


class Qbo:
    """A minimal hand-written QBO client for driving the stand-in."""

    def __init__(self, sandbox: Sandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client
        self.creds = sandbox.credentials(BASE)["qbo"]
        self.realm = self.creds["realm_id"]
        self.access_token = ""

    def basic(self) -> str:
        raw = f"{self.creds['client_id']}:{self.creds['client_secret']}".encode()
        return "Basic " + base64.b64encode(raw).decode()

    async def refresh(self, refresh_token: str | None = None) -> httpx.Response:
        return await self.client.post(
            "/qbo/oauth2/v1/tokens/bearer",
            data={
                "grant_type": "refresh_token",
                "refresh_token": refresh_token or self.creds["refresh_token"],
            },
            headers={"Authorization": self.basic(), "Accept": "application/json"},
        )

    async def connect(self) -> Qbo:
        response = await self.refresh()
        assert response.status_code == 200, response.text
        self.access_token = response.json()["access_token"]
        self.creds["refresh_token"] = response.json()["refresh_token"]
        return self

    def headers(self, **extra: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {self.access_token}",
            "Accept": "application/json",
            **extra,
        }

    def url(self, tail: str) -> str:
        return f"/qbo/v3/company/{self.realm}/{tail}"

    async def query(self, text: str) -> httpx.Response:
        return await self.client.post(
            self.url("query") + "?minorversion=75",
            content=text.encode(),
            headers=self.headers(**{"Content-Type": "application/text"}),
        )

    async def rows(self, text: str, entity: str) -> list[dict[str, Any]]:
        response = await self.query(text)
        assert response.status_code == 200, response.text
        return body(response)["QueryResponse"].get(entity, [])

    async def write(self, entity: str, payload: dict[str, Any], **params: str) -> httpx.Response:
        return await self.client.post(
            self.url(entity),
            params={"minorversion": "75", **params},
            content=dumps(payload),
            headers=self.headers(**{"Content-Type": "application/json"}),
        )

    async def read(self, entity: str, ident: str) -> httpx.Response:
        return await self.client.get(self.url(f"{entity}/{ident}"), headers=self.headers())


def fault(response: httpx.Response) -> dict[str, Any]:
    return body(response)["Fault"]["Error"][0]


class Bill:
    def __init__(self, sandbox: Sandbox, client: httpx.AsyncClient) -> None:
        self.sandbox = sandbox
        self.client = client
        self.creds = sandbox.credentials(BASE)["bill"]
        self.session = ""

    def login_body(self, **override: str) -> dict[str, str]:
        return {
            "username": self.creds["username"],
            "password": self.creds["password"],
            "organizationId": self.creds["organization_id"],
            "devKey": self.creds["dev_key"],
            **override,
        }

    async def login(self) -> Bill:
        response = await self.client.post("/bill/connect/v3/login", json=self.login_body())
        assert response.status_code == 200, response.text
        self.session = response.json()["sessionId"]
        return self

    def headers(self) -> dict[str, str]:
        return {
            "devKey": self.creds["dev_key"],
            "sessionId": self.session,
            "Content-Type": "application/json",
        }

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.client.get(
            f"/bill/connect/v3/{path}", params=params, headers=self.headers()
        )

    async def send(self, method: str, path: str, payload: Any = None) -> httpx.Response:
        content = dumps(payload) if payload is not None else b""
        return await self.client.request(
            method, f"/bill/connect/v3/{path}", content=content, headers=self.headers()
        )

    async def all(self, path: str, **params: Any) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        page = None
        while True:
            query = dict(params, max=params.get("max", 100))
            if page:
                query["page"] = page
            response = await self.get(path, **query)
            assert response.status_code == 200, response.text
            data = body(response)
            out += data["results"]
            page = data.get("nextPage")
            if not page:
                return out


def error_code(response: httpx.Response) -> str:
    data = response.json()
    assert isinstance(data, list) and data, data
    assert set(data[0]) == {"timestamp", "code", "severity", "category", "message"}
    return data[0]["code"]


D = Decimal

"""The sandbox over real loopback sockets (background thread and a served process)."""

from __future__ import annotations

import base64
import os
import signal
import subprocess
import sys

import httpx

from recontui.sandbox import RunningSandbox, SandboxConfig


def test_running_sandbox_over_loopback() -> None:
    with RunningSandbox(SandboxConfig(scenario="demo")) as running:
        assert running.base_url.startswith("http://127.0.0.1:")
        creds = running.sandbox.credentials(running.base_url)
        qbo, bill = creds["qbo"], creds["bill"]
        with httpx.Client(timeout=10) as client:
            basic = base64.b64encode(f"{qbo['client_id']}:{qbo['client_secret']}".encode())
            token = client.post(
                qbo["token_url"],
                data={"grant_type": "refresh_token", "refresh_token": qbo["refresh_token"]},
                headers={"Authorization": "Basic " + basic.decode()},
            )
            assert token.status_code == 200
            query = client.post(
                f"{qbo['api_base']}/v3/company/{qbo['realm_id']}/query",
                params={"minorversion": "75"},
                content=b"SELECT COUNT(*) FROM Customer",
                headers={
                    "Authorization": f"Bearer {token.json()['access_token']}",
                    "Content-Type": "application/text",
                    "Accept": "application/json",
                },
            )
            assert query.json()["QueryResponse"]["totalCount"] == 35
            login = client.post(
                f"{bill['api_base']}/v3/login",
                json={
                    "username": bill["username"],
                    "password": bill["password"],
                    "organizationId": bill["organization_id"],
                    "devKey": bill["dev_key"],
                },
            )
            assert login.status_code == 200
            vendors = client.get(
                f"{bill['api_base']}/v3/vendors",
                params={"max": 5},
                headers={"devKey": bill["dev_key"], "sessionId": login.json()["sessionId"]},
            )
            assert len(vendors.json()["results"]) == 5
            health = client.get(f"{running.base_url}/_sandbox/credentials")
            assert health.json()["qbo"]["realm_id"] == qbo["realm_id"]
    running.stop()  # idempotent


def test_serve_stops_cleanly_on_sigterm() -> None:
    code = (
        "from recontui.sandbox import SandboxConfig, serve\n"
        "serve(config=SandboxConfig(scenario='empty'), "
        "on_ready=lambda url: print(url, flush=True))\n"
        "print('stopped', flush=True)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        assert proc.stdout is not None
        url = proc.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        assert httpx.get(f"{url}/_sandbox/health", timeout=5).json()["ok"] is True
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=10)
        assert "stopped" in out
        assert proc.returncode == 0
    finally:
        if proc.poll() is None:
            proc.kill()

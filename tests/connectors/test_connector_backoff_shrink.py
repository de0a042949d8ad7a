"""``RECONTUI_BACKOFF_SHRINK``: the test suite's shorter back-off, also in the processes it
starts (tests/conftest.py ``fast_backoff``). The same retries, only the sleeps shrink; unset
or not a number above 1, the documented back-off applies."""

from __future__ import annotations

import random

import httpx
import pytest

from recontui.connectors.http import BACKOFF_SHRINK_ENV, HttpClient


def delays(response: httpx.Response | None) -> list[float]:
    http = HttpClient(label="Test", transport=httpx.MockTransport(lambda r: httpx.Response(200)))
    random.seed(5)
    return [http._delay(attempt, response) for attempt in (1, 2, 3, 4)]


@pytest.mark.parametrize(
    "response",
    [None, httpx.Response(429), httpx.Response(503, headers={"Retry-After": "3"})],
    ids=["broken-connection", "429", "retry-after"],
)
def test_the_shrink_divides_every_back_off_sleep(
    monkeypatch: pytest.MonkeyPatch, response: httpx.Response | None
) -> None:
    monkeypatch.delenv(BACKOFF_SHRINK_ENV, raising=False)
    documented = delays(response)
    assert documented[0] >= 0.25
    monkeypatch.setenv(BACKOFF_SHRINK_ENV, "50")
    assert delays(response) == pytest.approx([d / 50 for d in documented])


@pytest.mark.parametrize("value", ["", "fast", "0", "0.5", "-3", "inf", "nan"])
def test_a_shrink_that_is_not_a_number_above_1_changes_nothing(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.delenv(BACKOFF_SHRINK_ENV, raising=False)
    documented = delays(None)
    monkeypatch.setenv(BACKOFF_SHRINK_ENV, value)
    assert delays(None) == documented

"""An in-memory stand-in for the secrets store a connector is given (``SecretAccess``)."""

from __future__ import annotations

from collections.abc import Mapping


class Secrets:
    """Secrets held in a dict; every write is recorded (rotated refresh tokens)."""

    def __init__(self, values: Mapping[str, str] | None = None, **more: str) -> None:
        self.values = {**(values or {}), **more}
        self.writes: list[tuple[str, str]] = []

    def get(self, name: str) -> str | None:
        return self.values.get(name)

    def set(self, name: str, value: str) -> None:
        self.writes.append((name, value))
        self.values[name] = value

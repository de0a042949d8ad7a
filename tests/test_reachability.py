"""The one reachability check the console's Home and `recontui doctor` share
(wiring.reach_side): a typed answer each front end words for its reader."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from recontui.wiring import Reach, reach_side, reachability


@dataclass
class Company:
    name: str
    company_id: str


class Answering:
    def __init__(self, behaviour: str) -> None:
        self.behaviour = behaviour

    async def __aenter__(self) -> Answering:
        return self

    async def __aexit__(self, *exc: Any) -> None:
        return None

    async def company(self) -> Company:
        if self.behaviour == "refuse":
            raise PermissionError("BILL refused the sign-in: check the user name and password.")
        if self.behaviour == "hang":
            await asyncio.sleep(5)
        return Company("Harbor Lane", "9341")


def factory_of(behaviour: dict[str, str]) -> Any:
    return lambda side, events: Answering(behaviour[side])


def test_an_answering_side_names_its_company() -> None:
    reach = asyncio.run(reach_side(factory_of({"a": "ok"}), "a"))
    assert reach == Reach(True, "Harbor Lane", "9341")


def test_a_refusal_keeps_the_systems_own_sentence() -> None:
    reach = asyncio.run(reach_side(factory_of({"b": "refuse"}), "b"))
    assert not reach.answered and not reach.timed_out
    assert reach.reason == "BILL refused the sign-in: check the user name and password."


def test_a_silent_side_times_out_while_the_other_answers() -> None:
    both = asyncio.run(reachability(factory_of({"a": "hang", "b": "ok"}), timeout=0.05))
    assert both["a"] == Reach(False, timed_out=True)
    assert both["b"].answered

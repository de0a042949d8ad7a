"""Copies of a world that already ran: stand-ins and state database as one sync left them.

Many tests start from "the conflicts scenario after one sync". Running that sync for each
test costs a second or two; copying the result costs a few milliseconds. A copy is
independent of its original: nothing a test does to it reaches the template or another
test's copy.
"""

from __future__ import annotations

import copy
import shutil
import sqlite3
import threading
from pathlib import Path
from typing import Any

from recontui.sandbox import Sandbox

#: Locks are never copied: each copy keeps the fresh ones its constructor made.
_LOCK_TYPES = (type(threading.Lock()), type(threading.RLock()), threading.Condition)


def _is_stand_in(value: Any) -> bool:
    """An object of the stand-ins' own classes (paired with its counterpart, not copied)."""
    module = type(value).__module__ or ""
    return module.startswith("recontui.sandbox") and hasattr(value, "__dict__")


def copy_sandbox(src: Sandbox) -> Sandbox:
    """A new Sandbox holding the same records, tokens, sessions, counters and clock offset.

    The copy is built by the Sandbox constructor (so its apps, services and locks are its
    own), then every piece of state is copied across: objects of the stand-ins' classes are
    paired attribute by attribute with the constructor's, everything else that is data is
    deep-copied, with references to paired objects pointing at the copy's own.
    """
    dst = Sandbox(copy.deepcopy(src.config), clock=src.clock._source)
    memo: dict[int, Any] = {}
    data: list[tuple[Any, str, Any]] = []

    def pair(s: Any, d: Any) -> None:
        memo[id(s)] = d
        mine = vars(d)
        for name, value in vars(s).items():
            if id(value) in memo:
                continue
            counterpart = mine.get(name)
            if counterpart is value:
                continue  # shared by every Sandbox alike (the cached seed plan): keep sharing
            if _is_stand_in(value) and type(counterpart) is type(value):
                pair(value, counterpart)
            elif isinstance(value, _LOCK_TYPES):
                memo[id(value)] = counterpart
            elif callable(value) and not isinstance(value, type):
                continue  # apps, bound methods, clock sources: the copy's own are right
            else:
                data.append((d, name, value))

    pair(src, dst)
    with src.lock:
        for owner, name, value in data:
            vars(owner)[name] = copy.deepcopy(value, memo)  # frozen dataclasses too
    return dst


def copy_state(src_db: Path, dst_db: Path) -> None:
    """Copy a state database (consistently, WAL and all) and the secrets file beside it."""
    dst_db.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(src_db) as source, sqlite3.connect(dst_db) as target:
        source.backup(target)
    source.close()
    target.close()
    secrets = src_db.with_name(src_db.name + ".secrets")
    if secrets.exists():
        shutil.copyfile(secrets, dst_db.with_name(dst_db.name + ".secrets"))

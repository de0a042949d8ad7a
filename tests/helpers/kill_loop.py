"""kill -9 at random moments of real `recontui sync` processes, then runs until exit 0.

The stand-ins run as their own process (`recontui sandbox serve`), every `recontui` command
as a subprocess over real loopback sockets, with the database and the encrypted secrets
file on disk, as cron would run them. Each sync is killed with SIGKILL at a moment drawn
from a seeded random: during its push phase (seen on its ``-v`` log lines: the kill lands
between or during the writes), or after a random delay (while connecting, pulling,
planning or pushing). Between runs people save decisions (`conflicts resolve-all --side
a`). After every run the database must be sound, no natural key duplicated on either side
and no saved decision lost; then runs without kills must reach exit 0, `recontui verify`
must agree, and one more run must have nothing to push.

`tests/e2e/test_kill_loop.py` runs a small loop; `bench/kill_loop.py` a larger one.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agreement import disagreements, pull_everything
from books import Books, Key, baseline, duplicates, field_keys, synced_fields
from cheap_secrets_cli import recontui_writing_cheap_secrets
from decisions import lost_decisions

from recontui.secrets import open_secret_store
from recontui.store import Store, open_store
from recontui.wiring import build_connector, secrets_path_for

PASSPHRASE = "kill loop passphrase"
PROFILE = "p"
#: `-v` log lines: "[info   ] push     Created vendor 'X' in BILL."
LINE = re.compile(r"^\[(\w+)\s*\] (\w+)\s")
PUSHING = ("push", "replay")


@dataclass
class Figures:
    scenario: str
    size: int | None
    seed: int
    kills: int = 0
    kills_mid_push: int = 0
    #: Sync processes started, and those that ended on their own (exit codes).
    runs: int = 0
    exits: list[int] = field(default_factory=list)
    decisions: int = 0
    #: Runs without kills it took to see exit 0 (None: never within the bound).
    runs_to_converge: int | None = None
    duplicates: list[str] = field(default_factory=list)
    lost: list[str] = field(default_factory=list)
    unsound: list[str] = field(default_factory=list)
    disagreements: list[str] = field(default_factory=list)
    verify_exit: int | None = None
    quiet_pushed: int | None = None
    seconds: float = 0.0

    def lines(self) -> list[str]:
        company = self.scenario + (f", size {self.size}" if self.size else "")
        return [
            f"company: {company}; seed {self.seed}; {self.seconds:.1f} s",
            f"sync processes: {self.runs} ({self.kills} killed, {self.kills_mid_push} of them "
            f"mid-push); exit codes of the others: {dict(Counter(self.exits))}",
            f"decisions saved: {self.decisions}",
            f"runs to converge once the kills stopped: {self.runs_to_converge}",
            f"duplicates found: {len(self.duplicates)}; decisions lost: {len(self.lost)}; "
            f"integrity problems: {len(self.unsound)}",
            f"final: verify exit {self.verify_exit}, disagreements {len(self.disagreements)}, "
            f"pushed by a quiet run {self.quiet_pushed}",
        ]


def cli(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        [sys.executable, "-m", "recontui.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        stdin=subprocess.DEVNULL,
    )
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


@contextmanager
def served(
    root: Path, scenario: str, seed: int, size: int | None = None
) -> Iterator[tuple[dict[str, str], dict[str, Any]]]:
    """`recontui sandbox serve` on a free port, with a profile pointing at it."""
    env = {**os.environ, "RECONTUI_DB": str(root / "kill.db"), "RECONTUI_PASSPHRASE": PASSPHRASE}
    env.pop("RECONTUI_PLAINTEXT_SECRETS", None)
    args = ["sandbox", "serve", "--scenario", scenario, "--profile", PROFILE, "--port", "0"]
    args += ["--seed", str(seed)] + (["--size", str(size)] if size else [])
    server = subprocess.Popen(
        recontui_writing_cheap_secrets(*args),
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        line = server.stdout.readline() if server.stdout else ""
        assert line, server.stderr.read() if server.stderr else "no output"
        yield env, json.loads(line)
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


class SyncProcess:
    """`recontui sync -v` with its log lines read as they come."""

    def __init__(self, env: dict[str, str]) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "recontui.cli", "sync", "--profile", PROFILE, "-v"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            stdin=subprocess.DEVNULL,
        )
        self.lines: list[str] = []
        self.phases: Counter[str] = Counter()
        self.changed = threading.Condition()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            with self.changed:
                self.lines.append(line)
                m = LINE.match(line)
                if m:
                    self.phases[m.group(2)] += 1
                self.changed.notify_all()
        with self.changed:
            self.changed.notify_all()

    @property
    def pushing(self) -> int:
        return sum(self.phases[p] for p in PUSHING)

    def wait_for(self, pushes: int, deadline: float) -> None:
        """Until ``pushes`` push lines were printed, the process ended, or the deadline."""
        with self.changed:
            while (
                self.pushing < pushes and self.proc.poll() is None and time.monotonic() < deadline
            ):
                self.changed.wait(0.05)

    def kill(self) -> bool:
        """SIGKILL; False when the process had already ended."""
        if self.proc.poll() is not None:
            return False
        os.kill(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        return True

    def finish(self, timeout: float = 300) -> int:
        code = self.proc.wait(timeout=timeout)
        self.reader.join(timeout=10)
        assert not any("Traceback" in line for line in self.lines), "".join(self.lines)
        return code


class KillLoop:
    def __init__(
        self,
        root: Path,
        *,
        scenario: str = "conflicts",
        seed: int = 11,
        size: int | None = None,
        kills: int = 5,
        converge_runs: int = 6,
        log: Any = None,
    ) -> None:
        self.root = root
        self.rng = random.Random(seed)
        self.kills_wanted = kills
        self.converge_runs = converge_runs
        self.figures = Figures(scenario, size, seed)
        self.saved: dict[int, dict[str, Any]] = {}
        self.extra: Counter[Key] = Counter()
        self.allowed: Counter[Key] = Counter()
        self.log = log or (lambda *a: None)
        self.env: dict[str, str] = {}

    # -- the state, read from outside -------------------------------------------------------

    @contextmanager
    def store(self) -> Iterator[Store]:
        store = open_store(self.env["RECONTUI_DB"])
        try:
            yield store
        finally:
            store.close()

    def books(self) -> Books:
        with self.store() as store:
            profile = store.get_profile(PROFILE)
            secrets = open_secret_store(
                secrets_path_for(store), env={"RECONTUI_PASSPHRASE": PASSPHRASE}
            )

            async def go() -> Books:
                ca = build_connector(profile, "a", secrets)
                cb = build_connector(profile, "b", secrets)
                async with ca, cb:
                    # Both systems read in full, at once (the stand-ins' process answers
                    # one while this one takes in the other's pages).
                    a, b = await asyncio.gather(pull_everything(ca), pull_everything(cb))
                    return Books(a, b, synced_fields(ca, cb))

            return asyncio.run(go())

    def check(self, when: str) -> None:
        """After a run, killed or not: sound, no duplicate, no decision lost."""
        conn = sqlite3.connect(self.env["RECONTUI_DB"])
        try:
            bad = [r[0] for r in conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            bad += [repr(tuple(r)) for r in conn.execute("PRAGMA foreign_key_check")]
        finally:
            conn.close()
        self.figures.unsound += [f"{when}: {b}" for b in bad]
        books = self.books()
        allowed = self.allowed + self.extra
        self.figures.duplicates += [f"{when}: {d}" for d in duplicates(books, allowed)]
        with self.store() as store:
            self.figures.lost += [f"{when}: {d}" for d in lost_decisions(store, self.saved)]

    # -- people ---------------------------------------------------------------------------

    def remember(self, ids: list[int]) -> None:
        with self.store() as store:
            for cid in ids:
                c = store.conflict(cid)
                if c is not None and c.status == "resolved":
                    self.saved[cid] = c.choices or {}
                    self.figures.decisions += 1
                    link = store.link(store.canonical_link_id(c.link_id))
                    if c.kind == "match" and link is not None and link.a_fields:
                        self.extra.update(field_keys(c.entity, link.a_fields))

    def resolve_all(self, side: str = "a") -> None:
        out = cli(self.env, "conflicts", "resolve-all", "--side", side, "-p", PROFILE, "--json")
        assert out.returncode == 0, out.stderr
        self.remember(json.loads(out.stdout)["resolved"])

    def decide_everything(self, tries: Counter[tuple[str, ...]]) -> None:
        """Every open conflict: side a, side b if it comes back; a match is linked to each
        free candidate in turn, then kept apart, then never synced."""
        with self.store() as store:
            profile = store.get_profile(PROFILE)
            todo = []
            for c in store.conflicts(profile.id, statuses=("open",)):
                link = store.link(store.canonical_link_id(c.link_id))
                record = (c.entity, link.a_id or "", link.b_id or "") if link else (str(c.id),)
                n = tries[record]
                tries[record] += 1
                if c.kind == "match":
                    free = [
                        lid
                        for lid in c.candidates or []
                        if (cand := store.link(lid)) is not None and cand.b_id and not cand.a_id
                    ]
                    if n < len(free):
                        how = ["--link", str(free[n])]
                    else:
                        how = ["--create"] if n == len(free) else ["--ignore"]
                else:
                    how = ["--all", "a" if n == 0 else "b"]
                todo.append((c.id, how))
        for cid, how in todo:
            out = cli(self.env, "conflicts", "resolve", str(cid), *how, "-p", PROFILE)
            if out.returncode == 0:
                self.remember([cid])

    # -- the loop ---------------------------------------------------------------------------

    def killed_run(self, n: int) -> None:
        """One sync, killed at a seeded moment (unless it ends first)."""
        proc = SyncProcess(self.env)
        self.figures.runs += 1
        deadline = time.monotonic() + 120
        if self.rng.random() < 0.6:
            proc.wait_for(1 + self.rng.randint(0, 6), deadline)
            time.sleep(self.rng.uniform(0, 0.03))
        else:
            end = time.monotonic() + self.rng.uniform(0.3, 4.0)
            while time.monotonic() < end and proc.proc.poll() is None:
                time.sleep(0.01)
        mid_push = proc.pushing > 0 and proc.phases["end"] == 0
        if proc.kill():
            proc.finish()
            self.figures.kills += 1
            self.figures.kills_mid_push += mid_push
            self.log(f"kill {n}: killed" + (" mid-push" if mid_push else ""), proc.phases)
        else:
            code = proc.finish()
            self.figures.exits.append(code)
            self.log(f"kill {n}: the run ended first, exit {code}")
        self.check(f"after kill {n}")

    def run(self) -> Figures:
        started = time.monotonic()
        with served(self.root, self.figures.scenario, self.figures.seed, self.figures.size) as (
            env,
            _info,
        ):
            self.env = env
            self.allowed = baseline(self.books())
            n = 0
            while self.figures.kills < self.kills_wanted and n < self.kills_wanted * 6:
                n += 1
                self.killed_run(n)
                if self.rng.random() < 0.5:
                    self.resolve_all("a")
            self.converge()
        self.figures.seconds = time.monotonic() - started
        return self.figures

    def converge(self) -> None:
        tries: Counter[tuple[str, ...]] = Counter()
        for attempt in range(1, self.converge_runs + 1):
            self.decide_everything(tries)
            proc = SyncProcess(self.env)
            self.figures.runs += 1
            code = proc.finish()
            self.figures.exits.append(code)
            self.log(f"converge {attempt}: exit {code}")
            self.check(f"converge run {attempt}")
            if code == 0:
                self.figures.runs_to_converge = attempt
                break
        if self.figures.runs_to_converge is None:
            return
        check = cli(self.env, "verify", "-p", PROFILE)
        self.figures.verify_exit = check.returncode
        books = self.books()
        with self.store() as store:
            profile = store.get_profile(PROFILE)
            self.figures.disagreements = disagreements(
                store, profile.id, books.a, books.b, books.synced
            )
        quiet = cli(self.env, "sync", "-p", PROFILE, "--json")
        self.figures.runs += 1
        self.figures.exits.append(quiet.returncode)
        self.figures.quiet_pushed = json.loads(quiet.stdout)["counts"]["pushed"]

"""The rate budget of a company, shared by every recontui process on this machine.

A cron `recontui sync` and the console on the same company are two processes; each has
its own :class:`~.http.RateGovernor`, and alone each keeps to QBO's 10 in flight and 500
per minute, or BILL's 3 in flight. Together they would not. So each governor also takes
its turn from a :class:`RateLedger`: one small JSON file per company (system, API
address, company id), read and rewritten under an ``fcntl`` lock, that holds

- ``owners``: per process, how many of its requests are in flight now;
- ``ends``: when recently finished requests stop counting against the window (each is
  counted from its start until ``window`` seconds after its end, as in the governor),
  rounded up to 1/256 of the window so the file stays small;
- ``paused``: until when a server's throttle (a 429) holds every request;
- ``waiting``: the processes kept waiting by the others (for fair shares, below).

A process is alive while it holds the lock on its own ``owner-<id>.lock`` file (the
kernel lets go of it when the process dies, however it dies, and the id is random, so a
reused pid cannot pass for it): the slots of a dead owner become ends at once (its
requests may have reached the server) and stop counting a window later.

The files live in ``$RECONTUI_RATE_DIR``, else ``rate/`` in the user cache directory;
``RECONTUI_RATE_DIR=off`` turns the sharing off. Where the files cannot be used (no
``fcntl``, a read-only or odd file system) the governor keeps to the limits within its
process alone and says so once (``problem``). Nothing here is a secret: keys are hashed.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import math
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import platformdirs

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: each process keeps to the limits alone
    fcntl = None  # type: ignore[assignment]

ENV = "RECONTUI_RATE_DIR"
#: Seconds between two looks at the file while other processes hold the slots.
POLL_SECONDS = 0.02
#: How long a release waits for the file's lock before it owes the release (paid at the
#: next turn of this process, or by its death).
RELEASE_PATIENCE = 0.05
#: Ledger files nobody touched for this long are removed (no window is that long).
STALE_FILE_SECONDS = 2 * 86400.0
#: The resolution of ``ends``: this many steps per window.
STEPS_PER_WINDOW = 256
#: How long a look at another owner's lock is trusted.
ALIVE_CHECK_SECONDS = 0.5
#: A process that asked for a slot within this many seconds still wants one (it polls
#: every ``POLL_SECONDS``, or sooner).
WAITING_SECONDS = 1.0


def rate_dir(env: dict[str, str] | None = None) -> Path | None:
    """Where the ledgers live; None when sharing is off (``RECONTUI_RATE_DIR=off``)."""
    value = (os.environ if env is None else env).get(ENV, "").strip()
    if value.lower() in ("off", "none", "0"):
        return None
    if value:
        return Path(value).expanduser()
    return Path(platformdirs.user_cache_dir("recontui", appauthor=False)) / "rate"


class LedgerUnusable(Exception):
    """The directory or its files cannot be used; the message says why."""


class Owner:
    """This process, as the ledgers of one directory know it: a random id, alive while
    the process holds the lock on ``owner-<id>.lock``; and the lock every ledger file of
    the directory is read and written under (``ledger.lock``)."""

    def __init__(self, directory: Path) -> None:
        if fcntl is None:
            raise LedgerUnusable("this system has no fcntl file locks")
        self.directory = directory
        self.pid = os.getpid()
        self.id = uuid.uuid4().hex
        try:
            directory.mkdir(mode=0o700, parents=True, exist_ok=True)
            self.path = directory / f"owner-{self.id}.lock"
            self._alive_fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            fcntl.flock(self._alive_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            self._lock_fd = os.open(
                directory / "ledger.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600
            )
        except OSError as exc:
            raise LedgerUnusable(f"{directory}: {exc.strerror or exc}") from None
        self.thread_lock = threading.Lock()
        atexit.register(self.close)

    @contextlib.contextmanager
    def locked(self, patience: float = 0.0) -> Iterator[bool]:
        """Hold the directory's lock (True), or answer False when another process holds it
        longer than ``patience`` seconds (its critical sections last microseconds)."""
        assert fcntl is not None
        with self.thread_lock:
            give_up = time.monotonic() + patience
            while True:
                try:
                    fcntl.flock(self._lock_fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= give_up:
                        yield False
                        return
                    time.sleep(0.0005)
            try:
                yield True
            finally:
                fcntl.flock(self._lock_fd, fcntl.LOCK_UN)

    def is_alive(self, owner_id: str) -> bool:
        """Whether the process ``owner_id`` stands for still runs (it holds its lock)."""
        assert fcntl is not None
        if owner_id == self.id:
            return True
        path = self.directory / f"owner-{owner_id}.lock"
        try:
            fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
        except FileNotFoundError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)  # lets go of the lock if we took it
        with contextlib.suppress(OSError):
            path.unlink()
        return False

    def sweep(self, now: float) -> None:
        """Remove ledger files nobody used for days (their companies are long quiet) and
        the lock files of dead processes."""
        with self.locked(RELEASE_PATIENCE) as got, contextlib.suppress(OSError):
            if not got:
                return
            for path in self.directory.glob("*.json"):
                if now - path.stat().st_mtime > STALE_FILE_SECONDS:
                    path.unlink()
            for path in self.directory.glob("owner-*.lock"):
                self.is_alive(path.stem.removeprefix("owner-"))

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.path.unlink()
        for fd in (self._alive_fd, self._lock_fd):
            with contextlib.suppress(OSError):
                os.close(fd)


_OWNERS_LOCK = threading.Lock()
_OWNERS: dict[Path, Owner] = {}


def owner_for(directory: Path) -> Owner:
    """This process's :class:`Owner` in ``directory`` (a new one after a fork)."""
    with _OWNERS_LOCK:
        owner = _OWNERS.get(directory)
        if owner is None or owner.pid != os.getpid():
            owner = _OWNERS[directory] = Owner(directory)
            owner.sweep(time.time())
        return owner


@dataclass
class _Book:
    """What one ledger file holds (see the module's docstring)."""

    #: Per live process: its requests in flight now.
    owners: dict[str, int] = field(default_factory=dict)
    #: [when it stops counting, how many] of the requests that ended (or died).
    ends: list[list[float]] = field(default_factory=list)
    #: Until when a server's throttle holds every request.
    paused: float = 0.0
    #: Per process kept waiting by the others: when it last asked (fair shares).
    waiting: dict[str, float] = field(default_factory=dict)

    def to_json(self) -> str:
        merged: dict[float, int] = {}
        for t, n in self.ends:
            merged[t] = merged.get(t, 0) + int(n)
        return json.dumps(
            {
                "owners": {k: v for k, v in self.owners.items() if v > 0},
                "ends": sorted([t, n] for t, n in merged.items()),
                "paused": self.paused,
                "waiting": self.waiting,
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: bytes, now: float) -> _Book:
        """The file's content, without what no longer counts; {} for a torn file (the
        next writes restore it)."""
        try:
            # A write cut short by a kill leaves the old tail after the new content.
            data, _ = json.JSONDecoder().raw_decode(raw.decode())
            return cls(
                owners={str(k): int(v) for k, v in dict(data.get("owners") or {}).items() if v},
                ends=[[float(t), int(n)] for t, n in data.get("ends") or [] if float(t) > now],
                paused=float(data.get("paused") or 0.0),
                waiting={
                    str(k): float(v)
                    for k, v in dict(data.get("waiting") or {}).items()
                    if now - float(v) < WAITING_SECONDS
                },
            )
        except (ValueError, TypeError, AttributeError, UnicodeDecodeError):
            return cls()


class RateLedger:
    """One company's share of the machine: see the module's docstring.

    ``try_take`` and ``give_back`` are what a :class:`~.http.RateGovernor` calls around
    each request once its own (in-process) limits let it go; ``pause`` spreads a
    server's throttle. Any failure of the file system makes the ledger ``problem``
    (a sentence) and every later call a no-op: the governor then paces its process alone.

    Shares are fair: while another process waits for a slot, one that holds its share of
    the in-flight cap (the cap divided by the processes that want slots) takes no more,
    so a console's request is not kept waiting behind a whole cron pull.
    """

    def __init__(
        self,
        directory: Path,
        key: tuple[str, ...],
        *,
        owner: Owner | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.problem: str | None = None
        self._clock = clock
        digest = hashlib.sha256("\x1f".join(key).encode()).hexdigest()[:32]
        self.path = directory / f"{digest}.json"
        self._owner: Owner | None = None
        try:
            self._owner = owner or owner_for(directory)
        except LedgerUnusable as exc:
            self.problem = str(exc)
        #: Slots this ledger took and has not given back, and releases it owes the file.
        self._held = 0
        self._owed: list[float] = []
        self._alive: dict[str, tuple[bool, float]] = {}

    @property
    def usable(self) -> bool:
        return self.problem is None and self._owner is not None

    # -- the file ------------------------------------------------------------------------

    def _open_book(self, now: float, window: float) -> tuple[_Book, bool]:
        """The file's book with dead owners' slots turned into ends and this ledger's owed
        releases paid; True when that changed it. Called with the directory locked."""
        assert self._owner is not None
        try:
            with open(self.path, "rb") as file:
                book = _Book.from_json(file.read(), now)
        except FileNotFoundError:
            book = _Book()
        mine = self._owner.id
        changed = bool(self._owed)
        for owner_id in [o for o in book.owners if o != mine]:
            if not self._is_alive(owner_id, now):
                # Its requests may have reached the server: they count a window more.
                book.ends.append([self._step(now + window, window), book.owners.pop(owner_id)])
                book.waiting.pop(owner_id, None)
                changed = True
        for end in self._owed:
            book.owners[mine] = max(0, book.owners.get(mine, 0) - 1)
            book.ends.append([end, 1])
        self._owed.clear()
        return book, changed

    def _save(self, book: _Book) -> None:
        """Rewrite the file in place (under the directory's lock; a rename costs ten times
        more, and a tail left by a kill mid-write is ignored by the reader)."""
        content = book.to_json().encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o600)
        try:
            os.pwrite(fd, content, 0)
            os.ftruncate(fd, len(content))
        finally:
            os.close(fd)

    def _is_alive(self, owner_id: str, now: float) -> bool:
        assert self._owner is not None
        seen = self._alive.get(owner_id)
        if seen is not None and seen[0] and now - seen[1] < ALIVE_CHECK_SECONDS:
            return True
        alive = self._owner.is_alive(owner_id)
        self._alive[owner_id] = (alive, now)
        return alive

    @staticmethod
    def _step(moment: float, window: float) -> float:
        """``moment`` rounded up to the ledger's resolution (never counts a request less)."""
        step = max(window / STEPS_PER_WINDOW, 0.001)
        return math.ceil(moment / step) * step

    def _fail(self, exc: OSError) -> None:
        self.problem = f"{self.path.parent}: {exc.strerror or exc}"

    # -- what the governor calls ---------------------------------------------------------

    def try_take(self, *, max_in_flight: int | None, budget: int | None, window: float) -> float:
        """0 when this process may send a request now (its slot is taken); else seconds
        to wait before asking again. A ledger that fails answers 0 from then on."""
        if not self.usable:
            return 0.0
        assert self._owner is not None
        mine = self._owner.id
        try:
            with self._owner.locked() as got:
                if not got:
                    return POLL_SECONDS
                now = self._clock()
                book, changed = self._open_book(now, window)
                wait = _wait_for_slot(book, mine, now, max_in_flight, budget)
                if wait == 0.0:
                    book.owners[mine] = book.owners.get(mine, 0) + 1
                    book.waiting.pop(mine, None)
                    self._held += 1
                    self._save(book)
                elif changed or now - book.waiting.get(mine, 0.0) > WAITING_SECONDS / 4:
                    book.waiting[mine] = now
                    self._save(book)
                return wait
        except OSError as exc:
            self._fail(exc)
            return 0.0

    def give_back(self, window: float) -> None:
        """A request this ledger let through has ended: it counts ``window`` more."""
        if not self.usable or self._held == 0:
            return
        assert self._owner is not None
        self._held -= 1
        now = self._clock()
        self._owed.append(self._step(now + window, window))
        try:
            with self._owner.locked(RELEASE_PATIENCE) as got:
                if got:
                    self._save(self._open_book(now, window)[0])
        except OSError as exc:
            self._fail(exc)

    def pause(self, seconds: float, window: float) -> None:
        """Hold every request to this company, in every process, for ``seconds``."""
        if not self.usable or seconds <= 0:
            return
        assert self._owner is not None
        try:
            with self._owner.locked(RELEASE_PATIENCE) as got:
                if got:
                    now = self._clock()
                    book = self._open_book(now, window)[0]
                    book.paused = max(book.paused, now + seconds)
                    self._save(book)
        except OSError as exc:
            self._fail(exc)

    def in_flight(self, window: float) -> int:
        """Requests in flight to this company from every live process (for tests)."""
        if not self.usable:
            return 0
        assert self._owner is not None
        with self._owner.locked(1.0):
            book = self._open_book(self._clock(), window)[0]
        return sum(book.owners.values())


def _wait_for_slot(
    book: _Book, mine: str, now: float, max_in_flight: int | None, budget: int | None
) -> float:
    """0 when one more request of ``mine`` fits; else seconds until one may
    (``POLL_SECONDS`` when that hangs on requests still in flight)."""
    in_flight = sum(book.owners.values())
    if max_in_flight is not None:
        if in_flight >= max_in_flight:
            return POLL_SECONDS
        wanting = len({*book.waiting, mine})
        if wanting > 1 and book.owners.get(mine, 0) >= math.ceil(max_in_flight / wanting):
            return POLL_SECONDS  # others wait, and this process holds its share
    pause = book.paused - now
    if budget is None:
        return max(0.0, pause)
    ended = sum(n for _, n in book.ends)
    over = in_flight + ended - budget
    if over < 0:
        return max(0.0, pause)
    if over >= ended:
        return POLL_SECONDS
    counted = 0
    for end, n in sorted(book.ends):  # the (over+1)-th end to come frees the slot
        counted += int(n)
        if counted > over:
            return max(end - now, pause)
    return POLL_SECONDS  # pragma: no cover - counted reaches ended > over

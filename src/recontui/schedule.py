"""When the next scheduled run is due: a schedule is text a person types and reads.

Forms (case and extra words are forgiven): ``off``; ``every 15 minutes`` / ``every 2 hours``
(also ``every 15m``, ``every 2h``, ``hourly``); ``daily 02:30`` (also ``daily at 2:30``);
``weekdays 18:00`` (Monday to Friday). Clock times are the machine's local time, so a daily
run stays at 02:30 across daylight-saving changes. Cron (or a systemd timer) calls
``recontui sync --all --if-due`` every minute and each profile runs when it is due;
``recontui schedule --cron|--systemd`` prints that line or those units (`cron_text`,
`systemd_text`); the console, while open, starts due runs itself.
"""

from __future__ import annotations

import datetime as dt
import re
import shlex
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

Kind = Literal["off", "every", "daily", "weekdays"]

#: The shortest interval: cron itself ticks once a minute.
MIN_INTERVAL = dt.timedelta(minutes=5)


class ScheduleError(ValueError):
    """Text that is not a schedule; the message shows the forms that are."""


@dataclass(frozen=True)
class Schedule:
    kind: Kind
    interval: dt.timedelta | None = None
    at: dt.time | None = None

    def __str__(self) -> str:
        if self.kind == "off":
            return "off"
        if self.kind == "every":
            assert self.interval is not None
            minutes = int(self.interval.total_seconds() // 60)
            if minutes % 60 == 0:
                hours = minutes // 60
                return "hourly" if hours == 1 else f"every {hours} hours"
            return f"every {minutes} minutes"
        assert self.at is not None
        return f"{self.kind} {self.at.strftime('%H:%M')}"


OFF = Schedule("off")

_EVERY = re.compile(
    r"^every\s+(\d+)\s*(m|min|mins|minute|minutes|h|hr|hrs|hour|hours)$", re.IGNORECASE
)
_AT = re.compile(r"^(daily|weekdays)\s+(?:at\s+)?(\d{1,2}):(\d{2})$", re.IGNORECASE)

FORMS = "off, every 30 minutes, every 2 hours, hourly, daily 02:30 or weekdays 18:00"


def parse_schedule(text: str | None) -> Schedule:
    words = " ".join(str(text or "").split()).lower()
    if words in ("", "off", "none", "never", "manual"):
        return OFF
    if words == "hourly":
        return Schedule("every", interval=dt.timedelta(hours=1))
    match = _EVERY.match(words)
    if match:
        n, unit = int(match.group(1)), match.group(2)
        interval = dt.timedelta(hours=n) if unit.startswith("h") else dt.timedelta(minutes=n)
        if interval < MIN_INTERVAL:
            raise ScheduleError(f"{text!r} is too often: the shortest interval is 5 minutes.")
        return Schedule("every", interval=interval)
    match = _AT.match(words)
    if match:
        hour, minute = int(match.group(2)), int(match.group(3))
        if hour > 23 or minute > 59:
            raise ScheduleError(f"{text!r}: the time must be from 00:00 to 23:59.")
        return Schedule(match.group(1), at=dt.time(hour, minute))  # type: ignore[arg-type]
    raise ScheduleError(f"{text!r} is not a schedule; write one of: {FORMS}.")


def _local_at(day: dt.date, at: dt.time) -> dt.datetime:
    """``at`` o'clock local time on ``day``, as an aware UTC datetime."""
    naive = dt.datetime.combine(day, at)
    return naive.astimezone().astimezone(dt.UTC)  # naive -> local through the OS's rules


def next_run(
    schedule: Schedule, last_started: dt.datetime | None, now: dt.datetime
) -> dt.datetime | None:
    """When the next run is due (UTC); ``now`` or earlier means due; None when off.

    A run of any kind (from cron, the console or by hand) counts: an interval starts
    again from the latest run, and a clock time is due once after each run before it.
    """
    if schedule.kind == "off":
        return None
    if last_started is None:
        return now
    if schedule.kind == "every":
        assert schedule.interval is not None
        return last_started + schedule.interval
    assert schedule.at is not None
    day = last_started.astimezone().date()
    for _ in range(8):
        candidate = _local_at(day, schedule.at)
        if candidate > last_started and (
            schedule.kind == "daily" or candidate.astimezone().weekday() < 5
        ):
            return candidate
        day += dt.timedelta(days=1)
    raise AssertionError("a weekday comes within eight days")  # pragma: no cover


def is_due(schedule: Schedule, last_started: dt.datetime | None, now: dt.datetime) -> bool:
    return reached(next_run(schedule, last_started, now), now)


def reached(due: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a run due at ``due`` (None: never, the schedule is off) starts at ``now``."""
    return due is not None and due <= now


# -- calling it from cron or a systemd timer ---------------------------------------------

#: How often cron or the systemd timer calls `recontui sync --all --if-due`. Every minute:
#: a run then starts at most a minute after it is due (a tick every 5 minutes would turn
#: "every 5 minutes" into every 10, since each run restarts the interval). `--if-due`
#: decides, silently, whether anything runs; a tick that is not due costs a database read.
TICK = dt.timedelta(minutes=1)
#: A run due this soon counts as due on a tick, so an interval does not slip by a tick each
#: run (the run before started a few hundred milliseconds after its tick).
EARLY = dt.timedelta(seconds=30)


def due_on_tick(due: dt.datetime | None, now: dt.datetime) -> bool:
    """Whether a run due at ``due`` starts on a tick at ``now`` (cron, the console's timer)."""
    return reached(due, now + EARLY)


def _cron_quote(word: str) -> str:
    """A word for crontab's shell: quoted for /bin/sh, ``%`` escaped (cron ends a line there)."""
    return shlex.quote(word).replace("%", "\\%")


def _unit_quote(word: str) -> str:
    """A word of a systemd ``ExecStart=``: double-quoted when needed, specifiers escaped."""
    word = word.replace("%", "%%").replace("$", "$$")
    if word and not any(ch.isspace() or ch in "\"'\\;" for ch in word):
        return word
    return '"' + word.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sync_all_command(executable: Sequence[str], db: Path) -> list[str]:
    """The command cron and systemd run: every profile that is due, on this database."""
    return [*executable, "--db", str(db), "sync", "--all", "--if-due"]


def cron_text(command: Sequence[str], log: Path, env_file: Path) -> str:
    """Comments saying how to install it, then one crontab line (every minute)."""
    cmd = " ".join(_cron_quote(w) for w in command)
    env = _cron_quote(str(env_file))
    return (
        "# recontui: every minute, sync each profile whose schedule (Preferences) says a run\n"
        "# is due; a minute that is not due prints nothing.\n"
        "# Install: run `crontab -e` and add the last line of this text. Create the log's\n"
        f"# directory first: mkdir -p {shlex.quote(str(log.parent))}\n"
        "# Secrets: if recontui keeps them in an encrypted file, create (chmod 600)\n"
        f"# {env_file} with one line RECONTUI_PASSPHRASE='...' yourself;\n"
        "# recontui never prints the passphrase. Without that file the line runs as it is.\n"
        f"* * * * * set -a; [ -r {env} ] && . {env}; set +a; "
        f"{cmd} >> {_cron_quote(str(log))} 2>&1\n"
    )


def systemd_text(command: Sequence[str], env_file: Path, unit_dir: Path) -> str:
    """A user service and timer pair (``systemctl --user``), and how to install them."""
    exec_start = " ".join(_unit_quote(w) for w in command)
    return (
        "# recontui: a user service and a timer that, every minute, sync each profile whose\n"
        "# schedule (Preferences) says a run is due. Install (nothing runs as root):\n"
        f"#   mkdir -p {shlex.quote(str(unit_dir))}\n"
        "#   save each file below (between its markers) under that directory, then\n"
        "#   systemctl --user daemon-reload\n"
        "#   systemctl --user enable --now recontui-sync.timer\n"
        '#   loginctl enable-linger "$USER"   # to sync while you are logged out too\n'
        "# Its log: journalctl --user -u recontui-sync.service\n"
        "\n"
        "# ---- recontui-sync.service ----\n"
        "[Unit]\n"
        "Description=recontui: sync every profile that is due\n"
        "\n"
        "[Service]\n"
        "Type=oneshot\n"
        "# RECONTUI_PASSPHRASE is a secret: if recontui keeps secrets in an encrypted file,\n"
        "# create this file yourself (chmod 600) with one line RECONTUI_PASSPHRASE='...'.\n"
        "# recontui never prints it; the leading - lets the service run without the file.\n"
        f"EnvironmentFile=-{_unit_quote(str(env_file))}\n"
        f"ExecStart={exec_start}\n"
        "\n"
        "# ---- recontui-sync.timer ----\n"
        "[Unit]\n"
        "Description=recontui: look every minute for a profile whose sync is due\n"
        "\n"
        "[Timer]\n"
        "OnCalendar=*-*-* *:*:00\n"
        "AccuracySec=5s\n"
        "\n"
        "[Install]\n"
        "WantedBy=timers.target\n"
    )

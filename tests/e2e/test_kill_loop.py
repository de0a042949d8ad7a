"""kill -9 at random moments of real `recontui sync` processes, some mid-push, loses nothing.

Real processes over loopback (see ``tests/helpers/kill_loop.py``): the conflicts company
is synced by `recontui sync` processes that are SIGKILLed at seeded random moments, with
`conflicts resolve-all --side a` in between. After every run the database is sound, no
record is duplicated on either side and no saved decision is lost; once the kills stop,
runs reach exit 0 within a few runs, `recontui verify` agrees, a full read of both systems
finds no disagreement, and one more run has nothing to push. `bench/kill_loop.py` runs the
same loop with more kills on a bigger company.
"""

from __future__ import annotations

from pathlib import Path

from kill_loop import KillLoop


def test_sigkill_at_random_moments_loses_nothing_and_the_runs_converge(tmp_path: Path) -> None:
    loop = KillLoop(tmp_path, scenario="conflicts", seed=11, kills=4, log=print)
    figures = loop.run()
    print("\n".join(figures.lines()))
    assert figures.kills == 4, figures.lines()
    assert figures.kills_mid_push >= 1, "no kill landed in a push phase: " + str(figures.lines())
    assert figures.unsound == []
    assert figures.duplicates == []
    assert figures.lost == []
    assert figures.runs_to_converge is not None, figures.lines()
    assert figures.verify_exit == 0, figures.lines()
    assert figures.disagreements == []
    assert figures.quiet_pushed == 0
    assert figures.exits[-1] == 0

"""Bench: kill -9 at random moments of real `recontui sync` processes, on a bigger company.

    python bench/kill_loop.py [--kills 25] [--size 5000] [--scenario conflicts] [--seed 1]
                              [--converge-runs 8] [--quiet]

The loop of ``tests/e2e/test_kill_loop.py`` (``tests/helpers/kill_loop.py``) with more
kills: `recontui sandbox serve` as its own process, each `recontui sync` SIGKILLed at a
seeded random moment (during its push phase, or after a random delay), `conflicts
resolve-all --side a` between runs, then runs without kills until exit 0. After every
run it checks the database (``PRAGMA integrity_check``), reads both systems in full for
duplicated natural keys, and checks that no saved decision was lost; at the end
`recontui verify` and a full comparison. Prints: kills (mid-push), the exit codes of
the runs that ended on their own, runs to converge, duplicates, lost decisions,
integrity problems, verify's exit code and what a quiet run pushed.

Exit status 0 when every check held, 1 otherwise.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "helpers"))

from kill_loop import KillLoop


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--kills", type=int, default=25)
    parser.add_argument("--size", type=int, default=5000, help="records per side (0: as seeded)")
    parser.add_argument("--scenario", default="conflicts", choices=("demo", "conflicts"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--converge-runs", type=int, default=8)
    parser.add_argument("--quiet", action="store_true", help="no line per run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="recontui-kill-loop-") as tmp:
        loop = KillLoop(
            Path(tmp),
            scenario=args.scenario,
            seed=args.seed,
            size=args.size or None,
            kills=args.kills,
            converge_runs=args.converge_runs,
            log=None if args.quiet else print,
        )
        figures = loop.run()
    print()
    for line in figures.lines():
        print(line)
    for label, problems in (
        ("duplicate", figures.duplicates),
        ("lost decision", figures.lost),
        ("integrity", figures.unsound),
        ("disagreement", figures.disagreements),
    ):
        for problem in problems[:10]:
            print(f"  {label}: {problem}")
    ok = (
        not (figures.duplicates or figures.lost or figures.unsound or figures.disagreements)
        and figures.runs_to_converge is not None
        and figures.verify_exit == 0
        and figures.quiet_pushed == 0
    )
    print("OK" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

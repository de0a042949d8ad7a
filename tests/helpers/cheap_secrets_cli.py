"""`recontui` as a subprocess that writes new secrets files at the suite's scrypt cost.

tests/conftest.py lowers the cost of new encrypted secrets files in the test process
(``TEST_SCRYPT_N``: 2**10 instead of 2**15). The cost is kept in each file's header and
every later write keeps it, so a file that a test's stand-in server writes this way opens
in a millisecond, instead of a tenth of a second, in each `recontui` process and read that
follows. Only for the process that creates the file (`recontui sandbox serve --profile`);
the commands under test run as `python -m recontui.cli`, unchanged.
"""

from __future__ import annotations

import sys

#: The same cost as tests/conftest.py ``TEST_SCRYPT_N``.
TEST_SCRYPT_N = 2**10

_PRELUDE = (
    "import sys\n"
    "import recontui.secrets\n"
    f"recontui.secrets._SCRYPT_N = {TEST_SCRYPT_N}\n"
    "from recontui.cli import main\n"
    "sys.exit(main(sys.argv[1:]))\n"
)


def recontui_writing_cheap_secrets(*args: str) -> list[str]:
    """The command line of `recontui ARGS` whose new secrets files use the suite's cost."""
    return [sys.executable, "-c", _PRELUDE, *args]

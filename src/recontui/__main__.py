"""`python -m recontui`: the same program as the `recontui` script, exit code included."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m metrology.testing.fuzz``: run the fuzzer (or, with ``--worker``, one worker)."""

import sys

from metrology.testing.fuzz.report import main

if __name__ == "__main__":
    sys.exit(main())

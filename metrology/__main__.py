"""``python -m metrology``: the same as the ``metrology`` command."""

import sys

from .cli import main

if __name__ == "__main__":
    sys.exit(main())

"""``python -m corridor_geo.cli``: the same as the ``corridor-geo`` command."""

import sys

from . import main

if __name__ == "__main__":
    sys.exit(main())

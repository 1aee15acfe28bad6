"""``python -m sslbio``: see ``sslbio._cli`` for the commands."""

import sys

from ._cli import main

sys.exit(main())

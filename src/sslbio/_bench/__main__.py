"""``python -m sslbio._bench [options]``: the bench without the sslbio CLI."""

import sys

from . import main

sys.exit(main())

"""``python3 -m benchmarks [options]`` from the repository root."""

import sys

from . import main

sys.exit(main())

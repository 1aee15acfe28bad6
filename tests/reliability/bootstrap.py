"""Make ``reliability`` and ``engine_cases`` importable when a script of
this directory is run by path (``python tests/reliability/leakcheck.py``):
Python then puts only the script's own directory on ``sys.path``."""

import os
import sys

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if TESTS not in sys.path:
    sys.path.insert(0, TESTS)

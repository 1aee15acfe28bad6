"""Reliability tooling run by tests/test_leaks.py, test_threads.py and
test_security_matrix.py, and usable by hand: each ``*check.py`` module is
also a command-line script (``python tests/reliability/leakcheck.py -h``).

Everything here is 2/3-compatible: the same script measures sslbio on
Python 2.7 and the standard library on Python 3, which is how the figures
are compared.
"""

import os
import sys

from support import subproc

HERE = os.path.dirname(os.path.abspath(__file__))


def run_script(name, args, executable=None, timeout=600, env=None):
    """Run ``tests/reliability/<name>`` with ``args`` under ``executable``
    (this interpreter by default; another one gets the checkout's src), to
    its end or its deadline: a ``support.subproc.Result``."""
    executable = executable or sys.executable
    argv = [executable, os.path.join(HERE, name)] + list(args)
    return subproc.run(argv, timeout, env=subproc.python_env(executable, env))

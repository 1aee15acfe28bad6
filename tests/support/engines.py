"""Which sslbio engines serve an interpreter: the one place that asks.

On Python 2.7 each engine sslbio knows is forced in turn (``SSLBIO_ENGINE``)
in a child interpreter, and those that serve are kept; on Python 3 the
standard library serves ("stdlib": nothing to force).  Tests that must hold
under every engine run their code once per name, with ``forced(name)`` in
the child's environment.
"""

import sys

from . import subproc

STDLIB = "stdlib"
_PROBE = ("import json, sslbio\n"
          "from sslbio._engines import NAMES\n"
          "print(json.dumps([sslbio.ENGINE, list(NAMES)]))\n")
_found = {}


def forced(engine):
    """The environment entries that make a child use ``engine``."""
    return {} if engine == STDLIB else {"SSLBIO_ENGINE": engine}


def _ask(interpreter, engine):
    result = subproc.run([interpreter, "-c", _PROBE], timeout=120,
                         env=subproc.python_env(interpreter, forced(engine)))
    assert result.returncode == 0, result.describe()
    return result.json()


def serving(interpreter=None):
    """Names of the engines that serve ``interpreter`` (default: this one),
    in the order sslbio tries them; ``["stdlib"]`` on Python 3."""
    interpreter = interpreter or sys.executable
    if interpreter not in _found:
        chosen, names = _ask(interpreter, STDLIB)
        if chosen == STDLIB:
            _found[interpreter] = [STDLIB]
        else:
            _found[interpreter] = [name for name in names
                                   if _ask(interpreter, name)[0] == name]
    return _found[interpreter]

"""Registry of conformance scenarios.

A scenario is a function taking a ``Recorder``; it drives ``ssl``/``sslbio``
objects in memory and records what it observes.  Scenarios are written once,
in Python that runs on 2.7 and 3.x alike, and never record anything that
changes from run to run (times, random ids, serials are recorded as types,
lengths or comparisons).

Tags:
  ``py313``      2.7 must match Python 3.13 rather than 3.11 (3.13 changed
                 something and we follow it).
  ``py311``      compared with 3.11 or later only: the scenario checks
                 surface older Python 3 lacks or shows otherwise (3.10's
                 context defaults, 3.11's enum reprs), so an older
                 reference (bullseye's 3.9) has nothing to say about it.
  ``deviation``  sslbio deliberately differs from 3.x; the scenario's
                 ``deviation`` says where, and what 2.7 must show there.
  ``tls13``      about TLS 1.3 itself: skipped on an OpenSSL without it
                 (1.0.2, 1.1.0), which neither line can speak there.
"""

from __future__ import print_function

import collections

Scenario = collections.namedtuple("Scenario", "name func tags deviation")

REGISTRY = collections.OrderedDict()


def scenario(name, tags=(), deviation=None):
    """Register the decorated function as scenario ``name``.

    ``deviation`` is ``(label, exception class name)``: on 2.7 the first
    observation with that label must raise that class, and every
    observation before it must match the reference.
    """
    def register(func):
        if name in REGISTRY:
            raise ValueError("duplicate scenario name %r" % name)
        REGISTRY[name] = Scenario(name, func, tuple(tags), deviation)
        return func
    return register


def load():
    """Import every scenario module (they register on import); return the
    registry."""
    from conformance import sc_bio  # noqa: F401
    from conformance import sc_wrap  # noqa: F401
    from conformance import sc_object  # noqa: F401
    from conformance import sc_io  # noqa: F401
    from conformance import sc_shutdown  # noqa: F401
    from conformance import sc_errors  # noqa: F401
    from conformance import sc_verify  # noqa: F401
    from conformance import sc_session  # noqa: F401
    from conformance import sc_alpn  # noqa: F401
    from conformance import sc_sni  # noqa: F401
    from conformance import sc_context  # noqa: F401
    return REGISTRY

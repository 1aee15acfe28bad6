"""Engine choice on Python 2.7, or a clear refusal.

``SSLBIO_ENGINE=ctypes|pypy|portable`` (in any case, spaces around it
ignored) forces one engine; otherwise the engines of ``_engines.NAMES`` are
tried in that order, fastest first, and the first that imports serves.
``ENGINE_REASONS`` keeps, for each engine tried and refused, why (``python
-m sslbio check`` shows them).

Importing this module never fails.  When no engine can serve, ``ENGINE`` is
``"unavailable"``, ``UNAVAILABLE_REASON`` says why, and creating a
``MemoryBIO`` or an ``SSLObject`` raises ``EngineUnavailableError`` with
that reason.
"""

import importlib
import os

from ._engines import NAMES  # noqa: F401 (the order, for _cli)
from ._engines.limits import NO_LIMITS
from ._errors import SSLCertVerificationError

__all__ = ["ENGINE", "ENGINE_RECORD", "ENGINE_REASONS", "UNAVAILABLE_REASON",
           "ENGINE_LIMITS", "ENGINE_LIMITATIONS", "EngineUnavailableError",
           "MemoryBIO", "SSLObject", "SSLSession", "SSLContext",
           "SSLCertVerificationError", "wrap_bio", "describe",
           "CONTEXT_FEATURES", "CONTEXT_SURFACE", "RAND_NAMES"]

FORCE_VARIABLE = "SSLBIO_ENGINE"


class EngineUnavailableError(RuntimeError):
    """sslbio cannot provide the in-memory TLS API on this interpreter."""


def _try(name):
    """(the engine's record, None) or (None, why it cannot serve)."""
    try:
        # Any failure, a missing module included, means "cannot serve":
        # importing sslbio must never fail.
        module = importlib.import_module("._engines." + name, __package__)
        return module.ENGINE, None
    except Exception as exc:
        return None, "%s: %s" % (type(exc).__name__, exc)


def _choose():
    """(engine record or None, {name: reason refused}, reason if none)."""
    reasons = {}
    # As a person types it: " Portable" and "CTYPES" name engines too.
    forced = os.environ.get(FORCE_VARIABLE, "").strip().lower()
    if forced:
        if forced not in NAMES:
            why = ("%s=%s names no engine (known: %s)"
                   % (FORCE_VARIABLE, forced, ", ".join(NAMES)))
            return None, {forced: why}, why
        module, why = _try(forced)
        if module is None:
            reasons[forced] = why
            why = "%s=%s: %s" % (FORCE_VARIABLE, forced, why)
        return module, reasons, why
    for name in NAMES:
        module, why = _try(name)
        if module is not None:
            return module, reasons, None
        reasons[name] = why
    return None, reasons, "; ".join("%s engine: %s" % (name, reasons[name])
                                    for name in NAMES)


ENGINE_RECORD, ENGINE_REASONS, UNAVAILABLE_REASON = _choose()

if ENGINE_RECORD is not None:
    ENGINE = ENGINE_RECORD.name
    MemoryBIO = ENGINE_RECORD.memory_bio
    SSLObject = ENGINE_RECORD.sslobject
    SSLSession = ENGINE_RECORD.session
    describe = ENGINE_RECORD.details
    # As data and as sentences (see _engines.limits); none for ctypes.
    ENGINE_LIMITS = ENGINE_RECORD.limits
    _backend = ENGINE_RECORD.context_backend
    _rand_source = ENGINE_RECORD.rand
else:
    ENGINE = "unavailable"

    class _Unavailable(object):
        """Unavailable on this interpreter; see ``sslbio.UNAVAILABLE_REASON``."""

        def __init__(self, *args, **kwargs):
            raise EngineUnavailableError(
                "sslbio cannot provide in-memory TLS on this interpreter: "
                + UNAVAILABLE_REASON)

        @classmethod
        def _create(cls, *args, **kwargs):  # as wrap_bio() makes an SSLObject
            cls()

    MemoryBIO, SSLObject, SSLSession = [
        type(name, (_Unavailable,), {"__doc__": _Unavailable.__doc__})
        for name in ("MemoryBIO", "SSLObject", "SSLSession")]

    def describe():
        return []

    ENGINE_LIMITS = NO_LIMITS
    _backend = None
    _rand_source = None

ENGINE_LIMITATIONS = ENGINE_LIMITS.lines()

from ._context import context_class  # noqa: E402
from ._context_features import (  # noqa: E402
    ContextSurface, NoContextBackend, native_features)
from . import _rand  # noqa: E402

# Python 3.11's context attributes, served by the engine's backend; with no
# engine, nothing reaches the SSL_CTX and none of them is served.
if _backend is None:
    _backend = NoContextBackend(ENGINE, UNAVAILABLE_REASON)
CONTEXT_SURFACE = ContextSurface(_backend)
SSLContext = context_class(SSLObject, CONTEXT_SURFACE)
# sslbio.wrap_bio(context, ...): SSLContext.wrap_bio() for any ssl.SSLContext.
wrap_bio = SSLContext.__dict__["wrap_bio"]
# Names of _releases.FEATURES served here: by the engine, or by the
# interpreter's own _ssl (PyPy's has some of Python 3's).
CONTEXT_FEATURES = _backend.features | native_features()
# ssl.RAND_bytes() and ssl.RAND_pseudo_bytes(); _rand says from which source.
RAND_NAMES = _rand.module_names(_rand_source or _rand.native_source())

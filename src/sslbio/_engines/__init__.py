"""The engines that serve Python 3's in-memory TLS API on Python 2.7.

An engine is a module (or package) here that, when imported, either raises
``EngineUnavailable`` (any other exception means the same, with its text as
the reason) or defines ``NAME``, its concrete ``MemoryBIO``, ``SSLObject``
and ``SSLSession`` (subclasses of the fronts in ``sslbio._bio``,
``sslbio._sslobject`` and ``sslbio._session``), ``describe()`` and
``LIMITATIONS``.  ``sslbio._engine`` tries them in the order of ``NAMES``:
fastest first.
"""

__all__ = ["EngineUnavailable", "NAMES"]

# The order in which the engines are tried when none is forced.
NAMES = ("ctypes", "pypy", "portable")


class EngineUnavailable(Exception):
    """This engine cannot serve this interpreter; the message says why."""

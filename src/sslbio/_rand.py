"""``ssl.RAND_bytes()`` and ``ssl.RAND_pseudo_bytes()`` as Python 3.11 has
them, for ``inject_into_ssl()``.

2.7's ``ssl`` has ``RAND_status()`` and ``RAND_add()`` but not these two.
They read OpenSSL's random generator through the engine where it reaches
OpenSSL (``rand``: the ctypes engine calls ``RAND_bytes`` itself), else
through the interpreter's own ``_ssl`` (PyPy's, ported from Python 3, has
both).  The portable engine reaches neither; there the bytes come from
``os.urandom()``, the kernel's generator that OpenSSL itself seeds from:
what the functions promise (cryptographically strong bytes, or the pair
saying they are) holds, and no program can tell the sources apart.

Python 3.11 checks the argument as a C ``int`` first, then (for
``RAND_pseudo_bytes``) warns, then refuses a negative count; OpenSSL's
failure is an ``SSLError`` whose arguments are its error code and reason.
"""

import os
import warnings

from ._args import c_int_arg

__all__ = ["native_source", "module_names"]


def _system_source(count, pseudo):
    data = os.urandom(count)
    return (data, True) if pseudo else data


def native_source():
    """The interpreter's own ``_ssl`` functions as a source, or None."""
    import _ssl
    own_bytes = getattr(_ssl, "RAND_bytes", None)
    own_pseudo = getattr(_ssl, "RAND_pseudo_bytes", None)
    if own_bytes is None or own_pseudo is None:
        return None

    def source(count, pseudo):
        return own_pseudo(count) if pseudo else own_bytes(count)
    return source


def _positive(count):
    if count < 0:
        raise ValueError("num must be positive")
    return count


def module_names(source):
    """``[(name, function)]`` for the ``ssl`` module, served by ``source``
    (``source(count, pseudo)``: Python 3's PySSL_RAND() after its argument
    checks; None: the system's generator)."""
    source = source or _system_source

    def RAND_bytes(n):
        """Generate n cryptographically strong pseudo-random bytes."""
        return source(_positive(c_int_arg(n)), False)

    def RAND_pseudo_bytes(n):
        """Generate n pseudo-random bytes.

        Return a pair (bytes, is_cryptographic).  is_cryptographic is True
        if the bytes generated are cryptographically strong.
        """
        n = c_int_arg(n)
        warnings.warn("ssl.RAND_pseudo_bytes() is deprecated",
                      DeprecationWarning, stacklevel=2)
        return source(_positive(n), True)

    return [("RAND_bytes", RAND_bytes), ("RAND_pseudo_bytes", RAND_pseudo_bytes)]

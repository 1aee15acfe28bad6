"""OpenSSL's random generator, for ``ssl.RAND_bytes()`` and
``ssl.RAND_pseudo_bytes()`` (see ``sslbio._rand``)."""

import ctypes
import ssl

from .library import lib

__all__ = ["rand"]


def rand(count, pseudo):
    """Python 3.11's ``PySSL_RAND()`` once ``count`` is checked: ``count``
    bytes from ``RAND_bytes()``, as ``(bytes, is_cryptographic)`` when
    ``pseudo``; OpenSSL's failure as ``SSLError(code, reason)``."""
    buf = ctypes.create_string_buffer(count)
    ok = lib.RAND_bytes(buf, count)
    if ok == 1 or (pseudo and ok == 0):
        return (buf.raw, ok == 1) if pseudo else buf.raw
    code = lib.ERR_get_error()
    raise ssl.SSLError(code, lib.ERR_reason_error_string(code))

"""The OpenSSL behind this interpreter's ``_ssl``, bound by sslbio.

On 2.7 this is the engine's own binding (the ctypes engine's, or the pypy
engine's through cffi); on Python 3 the ctypes engine's ``Binding`` class is
built over the library that the stdlib ``_ssl`` links to, so tests of pure
logic (error names, version and error-code decoding) can run against a real
OpenSSL everywhere.  The ctypes parts load on demand: PyPy refuses them.
"""

import ctypes
import ssl

import sslbio

_cache = []


def binding():
    """A ``Binding`` over the real library, or None where there is none."""
    if _cache:
        return _cache[0]
    lib = None
    if sslbio.ENGINE == "ctypes":
        from sslbio._engines.ctypes import library
        lib = library.lib
    elif sslbio.ENGINE == "pypy":
        from sslbio._engines import pypy
        lib = pypy.openssl
    else:
        from sslbio._engines.ctypes import binding as ctypes_binding
        import _ssl
        path = getattr(_ssl, "__file__", None)
        if path:
            try:
                lib = ctypes_binding.Binding(ctypes_binding.SymbolTable(
                    ctypes.PyDLL(path), ctypes.CDLL(path)))
            except (OSError, ctypes_binding.UnsupportedOpenSSL):
                lib = None
        # OpenSSL 1.1+ loads its error strings with the first SSL_CTX.
        ssl.SSLContext(getattr(ssl, "PROTOCOL_TLS_CLIENT",
                               ssl.PROTOCOL_SSLv23))
    _cache.append(lib)
    return lib


def symbol_table():
    """The raw symbol table (``lookup(name)``) of the real library."""
    from sslbio._engines.ctypes import binding as ctypes_binding
    import _ssl
    path = _ssl.__file__
    return ctypes_binding.SymbolTable(ctypes.PyDLL(path), ctypes.CDLL(path))


def exports(name):
    """Whether the real library exports ``name`` as a function."""
    try:
        symbol_table().lookup(name)
    except KeyError:
        return False
    return True

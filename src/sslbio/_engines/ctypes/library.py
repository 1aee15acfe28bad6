"""The OpenSSL of this interpreter's ``_ssl``, bound once at import.

Importing this module binds the library (``lib``, a ``binding.Binding``),
validates the object layout (``layout``) and makes the one never-connected
socket every connection's native object is built on; it raises when any of
that is impossible, which makes the engine unavailable.
"""

import ctypes

import _socket
import _ssl

from .binding import Binding, SymbolTable
from .layout import Layout

__all__ = ["lib", "layout", "dummy_socket", "SSL_MODULE_FILE",
           "LIBSSL_FILE"]

# None when _ssl is built into the interpreter.
SSL_MODULE_FILE = getattr(_ssl, "__file__", None)

# dlsym on the _ssl module's handle searches the libraries it was linked
# against, so this finds exactly the libssl that _ssl uses; a built-in _ssl
# lives in the interpreter itself.
if SSL_MODULE_FILE:
    _holding = ctypes.PyDLL(SSL_MODULE_FILE)
    _releasing = ctypes.CDLL(SSL_MODULE_FILE)
else:
    _holding = ctypes.pythonapi
    _releasing = ctypes.CDLL(None)

lib = Binding(SymbolTable(_holding, _releasing))
layout = Layout(lib)

# One never-connected socket shared by every object: timeout 0.0 makes _ssl
# treat I/O as non-blocking and never poll the descriptor.
dummy_socket = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
dummy_socket.settimeout(0.0)


def _libssl_file():
    """The file the dynamic linker loaded ``SSL_do_handshake`` from (``dladdr``), or
    None where that cannot be asked."""
    try:
        dl = ctypes.CDLL(None)
        dladdr = dl.dladdr
    except (OSError, AttributeError):
        return None

    class DlInfo(ctypes.Structure):
        _fields_ = [("dli_fname", ctypes.c_char_p),
                    ("dli_fbase", ctypes.c_void_p),
                    ("dli_sname", ctypes.c_char_p),
                    ("dli_saddr", ctypes.c_void_p)]

    info = DlInfo()
    dladdr.argtypes = [ctypes.c_void_p, ctypes.POINTER(DlInfo)]
    address = ctypes.cast(lib.SSL_do_handshake, ctypes.c_void_p).value
    if not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
        return None
    return info.dli_fname


LIBSSL_FILE = _libssl_file()

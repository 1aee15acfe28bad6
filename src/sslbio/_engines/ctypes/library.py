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

_table = SymbolTable(_holding, _releasing)
lib = Binding(_table)
layout = Layout(lib)

# One never-connected socket shared by every object: timeout 0.0 makes _ssl
# treat I/O as non-blocking and never poll the descriptor.
dummy_socket = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
dummy_socket.settimeout(0.0)


# The file the dynamic linker loaded libssl from (dladdr), or None.
LIBSSL_FILE = _table.file_of("SSL_do_handshake")

"""Every ``wrap_socket()`` of the interpreter's ``ssl`` answered by
``sslbio.wrap_socket()`` on the same socket, without touching the tests.

Python 3: every ``SSLContext.wrap_socket()`` makes its socket through the
context's ``sslsocket_class._create(...)``; a class whose ``_create()``
returns sslbio's socket substitutes it.  (A test that sets its own
``sslsocket_class`` on a context keeps it.)

Python 2.7: ``SSLContext.wrap_socket()`` and the module's ``wrap_socket()``
are the two entry points.  The latter builds a context from its arguments
first, with the checks 2.7's ``SSLSocket`` makes on them.
"""

import ssl
import sys

import sslbio

__all__ = ["install"]


class _SocketClass(object):
    """Stands in for ``ssl.SSLSocket`` as ``SSLContext.sslsocket_class``."""

    @classmethod
    def _create(cls, sock, server_side=False, do_handshake_on_connect=True,
                suppress_ragged_eofs=True, server_hostname=None,
                context=None, session=None):
        return sslbio.wrap_socket(
            sock, context, server_side=server_side,
            server_hostname=server_hostname,
            do_handshake_on_connect=do_handshake_on_connect,
            suppress_ragged_eofs=suppress_ragged_eofs, session=session)


def _context_wrap_socket(self, sock, server_side=False,
                         do_handshake_on_connect=True,
                         suppress_ragged_eofs=True, server_hostname=None):
    """2.7's ``SSLContext.wrap_socket()``."""
    return sslbio.wrap_socket(
        sock, self, server_side=server_side, server_hostname=server_hostname,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs)


def _module_wrap_socket(sock, keyfile=None, certfile=None, server_side=False,
                        cert_reqs=ssl.CERT_NONE,
                        ssl_version=ssl.PROTOCOL_SSLv23, ca_certs=None,
                        do_handshake_on_connect=True,
                        suppress_ragged_eofs=True, ciphers=None):
    """2.7's ``ssl.wrap_socket()``: a context made from the arguments as
    2.7's ``SSLSocket`` makes it (the same refusals, in its order)."""
    if server_side and not certfile:
        raise ValueError("certfile must be specified for server-side "
                         "operations")
    if keyfile and not certfile:
        raise ValueError("certfile must be specified")
    context = ssl.SSLContext(ssl_version)
    context.verify_mode = cert_reqs
    if ca_certs:
        context.load_verify_locations(ca_certs)
    if certfile:
        context.load_cert_chain(certfile, keyfile or certfile)
    if ciphers:
        context.set_ciphers(ciphers)
    return sslbio.wrap_socket(
        sock, context, server_side=server_side,
        do_handshake_on_connect=do_handshake_on_connect,
        suppress_ragged_eofs=suppress_ragged_eofs)


def install():
    """Substitute sslbio's socket for the rest of this process."""
    if sys.version_info[0] >= 3:
        ssl.SSLContext.sslsocket_class = _SocketClass
    else:
        ssl.SSLContext.wrap_socket = _context_wrap_socket
        ssl.wrap_socket = _module_wrap_socket

"""The ctypes engine's context backend: the shared calls on the ``SSL_CTX``
(``sslbio._engines.openssl_context``), found through CPython 2.7's object
layout, plus the per-connection setting behind ``post_handshake_auth``, which
2.7's native objects lack.
"""

from ..openssl_context import OpenSSLContextBackend

__all__ = ["CtypesContextBackend"]


class CtypesContextBackend(OpenSSLContextBackend):
    name = "ctypes"

    def __init__(self, lib, layout, keylog_writers):
        OpenSSLContextBackend.__init__(self, lib, keylog_writers)
        self._layout = layout

    def ctx(self, context):
        return self._layout.ssl_ctx(context)

    # -- per connection ------------------------------------------------------
    def configure_connection(self, context, native, server_side,
                             post_handshake_auth):
        """Python 3's per-connection settings for a new native ``_ssl``
        socket (``Binding.set_post_handshake_auth``)."""
        if post_handshake_auth:
            self._lib.set_post_handshake_auth(
                self._layout.ssl(native, context, self.ctx(context)),
                server_side)

"""What the engines that call OpenSSL themselves do alike.

The ctypes and pypy engines reach the same OpenSSL functions under the same
names, one through ctypes and one through PyPy's cffi binding.  Where their
``SSLObject`` does the same thing with them (shutdown, a failed read, setting
a session, building an error), it is written once here, as a mixin: an
engine's ``SSLObject`` lists ``OpenSSLDriver`` before the front and sets

    _lib      its binding: SSL_shutdown, SSL_set_read_ahead, SSL_get_error,
              SSL_get_shutdown, SSL_set_session, SSL_SESSION_free
    _errlib   what ``sslbio._errors`` takes as ``lib``

and implements ``_same_context(session)``, ``_handshake_finished()`` and
``_duplicate_session(session_ptr)``; ``self._ssl`` is the ``SSL*`` and
``self._shutdown_seen_zero`` a slot of its own.
"""

from .. import _errors

__all__ = ["OpenSSLDriver"]

# SSL_get_shutdown()'s flag for a close_notify received.
_SSL_RECEIVED_SHUTDOWN = 2


class OpenSSLDriver(object):
    """Python 3.11's shutdown, failed-read and session-setting logic
    (``_ssl.c``) over an engine's OpenSSL binding."""

    __slots__ = ()
    _lib = None
    _errlib = None

    def _fail(self, result, ssl_error):
        """The exception 3.11 raises for a failed SSL_* call (see
        ``_errors.error_from_result``)."""
        return _errors.error_from_result(self._errlib, self._ssl, result,
                                         ssl_error, self._server_hostname)

    def _read_failed(self, ssl, count, empty):
        """After SSL_read() returned ``count`` <= 0: ``empty`` once the
        peer's close_notify has been read, else the exception."""
        lib = self._lib
        ssl_error = lib.SSL_get_error(ssl, count)
        if ssl_error == _errors.SSL_ERROR_ZERO_RETURN and \
                lib.SSL_get_shutdown(ssl) == _SSL_RECEIVED_SHUTDOWN:
            return empty
        # Python 3.11 reads with SSL_read_ex(), which fails with 0.
        raise self._fail(0, ssl_error)

    def unwrap(self):
        """Send close_notify and wait for the peer's (TLS shutdown).

        Raises ``SSLWantReadError`` until the peer's close_notify has been
        received; returns ``None`` once the shutdown is complete.
        """
        lib = self._lib
        ssl = self._ssl
        zeros = 0
        while True:
            if self._shutdown_seen_zero:
                # Without read-ahead OpenSSL does not swallow clear text the
                # peer sends after its close_notify.
                lib.SSL_set_read_ahead(ssl, 0)
            result = lib.SSL_shutdown(ssl)
            if result > 0:
                return None
            if result == 0:
                zeros += 1
                if zeros > 1:
                    return None
                self._shutdown_seen_zero = True
                continue
            raise self._fail(result, lib.SSL_get_error(ssl, result))

    def _set_session(self, session):
        self._check_session(session)
        if not self._same_context(session):
            raise ValueError("Session refers to a different SSLContext.")
        if not self._is_client:
            raise ValueError("Cannot set session for server-side SSLSocket.")
        if self._handshake_finished():
            raise ValueError("Cannot set session after handshake.")
        # OpenSSL gets a copy, as Python 3 gives it: a connection freed
        # without close_notify marks its session unresumable, and that must
        # not spoil the SSLSession for the next connection.
        lib = self._lib
        copy = self._duplicate_session(session._session)
        try:
            if not lib.SSL_set_session(self._ssl, copy):
                raise _errors.error_from_code(self._errlib)
        finally:
            lib.SSL_SESSION_free(copy)

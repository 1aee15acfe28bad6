"""The ctypes engine's side of Python 3's context attributes: the calls on
the ``SSL_CTX`` (and on each new ``SSL``) behind ``minimum_version``,
``num_tickets``, ``keylog_filename``, ``post_handshake_auth``,
``get_ciphers()`` and the rest (the engine-neutral front is
``sslbio._context_features``; the package's ``CONTEXT_BACKEND`` is an
instance bound to this interpreter's OpenSSL).

Everything here acts on the OpenSSL objects a 2.7 ``ssl.SSLContext`` already
owns, so 2.7's own ``SSLSocket``\\ s made from the same context get the same
settings.
"""

import ctypes

from ... import _shared
from ..._releases import RELEASE_CONTEXT_FEATURES

__all__ = ["CtypesContextBackend", "shared_keylog_writers"]

# The C signature of SSL_CTX_set_keylog_callback's callback:
# void (*)(const SSL *ssl, const char *line).
_KEYLOG_CALLBACK = ctypes.CFUNCTYPE(None, ctypes.c_void_p, ctypes.c_char_p)


class CtypesContextBackend(object):
    """What the front asks of an engine, done through the binding.

    ``features``: the names of ``_context_features.FEATURES`` this engine
    serves with the loaded OpenSSL; ``absent``: those the OpenSSL release
    itself lacks (Python 3 built against it has no such attribute).
    """

    name = "ctypes"
    missing_reason = "not in this OpenSSL release"

    def __init__(self, lib, layout, keylog_writers):
        self._lib = lib
        self._layout = layout
        self.absent = frozenset(RELEASE_CONTEXT_FEATURES) - lib.context_features
        self.features = frozenset(_ALWAYS) | lib.context_features
        self.option_constants = list(lib.option_constants)
        # {SSL_CTX address: writer}: filled by the front, read by the one
        # keylog callback.  The callback lives as long as this backend (the
        # process), so no SSL_CTX ever holds a dangling function pointer.
        self._keylog_writers = keylog_writers
        self._keylog_callback = _KEYLOG_CALLBACK(self._keylog_line)
        self._keylog_address = ctypes.cast(self._keylog_callback,
                                           ctypes.c_void_p)

    def ctx(self, context):
        return self._layout.ssl_ctx(context)

    # -- protocol bounds ---------------------------------------------------
    def get_proto_version(self, context, maximum):
        return self._lib.ctx_get_proto_version(self.ctx(context), maximum)

    def set_proto_version(self, context, maximum, version):
        return bool(self._lib.ctx_set_proto_version(self.ctx(context),
                                                    maximum, version))

    # -- simple SSL_CTX attributes -------------------------------------------
    def security_level(self, context):
        return self._lib.SSL_CTX_get_security_level(self.ctx(context))

    def get_num_tickets(self, context):
        return self._lib.SSL_CTX_get_num_tickets(self.ctx(context))

    def set_num_tickets(self, context, number):
        return self._lib.SSL_CTX_set_num_tickets(self.ctx(context),
                                                 number) == 1

    def set_host_flags(self, context, flags):
        param = self._lib.SSL_CTX_get0_param(self.ctx(context))
        self._lib.X509_VERIFY_PARAM_set_hostflags(param, flags)

    # -- key log -------------------------------------------------------------
    def set_keylog(self, context, writer):
        """Send ``context``'s key log lines to ``writer.write_line`` (None:
        stop)."""
        ctx = self.ctx(context)
        if writer is None:
            self._lib.SSL_CTX_set_keylog_callback(ctx, None)
            self._keylog_writers.pop(ctx, None)
            return
        # Entries of contexts that are gone hold closed writers: drop them
        # here, so the map stays as small as the set of logging contexts.
        for address, old in list(self._keylog_writers.items()):
            if old.closed:
                self._keylog_writers.pop(address, None)
        self._keylog_writers[ctx] = writer
        self._lib.SSL_CTX_set_keylog_callback(ctx, self._keylog_address)

    def _keylog_line(self, ssl, line):
        # Runs inside the handshake, with the GIL (ctypes takes it).  An
        # exception must not escape into OpenSSL's stack.
        try:
            writer = self._keylog_writers.get(self._lib.SSL_get_SSL_CTX(ssl))
            if writer is not None:
                writer.write_line(line)
        except Exception:  # a full disk loses key log lines, not the session
            pass

    # -- per connection ------------------------------------------------------
    def configure_connection(self, context, native, server_side,
                             post_handshake_auth):
        """Python 3's per-connection settings for a new native ``_ssl``
        socket: with ``post_handshake_auth`` a client offers it and a
        server that verifies peers may ask for it (as Python 3.8+ does;
        OpenSSL does not ignore SSL_VERIFY_POST_HANDSHAKE on clients)."""
        if not post_handshake_auth:
            return
        lib = self._lib
        ssl = self._layout.ssl(native, context, self.ctx(context))
        if not server_side:
            lib.SSL_set_post_handshake_auth(ssl, 1)
            return
        mode = lib.SSL_get_verify_mode(ssl)
        if mode & lib.SSL_VERIFY_PEER:
            lib.SSL_set_verify(ssl, mode | lib.SSL_VERIFY_POST_HANDSHAKE,
                               lib.SSL_get_verify_callback(ssl))

    # -- get_ciphers() ---------------------------------------------------------
    def get_ciphers(self, context):
        """Python 3.6+'s ``get_ciphers()``: the enabled ciphers in order, as
        dicts (the nid-based keys only where the release has them, as 3.6
        built against 1.0.2 leaves them out)."""
        lib = self._lib
        ssl = lib.SSL_new(self.ctx(context))
        if not ssl:
            raise MemoryError()
        try:
            ciphers = lib.SSL_get_ciphers(ssl)
            return [self._cipher_dict(lib.sk_value(ciphers, i))
                    for i in range(lib.sk_num(ciphers) if ciphers else 0)]
        finally:
            lib.SSL_free(ssl)

    def _cipher_dict(self, cipher):
        lib = self._lib
        buf = ctypes.create_string_buffer(512)
        description = lib.SSL_CIPHER_description(cipher, buf, len(buf) - 1)
        description = (description or b"").rstrip(b"\n")
        alg_bits = ctypes.c_int(0)
        strength = lib.SSL_CIPHER_get_bits(cipher, ctypes.byref(alg_bits))
        found = {
            "id": int(lib.SSL_CIPHER_get_id(cipher)),
            "name": _text(lib.SSL_CIPHER_get_name(cipher)),
            "protocol": _text(lib.SSL_CIPHER_get_version(cipher)),
            "description": _text(description),
            "strength_bits": strength,
            "alg_bits": alg_bits.value,
        }
        if lib.has_cipher_details:
            found["aead"] = bool(lib.SSL_CIPHER_is_aead(cipher))
            for key, nid_of in (("symmetric", lib.SSL_CIPHER_get_cipher_nid),
                                ("digest", lib.SSL_CIPHER_get_digest_nid),
                                ("kea", lib.SSL_CIPHER_get_kx_nid),
                                ("auth", lib.SSL_CIPHER_get_auth_nid)):
                nid = nid_of(cipher)
                found[key] = (_text(lib.OBJ_nid2ln(nid))
                              if nid != lib.NID_undef else None)
        return found


def shared_keylog_writers():
    """{SSL_CTX address: key log writer}, shared by every copy of sslbio:
    whichever copy's callback OpenSSL calls finds the context's file."""
    shared = _shared.state()
    with shared["lock"]:
        return shared.setdefault("keylog_writers", {})


def _text(value):
    # The interpreter's native str: bytes on 2.7, as 2.7's _ssl returns.
    if value is None or isinstance(value, str):
        return value
    return value.decode("ascii")


# Features every release serves through this engine (the others depend on
# the release: the binding says which the loaded one has).
_ALWAYS = ("protocol_tls_client_server", "sni_callback", "get_ciphers")

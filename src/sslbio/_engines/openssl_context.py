"""Python 3's context attributes on the ``SSL_CTX``, over the shared OpenSSL
binding: the calls behind ``minimum_version``, ``maximum_version``,
``security_level``, ``num_tickets``, ``hostname_checks_common_name``,
``keylog_filename`` and ``get_ciphers()`` (the engine-neutral front is
``sslbio._context_features``; an engine's context backend is a subclass
bound to the interpreter's OpenSSL and its way of finding a context's
``SSL_CTX``).

Everything here acts on the OpenSSL objects the interpreter's own
``ssl.SSLContext`` already owns, so the interpreter's own ``SSLSocket``\\ s
made from the same context get the same settings.
"""

from .. import _shared
from .._context_features import ContextBackend
from .._errors import native_str
from .._releases import RELEASE_CONTEXT_FEATURES
from .openssl_binding import KEYLOG_CALLBACK

__all__ = ["OpenSSLContextBackend", "shared_keylog_writers"]

# Features every release serves through an engine that calls OpenSSL.
_ALWAYS = ("protocol_tls_client_server", "sni_callback", "get_ciphers")


class OpenSSLContextBackend(ContextBackend):
    """What the front asks of an engine, done through the binding ``lib``.

    ``features``: the names of ``_context_features.FEATURES`` the engine
    serves with the loaded OpenSSL (``always`` and those of
    ``release_dependent`` the release has); ``absent``: those of
    ``release_dependent`` the release itself lacks (Python 3 built against
    it has no such attribute).  A subclass finds a context's ``SSL_CTX``
    (``ctx()``).
    """

    name = None
    missing_reason = "not in this OpenSSL release"

    def __init__(self, lib, keylog_writers, always=_ALWAYS,
                 release_dependent=RELEASE_CONTEXT_FEATURES):
        self._lib = lib
        self.absent = frozenset(release_dependent) - lib.context_features
        self.features = frozenset(always) | (frozenset(release_dependent) &
                                             lib.context_features)
        self.option_constants = list(lib.option_constants)
        # {SSL_CTX address: writer}: filled by the front, read by the one
        # keylog callback.  The callback lives as long as this backend (the
        # process), so no SSL_CTX ever holds a dangling function pointer.
        self._keylog_writers = keylog_writers
        self._keylog_callback = lib.callback(KEYLOG_CALLBACK,
                                             self._keylog_line)

    def ctx(self, context):
        """The ``SSL_CTX*`` of a Python ``SSLContext``."""
        raise NotImplementedError

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
        return int(self._lib.SSL_CTX_get_num_tickets(self.ctx(context)))

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
        lib = self._lib
        ctx = self.ctx(context)
        key = lib.address(ctx)
        if writer is None:
            lib.SSL_CTX_set_keylog_callback(ctx, lib.NULL)
            self._keylog_writers.pop(key, None)
            return
        # Entries of contexts that are gone hold closed writers: drop them
        # here, so the map stays as small as the set of logging contexts.
        for address, old in list(self._keylog_writers.items()):
            if old.closed:
                self._keylog_writers.pop(address, None)
        self._keylog_writers[key] = writer
        lib.SSL_CTX_set_keylog_callback(ctx, self._keylog_callback[1])

    def _keylog_line(self, ssl, line):
        # Runs inside the handshake, with the GIL (ctypes and cffi take
        # it).  An exception must not escape into OpenSSL's stack.
        try:
            lib = self._lib
            writer = self._keylog_writers.get(
                lib.address(lib.SSL_get_SSL_CTX(ssl)))
            if writer is not None:
                writer.write_line(line)
        except Exception:  # a full disk loses key log lines, not the session
            pass

    # -- get_ciphers() ---------------------------------------------------------
    def get_ciphers(self, context):
        """Python 3.6+'s ``get_ciphers()``: the enabled ciphers in order, as
        dicts (the nid-based keys only where the release has them, as 3.6
        built against 1.0.2 leaves them out)."""
        lib = self._lib
        ssl = lib.SSL_new(self.ctx(context))
        if not lib.address(ssl):
            raise MemoryError()
        try:
            ciphers = lib.SSL_get_ciphers(ssl)
            count = lib.sk_num(ciphers) if lib.address(ciphers) else 0
            return [self._cipher_dict(lib.sk_value(ciphers, i))
                    for i in range(count)]
        finally:
            lib.SSL_free(ssl)

    def _cipher_dict(self, cipher):
        lib = self._lib
        description = (lib.cipher_description(cipher) or b"").rstrip(b"\n")
        strength, alg_bits = lib.cipher_bits(cipher)
        # Native strs (bytes on 2.7), as 2.7's _ssl gives them.
        found = {
            "id": int(lib.SSL_CIPHER_get_id(cipher)),
            "name": native_str(lib.SSL_CIPHER_get_name(cipher)),
            "protocol": native_str(lib.SSL_CIPHER_get_version(cipher)),
            "description": native_str(description),
            "strength_bits": strength,
            "alg_bits": alg_bits,
        }
        if lib.has_cipher_details:
            found["aead"] = bool(lib.SSL_CIPHER_is_aead(cipher))
            for key, nid_of in (("symmetric", lib.SSL_CIPHER_get_cipher_nid),
                                ("digest", lib.SSL_CIPHER_get_digest_nid),
                                ("kea", lib.SSL_CIPHER_get_kx_nid),
                                ("auth", lib.SSL_CIPHER_get_auth_nid)):
                nid = nid_of(cipher)
                found[key] = (native_str(lib.OBJ_nid2ln(nid))
                              if nid != lib.NID_undef else None)
        return found


def shared_keylog_writers():
    """{SSL_CTX address: key log writer}, shared by every copy of sslbio:
    whichever copy's callback OpenSSL calls finds the context's file."""
    shared = _shared.state()
    with shared["lock"]:
        return shared.setdefault("keylog_writers", {})

"""The TLS APIs under test, behind one small interface the workloads drive.

Two drivers, each running in its own worker process:

``SslApiDriver``   Python 3's API: ``MemoryBIO``, ``SSLContext.wrap_bio()``,
                   ``SSLObject``, ``SSLSession``.  On Python 3 these are the
                   standard library's objects, on 2.7 sslbio's, because both
                   come from ``sslbio`` (whose names are the stdlib's on
                   Python 3).  One driver therefore measures sslbio and the
                   stdlib with the very same code.
``PyOpenSSLDriver`` pyOpenSSL in memory-BIO mode: ``Connection(ctx, None)``,
                   ``bio_write()`` / ``bio_read()``.

A driver owns everything that differs between the APIs: contexts (with the
client verifying the server: ``CERT_REQUIRED``, host name checked inside the
handshake), object creation, the handshake loop, and the two hot loops (round
trips and bulk transfer).  The hot loops are written the way real code pumps a
memory BIO -- ``peer_incoming.write(outgoing.read())`` after every write --
with method lookups hoisted out of the loop so that the harness costs as
little as possible on every interpreter: what is left is the cost of the API
calls themselves.

Every driver exposes:

    info()                          what this process runs (versions)
    pair(kind, version, session)    a client/server pair, not yet connected
    server(kind, version)           one server-side object with its BIOs
    handshake(pair)                 complete the handshake in memory
    settle(pair)                    deliver post-handshake messages (TLS 1.3
                                    tickets) so every buffer is empty
    session(pair) / reused(pair)    SSLSession to resume / was it resumed
    release(pair)                   done with a resumed pair: keep the session
                                    resumable the way the API intends
    negotiated(pair)                (protocol version, cipher)
    round_trips(pair, n, req, resp) n request/response exchanges; bytes read
    bulk(pair, n, chunk, batch)     n times: ``batch`` chunks written, one pump,
                                    all read; each way; bytes read

``kind`` is a certificate kind from ``certs.KINDS`` ("rsa", "ecdsa"),
``version`` "1.2" or "1.3".  Python 2.7 and 3 compatible.
"""

import ssl
import warnings

from . import certs

__all__ = ["DRIVERS", "make_driver", "SslApiDriver", "PyOpenSSLDriver",
           "TLS12_CIPHERS"]

# TLS 1.2 cipher suites pinned on every context so that all contenders do the
# same work: the AEAD matches TLS 1.3's default TLS_AES_256_GCM_SHA384, and
# the authentication follows the certificate kind.  (Python 3.10+ and 2.7
# would otherwise start from different default cipher strings.)
TLS12_CIPHERS = "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384"
# Application data read per SSLObject.read() call: one TLS record's worth,
# what event loops typically ask for.
READ_SIZE = 16384
# pyOpenSSL's bio_read() needs a size: room for the largest flight or record
# any workload produces, so one call drains the BIO like MemoryBIO.read().
BIO_READ_SIZE = 65536
# Room per TLS record beyond its plaintext (header, content type, AEAD tag
# and padding fit easily), for sizing pyOpenSSL's bio_read() to a batch.
RECORD_ROOM = 256
# A full TLS 1.2 handshake takes 2 round trips, 1.3 one and a half: more
# passes than this without finishing means a stuck handshake, not a slow one.
_MAX_PASSES = 8

try:
    _range = xrange  # noqa: F821 (Python 2: no list of n integers)
except NameError:
    _range = range


def _ca_and_chain(certdir, kind):
    return certs.paths(certdir, kind)


class SslApiDriver(object):
    """Python 3's in-memory API: the stdlib on 3.x, sslbio on 2.7."""

    name = "ssl-api"

    def __init__(self, certdir):
        from sslbio import MemoryBIO, SSLContext, ENGINE, __version__
        self._certdir = certdir
        self._MemoryBIO = MemoryBIO
        self._SSLContext = SSLContext
        self._engine = ENGINE
        self._sslbio_version = __version__
        self._want_read = ssl.SSLWantReadError
        self._contexts = {}

    def info(self):
        info = {"api": "ssl (MemoryBIO/SSLObject)", "engine": self._engine,
                "sslbio": self._sslbio_version, "openssl": ssl.OPENSSL_VERSION}
        if self._engine == "pypy":
            # PyPy's ssl.OPENSSL_VERSION names the headers it was built with;
            # the engine reports the library it runs on.
            from sslbio import _engine
            info["engine_openssl"] = dict(_engine.describe()).get("OpenSSL")
        return info

    # -- contexts -------------------------------------------------------

    def _limit_version(self, context, version):
        """Allow exactly TLS ``version``, the way each Python line spells it."""
        if hasattr(ssl, "TLSVersion") and hasattr(context, "maximum_version"):
            chosen = ssl.TLSVersion.TLSv1_2 if version == "1.2" else ssl.TLSVersion.TLSv1_3
            context.minimum_version = chosen
            context.maximum_version = chosen
        else:  # Python 2.7 and 3.6: only the OP_NO_* options exist
            if version == "1.2":
                context.options |= ssl.OP_NO_TLSv1_3
            else:
                context.options |= ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1 | ssl.OP_NO_TLSv1_2
        context.set_ciphers(TLS12_CIPHERS)

    def _new_context(self, side):
        # PROTOCOL_TLS_CLIENT / _SERVER where they exist (3.6+); 2.7 only
        # has SSLv23, "the best version both sides speak".
        protocol = getattr(ssl, "PROTOCOL_TLS_" + side, None)
        if protocol is None:
            protocol = ssl.PROTOCOL_SSLv23
        return self._SSLContext(protocol)

    def contexts(self, kind, version):
        """(client, server) contexts for a certificate kind and TLS version,
        made once per process like a real application's."""
        key = (kind, version)
        if key not in self._contexts:
            ca, cert, key_file = _ca_and_chain(self._certdir, kind)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)
                client = self._new_context("CLIENT")
                client.verify_mode = ssl.CERT_REQUIRED
                client.check_hostname = True
                client.load_verify_locations(cafile=ca)
                self._limit_version(client, version)
                server = self._new_context("SERVER")
                server.load_cert_chain(cert, key_file)
                self._limit_version(server, version)
            self._contexts[key] = (client, server)
        return self._contexts[key]

    # -- objects ----------------------------------------------------------

    def pair(self, kind, version, session=None):
        client_context, server_context = self.contexts(kind, version)
        bio = self._MemoryBIO
        c_in, c_out, s_in, s_out = bio(), bio(), bio(), bio()
        client = client_context.wrap_bio(c_in, c_out, server_hostname=certs.HOSTNAME,
                                         session=session)
        server = server_context.wrap_bio(s_in, s_out, server_side=True)
        return (client, server, c_in, c_out, s_in, s_out)

    def server(self, kind, version):
        server_context = self.contexts(kind, version)[1]
        incoming, outgoing = self._MemoryBIO(), self._MemoryBIO()
        # The application keeps its BIOs: the SSLObject does not hold them.
        return (server_context.wrap_bio(incoming, outgoing, server_side=True),
                incoming, outgoing)

    def _step(self, method):
        try:
            method()
        except self._want_read:
            return False
        return True

    def handshake(self, pair):
        client, server, c_in, c_out, s_in, s_out = pair
        client_done = server_done = False
        for _ in _range(_MAX_PASSES):
            if not client_done:
                client_done = self._step(client.do_handshake)
            data = c_out.read()
            if data:
                s_in.write(data)
            if not server_done:
                server_done = self._step(server.do_handshake)
            data = s_out.read()
            if data:
                c_in.write(data)
            if client_done and server_done:
                return
        raise RuntimeError("handshake still unfinished after %d passes" % _MAX_PASSES)

    def settle(self, pair):
        client, server, c_in, c_out, s_in, s_out = pair
        data = s_out.read()
        if data:
            c_in.write(data)
        try:
            unexpected = client.read(READ_SIZE)
        except self._want_read:
            return
        raise RuntimeError("unexpected application data after the handshake: %r"
                           % unexpected[:40])

    def session(self, pair):
        self.settle(pair)
        return pair[0].session

    def reused(self, pair):
        return pair[0].session_reused and pair[1].session_reused

    def release(self, pair):
        """Nothing to do: Python 3 keeps an SSLSession resumable after a
        connection that used it is dropped without close_notify (3.11 hands
        OpenSSL a copy of the session, 3.13 marks the connection shut down
        when it is freed)."""

    def negotiated(self, pair):
        return pair[0].version(), pair[0].cipher()[0]

    # -- hot loops ----------------------------------------------------------

    def round_trips(self, pair, count, request, response):
        client, server, c_in, c_out, s_in, s_out = pair
        client_write, client_read = client.write, client.read
        server_write, server_read = server.write, server.read
        c_in_write, c_out_read = c_in.write, c_out.read
        s_in_write, s_out_read = s_in.write, s_out.read
        size = READ_SIZE
        received = 0
        for _ in _range(count):
            client_write(request)
            s_in_write(c_out_read())
            received += len(server_read(size))
            server_write(response)
            c_in_write(s_out_read())
            received += len(client_read(size))
        return received

    def bulk(self, pair, count, chunk, batch=1):
        client, server, c_in, c_out, s_in, s_out = pair
        client_write, client_read = client.write, client.read
        server_write, server_read = server.write, server.read
        c_in_write, c_out_read = c_in.write, c_out.read
        s_in_write, s_out_read = s_in.write, s_out.read
        size = READ_SIZE
        writes = _range(batch)
        length = len(chunk) * batch
        received = 0
        for _ in _range(count):
            for _ in writes:
                client_write(chunk)
            s_in_write(c_out_read())
            got = 0
            while got < length:
                got += len(server_read(size))
            for _ in writes:
                server_write(chunk)
            c_in_write(s_out_read())
            while got < 2 * length:
                got += len(client_read(size))
            received += got
        return received


class PyOpenSSLDriver(object):
    """pyOpenSSL's ``Connection(ctx, None)``: OpenSSL memory BIOs via cffi."""

    name = "pyopenssl"

    def __init__(self, certdir):
        import OpenSSL
        from OpenSSL import SSL
        # pyOpenSSL has no host name check inside the handshake; the binding
        # it is built on (cryptography's) has OpenSSL's, as Python 3.7+ uses.
        from OpenSSL._util import lib
        self._certdir = certdir
        self._OpenSSL = OpenSSL
        self._SSL = SSL
        self._lib = lib
        self._want_read = SSL.WantReadError
        self._hostname = certs.HOSTNAME.encode("ascii")
        self._contexts = {}

    def info(self):
        import cryptography
        SSL = self._SSL
        return {"api": "pyOpenSSL Connection(ctx, None)",
                "pyopenssl": self._OpenSSL.__version__,
                "cryptography": cryptography.__version__,
                "openssl": SSL.SSLeay_version(SSL.SSLEAY_VERSION).decode("ascii")}

    def _new_context(self, version):
        SSL = self._SSL
        context = SSL.Context(getattr(SSL, "TLS_METHOD", SSL.SSLv23_METHOD))
        if version == "1.2":
            context.set_options(SSL.OP_NO_TLSv1_3)
        else:
            context.set_options(SSL.OP_NO_TLSv1 | SSL.OP_NO_TLSv1_1 | SSL.OP_NO_TLSv1_2)
        context.set_cipher_list(TLS12_CIPHERS.encode("ascii"))
        return context

    def contexts(self, kind, version):
        key = (kind, version)
        if key not in self._contexts:
            SSL = self._SSL
            ca, cert, key_file = _ca_and_chain(self._certdir, kind)
            client = self._new_context(version)
            # OpenSSL's own verdict, as Python's ssl module uses it.
            client.set_verify(SSL.VERIFY_PEER, lambda conn, x509, errno, depth, ok: ok)
            client.load_verify_locations(ca.encode("utf-8"))
            server = self._new_context(version)
            server.use_certificate_chain_file(cert.encode("utf-8"))
            server.use_privatekey_file(key_file.encode("utf-8"))
            self._contexts[key] = (client, server)
        return self._contexts[key]

    def _client(self, context, session):
        lib = self._lib
        client = self._SSL.Connection(context, None)
        client.set_connect_state()
        client.set_tlsext_host_name(self._hostname)
        param = lib.SSL_get0_param(client._ssl)
        # X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, as Python 3.7+ sets.
        lib.X509_VERIFY_PARAM_set_hostflags(param, 0x4)
        if not lib.X509_VERIFY_PARAM_set1_host(param, self._hostname, len(self._hostname)):
            raise RuntimeError("X509_VERIFY_PARAM_set1_host failed")
        if session is not None:
            client.set_session(session)
        return client

    def pair(self, kind, version, session=None):
        client_context, server_context = self.contexts(kind, version)
        client = self._client(client_context, session)
        server = self._SSL.Connection(server_context, None)
        server.set_accept_state()
        return (client, server)

    def server(self, kind, version):
        server = self._SSL.Connection(self.contexts(kind, version)[1], None)
        server.set_accept_state()
        return server

    def _drain(self, connection):
        """Everything the connection has written, as MemoryBIO.read() gives."""
        parts = []
        while True:
            try:
                data = connection.bio_read(BIO_READ_SIZE)
            except self._want_read:
                break
            parts.append(data)
            if len(data) < BIO_READ_SIZE:
                break
        return b"".join(parts)

    def _step(self, method):
        try:
            method()
        except self._want_read:
            return False
        return True

    def handshake(self, pair):
        client, server = pair
        client_done = server_done = False
        for _ in _range(_MAX_PASSES):
            if not client_done:
                client_done = self._step(client.do_handshake)
            data = self._drain(client)
            if data:
                server.bio_write(data)
            if not server_done:
                server_done = self._step(server.do_handshake)
            data = self._drain(server)
            if data:
                client.bio_write(data)
            if client_done and server_done:
                return
        raise RuntimeError("handshake still unfinished after %d passes" % _MAX_PASSES)

    def settle(self, pair):
        client, server = pair
        data = self._drain(server)
        if data:
            client.bio_write(data)
        try:
            unexpected = client.recv(READ_SIZE)
        except self._want_read:
            return
        raise RuntimeError("unexpected application data after the handshake: %r"
                           % unexpected[:40])

    def session(self, pair):
        self.settle(pair)
        return pair[0].get_session()

    def reused(self, pair):
        lib = self._lib
        return bool(lib.SSL_session_reused(pair[0]._ssl)) and \
            bool(lib.SSL_session_reused(pair[1]._ssl))

    def release(self, pair):
        """Mark the client shut down before it is dropped: OpenSSL makes the
        session of a connection freed without close_notify unresumable, and
        pyOpenSSL's Session is that very object (this is what CPython 3.13
        does on deallocation, and pyOpenSSL's documented way to say it)."""
        pair[0].set_shutdown(self._SSL.SENT_SHUTDOWN)

    def negotiated(self, pair):
        return pair[0].get_protocol_version_name(), pair[0].get_cipher_name()

    def round_trips(self, pair, count, request, response):
        client, server = pair
        client_send, client_recv = client.send, client.recv
        server_send, server_recv = server.send, server.recv
        client_bio_write, client_bio_read = client.bio_write, client.bio_read
        server_bio_write, server_bio_read = server.bio_write, server.bio_read
        size, bio_size = READ_SIZE, BIO_READ_SIZE
        received = 0
        for _ in _range(count):
            client_send(request)
            server_bio_write(client_bio_read(bio_size))
            received += len(server_recv(size))
            server_send(response)
            client_bio_write(server_bio_read(bio_size))
            received += len(client_recv(size))
        return received

    def bulk(self, pair, count, chunk, batch=1):
        client, server = pair
        client_send, client_recv = client.send, client.recv
        server_send, server_recv = server.send, server.recv
        client_bio_write, client_bio_read = client.bio_write, client.bio_read
        server_bio_write, server_bio_read = server.bio_write, server.bio_read
        size = READ_SIZE
        writes = _range(batch)
        length = len(chunk) * batch
        # One bio_read() drains the whole batch, like MemoryBIO.read().
        bio_size = max(BIO_READ_SIZE, batch * (len(chunk) + RECORD_ROOM))
        received = 0
        for _ in _range(count):
            for _ in writes:
                client_send(chunk)
            server_bio_write(client_bio_read(bio_size))
            got = 0
            while got < length:
                got += len(server_recv(size))
            for _ in writes:
                server_send(chunk)
            client_bio_write(server_bio_read(bio_size))
            while got < 2 * length:
                got += len(client_recv(size))
            received += got
        return received


DRIVERS = {SslApiDriver.name: SslApiDriver, PyOpenSSLDriver.name: PyOpenSSLDriver}


def make_driver(name, certdir):
    """The driver called ``name`` ("ssl-api" or "pyopenssl")."""
    try:
        cls = DRIVERS[name]
    except KeyError:
        raise ValueError("unknown driver %r (known: %s)" % (name, ", ".join(sorted(DRIVERS))))
    return cls(certdir)

"""Record every read-only SSLObject method and property of one object.

Used at each stage of a connection's life (before, during and after the
handshake, after unwrap, after a fatal error) so that what every query returns
or raises in every state is part of the transcript.  Nothing here changes the
object's state, except what a query itself may do (read(0)).
"""

from __future__ import print_function

from conformance import tls
from conformance.recorder import shape


def _cert_digest(value):
    # getpeercert(True): kind and content of the DER, not 1 KB of bytes.
    if value is None:
        return None
    return (shape(value), tls.digest(value))


def probe(rec, obj, prefix, ctx=None):
    """Record the queries; ``ctx`` is the context the object should report."""
    p = prefix + " "
    rec.call(p + "server_side", getattr, obj, "server_side")
    rec.call(p + "server_hostname", getattr, obj, "server_hostname")
    if ctx is not None:
        rec.call(p + "context is ctx", lambda: obj.context is ctx)
    rec.call(p + "session type", lambda: type(obj.session).__name__)
    rec.call(p + "session_reused", getattr, obj, "session_reused")
    rec.call(p + "pending()", obj.pending)
    rec.call(p + "cipher()", obj.cipher)
    rec.call(p + "shared_ciphers() length",
             lambda: _length(obj.shared_ciphers()))
    rec.call(p + "compression()", obj.compression)
    rec.call(p + "version()", obj.version)
    rec.call(p + "selected_alpn_protocol()", obj.selected_alpn_protocol)
    rec.call(p + "selected_npn_protocol()", obj.selected_npn_protocol)
    rec.call(p + "getpeercert()", obj.getpeercert)
    rec.call_via(p + "getpeercert(True)", _cert_digest, obj.getpeercert, True)
    rec.shape(p + "get_channel_binding()", obj.get_channel_binding)
    rec.shape(p + "get_channel_binding('tls-unique')", obj.get_channel_binding,
              "tls-unique")


def _length(value):
    return None if value is None else ("len", len(value))


def probe_io(rec, obj, prefix):
    """Calls that may change state: kept apart, run last in a scenario."""
    p = prefix + " "
    rec.call(p + "read(0)", obj.read, 0)
    rec.call(p + "read(1)", obj.read, 1)
    rec.call(p + "read(1, bytearray)", obj.read, 1, bytearray(4))
    rec.call(p + "write(b'')", obj.write, b"")
    rec.call(p + "write(b'x')", obj.write, b"x")
    rec.call(p + "do_handshake()", obj.do_handshake)
    rec.call(p + "unwrap()", obj.unwrap)
    rec.call(p + "pending() after io", obj.pending)
    rec.call(p + "version() after io", obj.version)


def errors(rec, obj, prefix):
    """Argument errors that do not depend on the connection state."""
    p = prefix + " "
    rec.call(p + "get_channel_binding(None)", obj.get_channel_binding, None)
    rec.call(p + "get_channel_binding('tls-server-end-point')",
             obj.get_channel_binding, "tls-server-end-point")
    rec.call(p + "get_channel_binding('bogus')", obj.get_channel_binding,
             "bogus")
    rec.call_via(p + "getpeercert('yes')", _cert_digest, obj.getpeercert, "yes")
    rec.call(p + "getpeercert(1, 2)", obj.getpeercert, 1, 2)
    rec.call(p + "read(-1)", obj.read, -1)
    rec.call(p + "read(None)", obj.read, None)
    rec.call(p + "read(1.0)", obj.read, 1.0)
    rec.call(p + "write(None)", obj.write, None)
    rec.call(p + "write(u'text')", obj.write, u"text")
    rec.call(p + "write(1)", obj.write, 1)
    rec.call(p + "set server_side", setattr, obj, "server_side", True)
    rec.call(p + "set server_hostname", setattr, obj, "server_hostname", "x")
    rec.call(p + "set session_reused", setattr, obj, "session_reused", True)
    rec.call(p + "set context to None", setattr, obj, "context", None)
    rec.call(p + "set context to 'ctx'", setattr, obj, "context", "ctx")
    rec.call(p + "set new attribute", setattr, obj, "spam", 1)
    rec.call(p + "del context", delattr, obj, "context")
    rec.call(p + "shared_ciphers is list or None",
             lambda: type(obj.shared_ciphers()).__name__)

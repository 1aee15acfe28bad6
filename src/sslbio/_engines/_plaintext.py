"""What the unencrypted part of a TLS handshake tells, for an engine that
sees the records but cannot ask OpenSSL.

* Whether the server resumed a session (``SSL_session_reused``), from the
  server's first flight.  TLS 1.3: the ServerHello carries a
  ``pre_shared_key`` extension exactly when the server accepted a session
  (a HelloRetryRequest, the same message with a fixed random, decides
  nothing: the real ServerHello follows in a later flight).  TLS 1.2 and
  older: a full handshake's first flight ends with ServerHelloDone; a
  resumed one goes from the ServerHello (and perhaps a NewSessionTicket)
  straight to ChangeCipherSpec.
* The server's certificate under TLS 1.2 and older, where the Certificate
  message travels in the clear: the first entry of its list is the leaf.
"""

from .._records import complete_records

__all__ = ["resumed_from_flight", "leaf_certificate"]

_HANDSHAKE = 22
_CHANGE_CIPHER_SPEC = 20
_SERVER_HELLO = 2
_CERTIFICATE = 11
_SERVER_HELLO_DONE = 14
_SUPPORTED_VERSIONS = 43
_PRE_SHARED_KEY = 41
_TLS13 = 0x0304
# The random of a HelloRetryRequest (RFC 8446, 4.1.3).
_HRR_RANDOM = bytearray.fromhex(
    "cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c")


def _server_hello_resumes_tls13(body):
    """For a ServerHello body: True/False under TLS 1.3 (resumed or not),
    None for an older version, "retry" for a HelloRetryRequest."""
    pos = 2
    if body[pos:pos + 32] == _HRR_RANDOM:
        return "retry"
    pos += 32
    pos += 1 + body[pos]  # legacy_session_id
    pos += 3  # cipher suite, compression method
    if pos + 2 > len(body):
        return None
    end = min(len(body), pos + 2 + ((body[pos] << 8) | body[pos + 1]))
    pos += 2
    version, psk = None, False
    while pos + 4 <= end:
        kind = (body[pos] << 8) | body[pos + 1]
        size = (body[pos + 2] << 8) | body[pos + 3]
        if kind == _SUPPORTED_VERSIONS and size == 2:
            version = (body[pos + 4] << 8) | body[pos + 5]
        elif kind == _PRE_SHARED_KEY:
            psk = True
        pos += 4 + size
    return psk if version == _TLS13 else None


def resumed_from_flight(flight):
    """True or False once ``flight`` (the bytes the server side wrote so
    far) tells whether the session was resumed; None when it does not tell
    yet."""
    messages = bytearray()
    for content_type, payload in complete_records(bytearray(flight)):
        if content_type == _CHANGE_CIPHER_SPEC:
            # A ServerHello and no ServerHelloDone before the switch: TLS
            # 1.2 resumed.  (TLS 1.3 sends one after a HelloRetryRequest
            # too, which decides nothing.)
            ended = True
        elif content_type == _HANDSHAKE:
            messages += payload
            ended = False
        else:
            return False
        verdict = _decide(messages, ended)
        if verdict is not None:
            return verdict
    return None


def _decide(messages, ended):
    hello_seen = False
    for kind, body in _handshake_messages(messages):
        if kind == _SERVER_HELLO:
            tls13 = _server_hello_resumes_tls13(body)
            if tls13 == "retry":
                continue
            if tls13 is not None:
                return tls13
            hello_seen = True
        elif kind == _SERVER_HELLO_DONE:
            return False
    return True if ended and hello_seen else None


def _handshake_messages(messages):
    """(type, body) of each complete handshake message at the start of
    ``messages`` (the handshake records' payloads, joined)."""
    pos = 0
    while pos + 4 <= len(messages):
        length = (messages[pos + 1] << 16) | (messages[pos + 2] << 8) | \
            messages[pos + 3]
        body = messages[pos + 4:pos + 4 + length]
        if len(body) < length:
            return
        yield messages[pos], body
        pos += 4 + length


def leaf_certificate(flight):
    """The DER of the first certificate of the server's Certificate message
    in ``flight`` (the bytes the server sent so far), or None when it is not
    (yet) there or is encrypted (TLS 1.3)."""
    messages = bytearray()
    for content_type, payload in complete_records(bytearray(flight)):
        if content_type != _HANDSHAKE:
            break
        messages += payload
    for kind, body in _handshake_messages(messages):
        if kind == _CERTIFICATE and len(body) >= 6:
            length = (body[3] << 16) | (body[4] << 8) | body[5]
            if 6 + length <= len(body):
                return bytes(body[6:6 + length])
            return None
    return None

"""Which exceptions Python 3.11 may raise for each stateful operation.

The stateful fuzzer's oracle: a call may raise only what 3.11's ``ssl``
raises for the same call with arguments of the same kinds (see
``values.py``).  The table follows 3.11's ``Lib/ssl.py`` and
``Modules/_ssl.c`` (argument clinic converters: ``int`` and
``Py_ssize_t`` take integers and ``__index__`` objects, ``TypeError``
otherwise, ``OverflowError`` out of range; ``y*`` takes any bytes-like
object; ``w*`` a writable one).  It is checked against the standard
library itself: ``tests/test_fuzz.py`` runs the stateful fuzzer on
Python 3, where any exception outside this table is a fault of the table.

Where a call can fail on the connection, ``ssl.SSLError`` (any subclass)
is allowed; which one exactly, and whether it fails at all, is the
differential mode's business (it replays programs under 3.11 and compares).

One deliberate deviation (README, "Behaviour"): a client made without
``server_hostname`` on a ``check_hostname`` context raises ``ValueError``
from its record-layer calls on 2.7 once its handshake has completed; those
objects are *deviant*.
"""

import ssl
import struct
import sys

from . import values as v
from .outcomes import POST_HANDSHAKE_AUTH

PY2 = sys.version_info[0] == 2
SSL = (ssl.SSLError,)
NONE = ()
RECORD_LAYER_METHODS = ("do_handshake", "read", "write", "unwrap",
                        "verify_client_post_handshake")
QUERY_METHODS = ("cipher", "shared_ciphers", "compression", "version",
                 "pending", "selected_alpn_protocol", "selected_npn_protocol")
OBJECT_ATTRIBUTES = ("context", "server_side", "server_hostname", "session",
                     "session_reused")
READ_ONLY_OBJECT_ATTRIBUTES = ("server_side", "server_hostname",
                               "session_reused")
BIO_ATTRIBUTES = ("pending", "eof")
SESSION_ATTRIBUTES = ("id", "time", "timeout", "ticket_lifetime_hint",
                      "has_ticket")
# SSLObject.read()'s len is a Py_ssize_t since 3.10 (pointer-sized: 32 bits
# on i386), a C int before (the stateful fuzzer also runs on 3.6-3.9, as a
# check of this table); 2.7 is held to 3.11.
_POINTER_BITS = 8 * struct.calcsize("P")
_READ_LEN_BITS = 32 if (3, 0) <= sys.version_info < (3, 10) else _POINTER_BITS
# 3.x's read(len) allocates a bytes object of len first:
# PyBytes_FromStringAndSize refuses sizes above PY_SSIZE_T_MAX minus its
# header (offsetof(PyBytesObject, ob_sval) + 1: 33 on 64-bit builds, 17 on
# 32-bit ones).
_MAX_BYTES = sys.maxsize - (4 * struct.calcsize("P") + 1)


def _int_arg(token, bits):
    """Exceptions of an integer argument converted to a C type."""
    if v.int_value(token) is None:
        return (TypeError,)
    if not v.in_range(token, bits):
        return (OverflowError,)
    return NONE


def _buffer_arg(token, writable=False):
    kinds = v.WRITABLE_KINDS if writable else v.BUFFER_KINDS
    return NONE if token[0] in kinds else (TypeError,)


def allowed(op, facts):
    """The exception classes ``op`` may raise; ``facts`` answers
    ``deviant(sslobject id)`` and ``check_hostname(context index)``."""
    return tuple(set(_ALLOWED[op[0]](op, facts)))


def _bio_new(op, facts):
    return (TypeError,) if len(op) > 1 else NONE


def _wrap(op, facts):
    _, ctx, incoming, outgoing, side, host, session = op
    found = list(SSL)  # SSL_set_tlsext_host_name, SSL_set_session
    for bio in (incoming, outgoing):
        if bio[0] != "bio":
            found.append(TypeError)
    found.extend(_int_arg(side, 32))
    # ssl.py's _encode_hostname: text is IDNA-encoded (UnicodeError, a
    # ValueError), anything else gets .decode('ascii') called on it.
    if host[0] in ("text", "bytes", "bytearray"):
        # IDNA errors, empty or leading dot (ValueError); a NUL character
        # (TypeError: "argument must be encoded string without null bytes").
        found.extend((ValueError, TypeError))
    elif host[0] != "none":
        found.append(AttributeError)
        if PY2:  # 2.7's engine checks types itself
            found.append(TypeError)
    if session[0] not in ("none", "session"):
        found.append(TypeError)
    elif session[0] == "session":
        found.append(ValueError)  # other context, server side
    return found


def _method(op, facts):
    _, oid, name, args, kwargs = op
    found = []
    if name in RECORD_LAYER_METHODS:
        found.extend(SSL)
        if facts.deviant(oid):
            found.append(ValueError)
    if name == "verify_client_post_handshake":
        found.extend(POST_HANDSHAKE_AUTH)
    if name == "read":
        size = args[0] if args else kwargs.get("len", ["int", 1024])
        buffer = args[1] if len(args) > 1 else kwargs.get("buffer", ["none"])
        found.extend(_int_arg(size, _READ_LEN_BITS))
        if buffer[0] == "none":
            value = v.int_value(size)
            if value is not None and value < 0:
                found.append(ValueError)
            if value is not None and value > _MAX_BYTES:
                found.append(OverflowError)  # "byte string is too large"
            elif value is not None and value > 1 << 30:
                # 3.x allocates len bytes before reading: whether that
                # succeeds depends on the machine's memory.
                found.append(MemoryError)
        else:
            found.extend(_buffer_arg(buffer, writable=True))
    elif name == "write":
        found.extend(_buffer_arg(args[0]))
    elif name == "getpeercert":
        found.append(ValueError)  # handshake not done yet
    elif name == "get_channel_binding":
        cb_type = args[0] if args else ["text", "tls-unique"]
        if not v.is_text_like(cb_type):
            found.append(TypeError)
        found.append(ValueError)  # unknown type, or a NUL in it
    return found


def _get(op, facts):
    _, kind, _, attr = op
    if kind == "sslobject" and attr == "session":
        return (ValueError,)  # a session that cannot be serialised
    if kind == "session" and attr == "__hash__":
        return (TypeError,)
    return NONE


def _set(op, facts):
    _, kind, _, attr, value = op
    if kind == "bio" or kind == "session":
        return (AttributeError,)  # no writable attributes, no __dict__
    if attr in READ_ONLY_OBJECT_ATTRIBUTES:
        return (AttributeError,)
    if attr == "context":
        return NONE if value[0] == "context" else (TypeError,)
    if attr == "session":
        found = [ValueError] + list(SSL)
        if value[0] != "session":
            found.append(TypeError)
        return found
    return NONE  # a new attribute: SSLObject instances have a __dict__


def _bio_call(op, facts):
    _, _, name, args = op
    if name == "read":
        return _int_arg(args[0], 32) if args else NONE
    if name == "write":
        # Writing after write_eof() is an SSLError.
        return _buffer_arg(args[0]) + SSL
    return NONE


def _copy(op, facts):
    _, kind, _, how = op
    if kind == "sslobject" and how == "copy":
        return NONE  # a second handle on the same connection, as on 3.x
    return (TypeError,)  # cannot pickle


def _compare(op, facts):
    return (TypeError,) if op[3] in ("<", "hash") else NONE


def _always(op, facts):
    return NONE


def _construct(op, facts):
    return (TypeError,)


def _exchange(op, facts):
    found = list(SSL)
    if facts.deviant(op[1]) or facts.deviant(op[2]):
        found.append(ValueError)
    return found


_ALLOWED = {
    "bio_new": _bio_new,
    "wrap": _wrap,
    "construct": _construct,
    "pair": lambda op, facts: SSL + ((ValueError,) if op[3][0] != "none"
                                     else NONE),  # session, other context
    "exchange": _exchange,
    "transfer": lambda op, facts: SSL,  # the incoming BIO may be at EOF
    "pump": lambda op, facts: (_int_arg(op[3], 32) if op[3] else NONE) + SSL,
    "call": _method,
    "get": _get,
    "set": _set,
    "bio_call": _bio_call,
    "copy": _copy,
    "session_of": lambda op, facts: (ValueError,),
    "compare": _compare,
    "del": _always,
    "gc": _always,
}


def comparable(op):
    """Whether 2.7 and 3.x must agree on ``op``: not when a 2.7 ``str``
    stands where 3.x takes text (it is bytes on 3.x but text on 2.7: the
    language's own difference).  For ``server_hostname`` both lines decode
    bytes as ASCII, so only ``get_channel_binding`` is concerned."""
    if op[0] == "call" and op[2] == "get_channel_binding":
        return not op[3] or op[3][0][0] != "bytes"
    return True


def objects_of(op):
    """The SSLObject ids ``op`` uses."""
    name = op[0]
    if name in ("call", "session_of"):
        return [op[1]]
    if name in ("get", "set", "copy"):
        return [op[2]] if op[1] == "sslobject" else []
    if name in ("exchange", "transfer"):
        return [op[1], op[2]]
    return []

"""Portable argument values for stateful programs.

A program must run unchanged on 2.7 and on 3.x (the differential mode
replays 2.7's programs under Python 3.11) and be written to a file as a
reproducer, so arguments are *tokens*, JSON lists naming a kind of value,
turned into objects only when a call is made:

    ["none"]  ["bool", b]  ["int", n]  ["float", x]  ["index", n]
    ["text", s]             text: 3.x str, 2.7 unicode
    ["bytes", hex]          3.x bytes, 2.7 str
    ["bytes_n", n]          n bytes (large writes without large programs)
    ["bytearray", n]        n zero bytes, writable
    ["memoryview", hex]     a read-only view of bytes
    ["memoryview_rw", n]    a writable view of a bytearray
    ["array", code, n]      array.array(code) of n zero items, writable
    ["list"]  ["dict"]  ["object"]
    ["bio", id]  ["sslobject", id]  ["session", id]  ["context", i]

``["index", n]`` is an object with ``__index__`` (accepted wherever an
integer is).  The last four refer to objects the program made.
"""

import array
import binascii
import sys

PY2 = sys.version_info[0] == 2
if PY2:
    _text = unicode  # noqa: F821
else:
    _text = str


class Index(object):
    """An integer-like object that is not an ``int``."""

    def __init__(self, value):
        self.value = value

    def __index__(self):
        return self.value


class Opaque(object):
    """An object of no relevant type."""


def hexlify(data):
    return binascii.hexlify(data).decode("ascii")


def make(token, registry):
    """The object a token stands for; ``registry(kind, id)`` resolves
    references to the program's objects (``KeyError`` if gone)."""
    kind = token[0]
    if kind == "none":
        return None
    if kind == "bool":
        return bool(token[1])
    if kind == "int":
        return int(token[1])
    if kind == "float":
        return float(token[1])
    if kind == "index":
        return Index(int(token[1]))
    if kind == "text":
        return _text(token[1])
    if kind == "bytes":
        return binascii.unhexlify(token[1].encode("ascii"))
    if kind == "bytes_n":
        return b"d" * token[1]
    if kind == "bytearray":
        return bytearray(token[1])
    if kind == "memoryview":
        return memoryview(binascii.unhexlify(token[1].encode("ascii")))
    if kind == "memoryview_rw":
        return memoryview(bytearray(token[1]))
    if kind == "array":
        return array.array(str(token[1]), [0] * token[2])
    if kind == "list":
        return [1, 2]
    if kind == "dict":
        return {}
    if kind == "object":
        return Opaque()
    if kind in ("bio", "sslobject", "session", "context"):
        return registry(kind, token[1])
    raise ValueError("unknown token %r" % (token,))


# -- kinds, as the spec sees them ------------------------------------------------

INT_KINDS = ("int", "bool", "index")
BUFFER_KINDS = ("bytes", "bytes_n", "bytearray", "memoryview", "memoryview_rw", "array")
WRITABLE_KINDS = ("bytearray", "memoryview_rw", "array")


def int_value(token):
    """The integer a token converts to, or None for non-integers."""
    if token[0] in INT_KINDS:
        return int(token[1])
    return None


def in_range(token, bits):
    """An integer token that fits a signed C integer of ``bits`` bits."""
    value = int_value(token)
    return value is not None and -(1 << (bits - 1)) <= value < (1 << (bits - 1))


def is_text_like(token):
    """Text, or 2.7's ``str`` (which 2.7 code uses as text): a bytes token
    stands for text on 2.7, where the two are one type."""
    return token[0] == "text" or (PY2 and token[0] == "bytes")

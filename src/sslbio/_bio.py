"""``MemoryBIO``: the engine-neutral front of Python 3's ``ssl.MemoryBIO``.

Each engine subclasses it with the class that holds the buffer (see
``_engines``); this front holds what Python 3.11 decides before any byte
moves: how ``read()``'s size and ``write()``'s argument are converted and
which exception bad ones get.
"""

import ssl

from ._args import INT_MAX, as_bytes, c_int_arg
from ._contract import engine_method
from ._ctype import NativeLike

__all__ = ["MemoryBIO", "INT_MAX"]


class MemoryBIO(NativeLike):
    """A buffer of bytes that an ``SSLObject`` reads from or writes to.

    Same behaviour as Python 3's ``ssl.MemoryBIO``: ``write()`` takes any
    bytes-like object, ``read(n=-1)`` returns at most ``n`` bytes (all of
    them when ``n`` is negative), and after ``write_eof()`` an empty
    buffer means end of file instead of "try again later".

    An engine's subclass implements the methods declared below; it may
    handle the common argument forms itself (``read()`` with no size,
    ``write()`` of a ``str`` of at most ``INT_MAX`` bytes) and passes every
    other through ``_checked_read_size`` / ``_as_write_bytes``.  It names
    their parameters ``__size`` and ``__b``: positional-only in effect, as
    Python 3's are, since no keyword can match a mangled name.
    """

    __slots__ = ()
    _subclassable = True

    @engine_method
    def __init__(self):
        """An empty buffer; ``TypeError`` for any argument."""

    @property
    @engine_method
    def pending(self):
        """The number of bytes pending in the memory buffer."""

    @property
    @engine_method
    def eof(self):
        """Whether the memory BIO is at end-of-file."""

    @engine_method
    def read(self, size=-1):
        """read(size=-1, /): up to ``size`` bytes; all pending bytes if
        ``size`` is negative."""

    @engine_method
    def write(self, b):
        """write(b, /): write the bytes of a bytes-like object ``b``;
        returns the number of bytes written."""

    @engine_method
    def write_eof(self):
        """Mark end of file: once drained, reads report EOF."""

    # read()'s size, converted as Python 3 converts a C int argument.
    _checked_read_size = staticmethod(c_int_arg)

    @staticmethod
    def _as_write_bytes(data):
        """``write()``'s argument as bytes: any bytes-like object (else
        TypeError), at most INT_MAX of them (else OverflowError: Python 3's
        MemoryBIO counts in C ints)."""
        data = as_bytes(data)
        if len(data) > INT_MAX:
            raise OverflowError("string longer than %d bytes" % INT_MAX)
        return data

    @staticmethod
    def _write_after_eof_error():
        """What ``write()`` raises once ``write_eof()`` was called."""
        return ssl.SSLError("cannot write() after write_eof()")

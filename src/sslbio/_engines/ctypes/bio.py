"""The ctypes engine's ``MemoryBIO``: an OpenSSL memory BIO.

Every call is one Python frame and one foreign call on its common path:
the foreign functions are resolved once, at import, into module globals,
and are called without ``argtypes`` on ready-made argument objects, so
ctypes converts nothing per call.
"""

import ctypes
import functools

from ... import _bio, _errors
from ..._args import no_arguments
from .binding import pointer_argument
from .library import layout, lib

__all__ = ["MemoryBIO"]

_INT_MAX = _bio.INT_MAX
_bytes = bytes
_error_from_code = _errors.error_from_code

_raw_read = lib.raw("BIO_read", ctypes.c_int)
_raw_write = lib.raw("BIO_write", ctypes.c_int)
_raw_pending = lib.raw("BIO_ctrl_pending", ctypes.c_size_t)
_raw_ctrl = lib.raw("BIO_ctrl", ctypes.c_long)
_raw_free = lib.raw("BIO_free", ctypes.c_int)
_raw_new = lib.raw("BIO_new", ctypes.c_void_p)
_SET_EOF_RETURN = lib.BIO_C_SET_BUF_MEM_EOF_RETURN
_EOF_MEANS_RETRY = ctypes.c_long(-1)
_EOF_MEANS_EOF = ctypes.c_long(0)
# The memory BIO method table is a static object: look it up once.
_MEM_METHOD = ctypes.c_void_p(lib.BIO_s_mem())


def _new_bio_reads_eof():
    """Whether an empty new memory BIO reads as end of file (0) rather than
    as "retry" (-1, OpenSSL's default)."""
    address = _raw_new(_MEM_METHOD)
    if not address:
        raise MemoryError("failed to allocate BIO")
    probe = pointer_argument(address)
    try:
        return _raw_read(probe, ctypes.create_string_buffer(1), 1) == 0
    finally:
        _raw_free(probe)


# Python 3 makes an empty MemoryBIO mean "retry", not end of file, by
# setting the eof return to -1.  OpenSSL's memory BIOs start that way; the
# probe proves it for the library loaded, and the call is made per BIO only
# where it is not so.
_SET_RETRY_PER_BIO = _new_bio_reads_eof()

# read() copies the BIO into a scratch buffer and gets its str from a
# C-level slice of that buffer, run by ctypes as the call's result
# converter: no bytecode runs between the copy and the slice, so no other
# thread can use the buffer in between and one serves them all.  (buffer
# slices clamp, so a negative count, "nothing to read", gives an empty
# string.)  One foreign call per read that fits the buffer, as every read of
# a few records does; a larger read goes on below.  The buffer holds several
# full TLS records.
_SCRATCH_SIZE = 65536
_scratch = ctypes.create_string_buffer(_SCRATCH_SIZE)
_read_str = lib.raw("BIO_read", functools.partial(
    buffer(_scratch).__getslice__, 0))  # noqa: F821 (Python 2)
# The buffer as a ready argument (``_scratch`` keeps the memory alive).
_SCRATCH_ARG = pointer_argument(ctypes.addressof(_scratch))

# Reads larger than the scratch buffer allocate the result str at its final
# size and let BIO_read fill it in place, so the bulk of a large read is
# copied once (building it from pieces would copy every byte again, which
# halves the throughput of pumping many records at once).  That string is
# new and held by no one else: PyString_FromStringAndSize(NULL, n) returns a
# shared object only for n == 0, which is never asked for.
_new_string = ctypes.pythonapi.PyString_FromStringAndSize
_new_string.restype = ctypes.py_object
_new_string.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
_DATA_OFFSET = layout.string_data_offset


def _read_into_new(biop, n, head=b""):
    """``head`` followed by the next ``n - len(head)`` bytes of the BIO,
    read straight into the result."""
    data = _new_string(None, n)
    address = id(data) + _DATA_OFFSET
    done = len(head)
    if done:
        ctypes.memmove(address, head, done)
    if _raw_read(biop, ctypes.c_void_p(address + done), n - done) != n - done:
        raise _error_from_code(lib)
    return data


class MemoryBIO(_bio.MemoryBIO):
    __doc__ = _bio.MemoryBIO.__doc__

    # _bio: the BIO's address; _biop: the same as a pointer argument.
    __slots__ = ("_bio", "_biop", "_eof_written")

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            no_arguments("MemoryBIO", args, kwargs)
        bio = _raw_new(_MEM_METHOD)
        if not bio:
            raise MemoryError("failed to allocate BIO")
        biop = pointer_argument(bio)
        if _SET_RETRY_PER_BIO:
            _raw_ctrl(biop, _SET_EOF_RETURN, _EOF_MEANS_RETRY, None)
        self._bio = bio
        self._biop = biop
        self._eof_written = False

    # _free is bound now: at interpreter exit 2.7 sets module globals to
    # None before the last objects are freed.
    def __del__(self, _free=_raw_free):
        try:
            biop = self._biop
        except AttributeError:  # __init__ never ran or failed
            return
        _free(biop)

    @property
    def pending(self):
        return int(_raw_pending(self._biop))

    @property
    def eof(self):
        return self._eof_written and _raw_pending(self._biop) == 0

    def read(self, __size=-1):
        # "is -1": CPython shares small ints, so the default (the common
        # call) is recognised without a type check; anything else takes the
        # checked path.
        if __size is -1:
            data = _read_str(self._biop, _SCRATCH_ARG, _SCRATCH_SIZE)
            if len(data) < _SCRATCH_SIZE:
                return data
            return self._read_rest(data)
        return self._read_sized(__size)

    def _read_sized(self, size):
        size = self._checked_read_size(size)
        if size < 0 or size > _SCRATCH_SIZE:
            return self._read_pending(size)
        if size == 0:
            return b""
        return _read_str(self._biop, _SCRATCH_ARG, size)

    def _read_rest(self, head):
        """``head`` (the scratch buffer came back full) and everything
        still pending, in one str: only ``head`` is copied into it, the rest
        goes from the BIO straight into the result."""
        rest = min(_raw_pending(self._biop), _INT_MAX - len(head))
        if rest == 0:
            return head
        return _read_into_new(self._biop, len(head) + rest, head)

    def _read_pending(self, size):
        avail = _raw_pending(self._biop)
        if avail > _INT_MAX:
            avail = _INT_MAX
        if size < 0 or size > avail:
            size = avail
        if size == 0:
            return b""
        return _read_into_new(self._biop, size)

    def write(self, __b):
        if type(__b) is not _bytes:
            __b = self._as_write_bytes(__b)
        n = len(__b)
        if n > _INT_MAX:
            self._as_write_bytes(__b)  # raises Python 3's OverflowError
        if self._eof_written:
            raise self._write_after_eof_error()
        written = _raw_write(self._biop, __b, n)
        if written < 0:
            raise _error_from_code(lib)
        return written

    def write_eof(self):
        self._eof_written = True
        _raw_ctrl(self._biop, _SET_EOF_RETURN, _EOF_MEANS_EOF, None)

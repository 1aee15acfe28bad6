"""``MemoryBIO``: Python 3's ``ssl.MemoryBIO`` over an OpenSSL memory BIO."""

import ctypes
import functools

from . import _errors
from ._args import as_bytes, c_int_arg
from ._openssl import pointer_argument
from ._ctype import NativeLike

__all__ = ["make_memory_bio_class"]

_INT_MAX = 2 ** 31 - 1
# read() copies through a scratch buffer of this size (see read()); it
# holds several full TLS records.
_SCRATCH_SIZE = 65536


def _new_bio_reads_eof(new, read, free, method):
    """Whether an empty new memory BIO reads as end of file (0) rather than
    as "retry" (-1, OpenSSL's default)."""
    address = new(method)
    if not address:
        raise MemoryError("failed to allocate BIO")
    probe = pointer_argument(address)
    try:
        return read(probe, ctypes.create_string_buffer(1), 1) == 0
    finally:
        free(probe)


def make_memory_bio_class(lib, layout, pythonapi):
    """Build ``MemoryBIO`` bound to one resolved OpenSSL binding."""
    error_from_code = _errors.error_from_code
    ssl_error = _errors.ssl.SSLError
    # The hot calls go through argument-less foreign functions fed a
    # ready-made c_void_p: ctypes then converts nothing per call.
    raw_read = lib.raw("BIO_read", ctypes.c_int)
    raw_write = lib.raw("BIO_write", ctypes.c_int)
    raw_pending = lib.raw("BIO_ctrl_pending", ctypes.c_size_t)
    raw_ctrl = lib.raw("BIO_ctrl", ctypes.c_long)
    raw_free = lib.raw("BIO_free", ctypes.c_int)
    set_eof_return_cmd = lib.BIO_C_SET_BUF_MEM_EOF_RETURN
    eof_means_retry = ctypes.c_long(-1)
    eof_means_eof = ctypes.c_long(0)
    # The memory BIO method table is a static object: look it up once.
    mem_method = ctypes.c_void_p(lib.BIO_s_mem())
    raw_new = lib.raw("BIO_new", ctypes.c_void_p)
    # Python 3 makes an empty MemoryBIO mean "retry", not end of file, by
    # setting the eof return to -1.  OpenSSL's memory BIOs start that way;
    # the probe proves it for the library loaded, and the call is made per
    # BIO only where it is not so.
    set_retry_per_bio = _new_bio_reads_eof(raw_new, raw_read, raw_free,
                                           mem_method)

    # read() copies the BIO into a scratch buffer and gets its str from a
    # C-level slice of that buffer, run by ctypes as the call's result
    # converter: no bytecode runs between the copy and the slice, so no
    # other thread can use the buffer in between and one serves them all.
    # (buffer slices clamp, so a negative count, "nothing to read", gives
    # an empty string.)  One foreign call per read that fits the buffer, as
    # every read of a few records does; a larger read goes on below.
    scratch_size = _SCRATCH_SIZE
    scratch = ctypes.create_string_buffer(scratch_size)
    bytes_type = bytes
    int_max = _INT_MAX
    read_str = lib.raw("BIO_read", functools.partial(
        buffer(scratch).__getslice__, 0))  # noqa: F821 (Python 2)
    # The buffer as a ready argument (``scratch`` keeps the memory alive).
    scratch_arg = pointer_argument(ctypes.addressof(scratch))

    # Reads larger than the scratch buffer allocate the result str at its
    # final size and let BIO_read fill it in place, so the bulk of a large
    # read is copied once (building it from pieces would copy every byte
    # again, which halves the throughput of pumping many records at once).
    # That string is new and held by no one else:
    # PyString_FromStringAndSize(NULL, n) returns a shared object only for
    # n == 0, which is never asked for.
    new_string = pythonapi.PyString_FromStringAndSize
    new_string.restype = ctypes.py_object
    new_string.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    data_offset = layout.string_data_offset
    memmove = ctypes.memmove

    def read_into_new(biop, n, head=b""):
        """``head`` followed by the next ``n - len(head)`` bytes of the BIO,
        read straight into the result."""
        data = new_string(None, n)
        address = id(data) + data_offset
        done = len(head)
        if done:
            memmove(address, head, done)
        if raw_read(biop, ctypes.c_void_p(address + done), n - done) != n - done:
            raise error_from_code(lib)
        return data

    class MemoryBIO(NativeLike):
        """A buffer of bytes that an ``SSLObject`` reads from or writes to.

        Same behaviour as Python 3's ``ssl.MemoryBIO``: ``write()`` takes any
        bytes-like object, ``read(n=-1)`` returns at most ``n`` bytes (all of
        them when ``n`` is negative), and after ``write_eof()`` an empty
        buffer means end of file instead of "try again later".
        """

        # _bio: the BIO's address; _biop: the same as a pointer argument.
        __slots__ = ("_bio", "_biop", "_eof_written")

        def __init__(self):
            bio = raw_new(mem_method)
            if not bio:
                raise MemoryError("failed to allocate BIO")
            biop = pointer_argument(bio)
            if set_retry_per_bio:
                raw_ctrl(biop, set_eof_return_cmd, eof_means_retry, None)
            self._bio = bio
            self._biop = biop
            self._eof_written = False

        def __del__(self):
            try:
                biop = self._biop
            except AttributeError:  # __init__ never ran or failed
                return
            raw_free(biop)

        @property
        def pending(self):
            """The number of bytes pending in the memory buffer."""
            return int(raw_pending(self._biop))

        @property
        def eof(self):
            """Whether the memory BIO is at end-of-file."""
            return self._eof_written and raw_pending(self._biop) == 0

        # Parameters named __x are positional-only in effect, as Python 3's
        # are: the name is mangled, so no keyword can match it.
        def read(self, __size=-1):
            """read(size=-1, /): up to ``size`` bytes; all pending bytes if
            ``size`` is negative."""
            # "is -1": CPython shares small ints, so the default (the common
            # call) is recognised without a type check; anything else takes
            # the checked path.
            if __size is -1:
                data = read_str(self._biop, scratch_arg, scratch_size)
                if len(data) < scratch_size:
                    return data
                return self._read_rest(data)
            return self._read_sized(__size)

        def _read_sized(self, size):
            size = c_int_arg(size)
            if size < 0 or size > scratch_size:
                return self._read_pending(size)
            if size == 0:
                return b""
            return read_str(self._biop, scratch_arg, size)

        def _read_rest(self, head):
            """``head`` (the scratch buffer came back full) and everything
            still pending, in one str: only ``head`` is copied into it, the
            rest goes from the BIO straight into the result."""
            rest = min(raw_pending(self._biop), int_max - len(head))
            if rest == 0:
                return head
            return read_into_new(self._biop, len(head) + rest, head)

        def _read_pending(self, size):
            avail = raw_pending(self._biop)
            if avail > _INT_MAX:
                avail = _INT_MAX
            if size < 0 or size > avail:
                size = avail
            if size == 0:
                return b""
            return read_into_new(self._biop, size)

        def write(self, __b):
            """write(b, /): write the bytes of a bytes-like object ``b``;
            returns the number of bytes written."""
            if type(__b) is not bytes_type:
                __b = as_bytes(__b)
            n = len(__b)
            if n > int_max:
                raise OverflowError("string longer than %d bytes" % int_max)
            if self._eof_written:
                raise ssl_error("cannot write() after write_eof()")
            written = raw_write(self._biop, __b, n)
            if written < 0:
                raise error_from_code(lib)
            return written

        def write_eof(self):
            """Mark end of file: once drained, reads report EOF."""
            self._eof_written = True
            raw_ctrl(self._biop, set_eof_return_cmd, eof_means_eof, None)

    return MemoryBIO

"""``MemoryBIO``: Python 3's ``ssl.MemoryBIO`` over an OpenSSL memory BIO."""

import ctypes
import sys

from . import _errors

__all__ = ["make_memory_bio_class", "as_bytes"]

_INT_MAX = 2 ** 31 - 1
# Up to this size a result string is allocated by repetition (see read()).
_REPEAT_LIMIT = 4096

try:
    _integer_types = (int, long)  # noqa: F821 (Python 2)
    _text_type = unicode  # noqa: F821 (Python 2)
except NameError:  # pragma: no cover - the engine only runs on Python 2
    _integer_types = (int,)
    _text_type = str


def as_bytes(data):
    """The bytes of any bytes-like object, as Python 3's ``y*`` accepts.

    ``str`` passes through without a copy; text is a ``TypeError`` as in
    Python 3 (where it is ``str``).
    """
    if type(data) is bytes:
        return data
    if isinstance(data, _text_type) or data is None or \
            isinstance(data, _integer_types):
        raise TypeError("a bytes-like object is required, not '%s'"
                        % _type_name(data))
    try:
        return memoryview(data).tobytes()
    except TypeError:
        pass
    try:
        # array.array and other old-style buffers have no memoryview on 2.7.
        return bytes(buffer(data))  # noqa: F821 (Python 2)
    except TypeError:
        raise TypeError("a bytes-like object is required, not '%s'"
                        % _type_name(data))


def _type_name(obj):
    if isinstance(obj, _text_type):
        return "str"
    return type(obj).__name__


def index_as_int(value, what="integer"):
    """Python 3's ``int`` argument conversion (``__index__`` only)."""
    if isinstance(value, bool) or isinstance(value, _integer_types):
        return int(value)
    if hasattr(type(value), "__index__") and not isinstance(value, float):
        return int(value.__index__())
    raise TypeError("'%s' object cannot be interpreted as an integer"
                    % _type_name(value))


def ssize_arg(value):
    """An argument converted like Python 3's ``Py_ssize_t`` converter."""
    value = index_as_int(value)
    if value > sys.maxsize or value < -sys.maxsize - 1:
        raise OverflowError("Python int too large to convert to C ssize_t")
    return value


def c_int_arg(value):
    """An argument converted like Python 3's ``int`` clinic converter."""
    value = index_as_int(value)
    if value > _INT_MAX or value < -_INT_MAX - 1:
        raise OverflowError("Python int too large to convert to C int")
    return value


class _Final(type):
    """Python 3's ``_ssl`` types cannot be subclassed."""

    def __new__(mcs, name, bases, namespace):
        for base in bases:
            if isinstance(base, _Final):
                raise TypeError("type 'ssl.%s' is not an acceptable base type"
                                % base.__name__)
        return type.__new__(mcs, name, bases, namespace)


def make_memory_bio_class(lib, layout, pythonapi):
    """Build ``MemoryBIO`` bound to one resolved OpenSSL binding."""
    new_bio = lib.BIO_new
    bio_s_mem = lib.BIO_s_mem
    bio_free = lib.BIO_free
    bio_read = lib.BIO_read
    bio_write = lib.BIO_write
    bio_pending = lib.BIO_ctrl_pending
    set_eof_return = lib.bio_set_mem_eof_return
    error_from_code = _errors.error_from_code
    ssl_error = _errors.ssl.SSLError

    # One copy per read: allocate the result str and let BIO_read fill it
    # in place.  The string must be a new object no one else holds: never
    # the shared empty string (read() never asks for one) nor an interned
    # one-character string (PyString_FromStringAndSize(NULL, 1) is new).
    new_string = pythonapi.PyString_FromStringAndSize
    new_string.restype = ctypes.py_object
    new_string.argtypes = [ctypes.c_void_p, ctypes.c_ssize_t]
    data_offset = layout.string_data_offset

    def _read_exact(bio, n):
        # Small strings are cheaper to make by repeating a byte (a new
        # object for any length over 1; a length-1 repeat may be shared)
        # than through a foreign call; large ones are not worth the memset.
        if 1 < n <= _REPEAT_LIMIT:
            data = b"\0" * n
        else:
            data = new_string(None, n)
        got = bio_read(bio, id(data) + data_offset, n)
        if got != n:
            raise error_from_code(lib)
        return data

    class MemoryBIO(object):
        """A buffer of bytes that an ``SSLObject`` reads from or writes to.

        Same behaviour as Python 3's ``ssl.MemoryBIO``: ``write()`` takes any
        bytes-like object, ``read(n=-1)`` returns at most ``n`` bytes (all of
        them when ``n`` is negative), and after ``write_eof()`` an empty
        buffer means end of file instead of "try again later".
        """

        __metaclass__ = _Final
        __slots__ = ("_bio", "_eof_written")

        def __init__(self):
            bio = new_bio(bio_s_mem())
            if not bio:
                raise MemoryError("failed to allocate BIO")
            # An empty buffer means "retry" until write_eof(): reads return
            # -1 with the retry flag instead of 0 (end of file).
            set_eof_return(bio, -1)
            self._bio = bio
            self._eof_written = False

        def __del__(self, _free=bio_free):
            bio = getattr(self, "_bio", None)
            if bio:
                self._bio = None
                _free(bio)

        @property
        def pending(self):
            """The number of bytes pending in the memory buffer."""
            return int(bio_pending(self._bio))

        @property
        def eof(self):
            """Whether the memory BIO is at end-of-file."""
            return self._eof_written and bio_pending(self._bio) == 0

        def read(self, *args):
            """read(size=-1, /): up to ``size`` bytes; all pending bytes if
            ``size`` is negative (positional-only, as in Python 3)."""
            size = -1
            if args:
                if len(args) > 1:
                    raise TypeError("read expected at most 1 argument, got %d"
                                    % len(args))
                size = c_int_arg(args[0])
            bio = self._bio
            avail = bio_pending(bio)
            if avail > _INT_MAX:
                avail = _INT_MAX
            if size < 0 or size > avail:
                size = avail
            if size == 0:
                return b""
            return _read_exact(bio, size)

        def write(self, data, *unexpected):
            """write(b, /): write the bytes of a bytes-like object ``b``;
            returns the number of bytes written."""
            if unexpected:
                raise TypeError("write() takes exactly one argument (%d given)"
                                % (1 + len(unexpected)))
            if type(data) is not bytes:
                data = as_bytes(data)
            n = len(data)
            if n > _INT_MAX:
                raise OverflowError("string longer than %d bytes" % _INT_MAX)
            if self._eof_written:
                raise ssl_error("cannot write() after write_eof()")
            written = bio_write(self._bio, data, n)
            if written < 0:
                raise error_from_code(lib)
            return written

        def write_eof(self):
            """Mark end of file: once drained, reads report EOF."""
            self._eof_written = True
            set_eof_return(self._bio, 0)

        def __reduce_ex__(self, protocol):
            raise TypeError("cannot pickle 'MemoryBIO' object")

        def __reduce__(self):
            raise TypeError("cannot pickle 'MemoryBIO' object")

        def __copy__(self):
            raise TypeError("cannot pickle 'MemoryBIO' object")

        def __deepcopy__(self, memo):
            raise TypeError("cannot pickle 'MemoryBIO' object")

    return MemoryBIO

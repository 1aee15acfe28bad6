"""Argument conversion as Python 3's C functions do it.

Python 3's ``_ssl`` parses its arguments with Argument Clinic converters
(``int``, ``Py_ssize_t``, ``Py_buffer``); these helpers raise the same
exception classes for the same inputs on 2.7.
"""

import struct
import sys

__all__ = ["as_bytes", "byte_view", "index_as_int", "ssize_arg", "c_int_arg",
           "c_long_arg", "no_arguments", "integer_types", "long_type",
           "TEXT_TYPES", "INT_MAX"]

INT_MAX = 2 ** 31 - 1
# C long: 64 bits on the LP64 platforms CPython 2.7 runs on, 32 on Windows.
_LONG_MAX = 2 ** (8 * struct.calcsize("l") - 1) - 1

try:
    long_type = long  # noqa: F821 (Python 2)
    _text_type = unicode  # noqa: F821 (Python 2)
except NameError:  # pragma: no cover - the engine only runs on Python 2
    long_type = int
    _text_type = str
integer_types = (int, long_type)
# What Python 3 takes as text (``str``) comes as either type on 2.7.
TEXT_TYPES = (str, _text_type) if _text_type is not str else (str,)


def as_bytes(data):
    """The bytes of any bytes-like object, as Python 3's ``y*`` accepts.

    ``str`` passes through without a copy; text is a ``TypeError`` as in
    Python 3, whose message names the type passed (2.7's ``unicode``).
    """
    if type(data) is bytes:
        return data
    if isinstance(data, _text_type) or data is None or \
            isinstance(data, integer_types):
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


def byte_view(data):
    """``data`` as a flat ``memoryview`` of its bytes, as Python 3's
    ``SSLSocket.sendall()`` takes it (``memoryview(data).cast("B")``).

    Anything that is not bytes-like (text included) is a ``TypeError`` with
    Python 3's message, naming the type passed; 2.7's objects with only the
    old buffer interface (``array.array``) are bytes-like, as on Python 3.
    """
    try:
        view = memoryview(data)
    except TypeError:
        try:
            return memoryview(as_bytes(data))
        except TypeError:
            raise TypeError("memoryview: a bytes-like object is required, "
                            "not '%s'" % _type_name(data))
    return view.cast("B") if hasattr(view, "cast") else view


def no_arguments(type_name, args, kwargs):
    """Refuse a constructor's arguments as Python 3 refuses them for a C
    type that takes none (``MemoryBIO()``): positional ones first."""
    if args:
        raise TypeError("%s() takes no positional arguments" % type_name)
    if kwargs:
        raise TypeError("%s() takes no keyword arguments" % type_name)


def _type_name(obj):
    # The type the caller passed, by its own name: Python 3's messages say
    # 'str' for text, which on 2.7 would name the type that is accepted.
    return type(obj).__name__


def index_as_int(value, what="integer"):
    """Python 3's ``int`` argument conversion (``__index__`` only)."""
    if isinstance(value, integer_types):
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
    if value > INT_MAX or value < -INT_MAX - 1:
        raise OverflowError("Python int too large to convert to C int")
    return value


def c_long_arg(value):
    """An argument converted like Python 3's ``"l"`` format unit."""
    value = index_as_int(value)
    if value > _LONG_MAX or value < -_LONG_MAX - 1:
        raise OverflowError("Python int too large to convert to C long")
    return value

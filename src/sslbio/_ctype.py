"""Python classes that behave like Python 3's C types in ``_ssl``.

``MemoryBIO`` and ``SSLSession`` are C types on Python 3: they cannot be
subclassed, pickled or copied.  ``NativeLike`` gives a Python class the same
refusals, with the same exception classes.
"""

__all__ = ["NativeLike"]


class _Final(type):
    """Python 3's ``_ssl`` types cannot be subclassed."""

    def __new__(mcs, name, bases, namespace):
        for base in bases:
            if isinstance(base, _Final) and base.__name__ != "NativeLike":
                raise TypeError("type 'ssl.%s' is not an acceptable base type"
                                % base.__name__)
        return type.__new__(mcs, name, bases, namespace)


class NativeLike(object):
    """Base of the final, unpicklable, uncopyable engine types."""

    __metaclass__ = _Final
    __slots__ = ()

    def _refuse_pickle(self, *ignored):
        raise TypeError("cannot pickle '%s' object" % type(self).__name__)

    __reduce_ex__ = __reduce__ = __copy__ = __deepcopy__ = _refuse_pickle

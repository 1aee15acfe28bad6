"""Python classes that behave like Python 3's C types in ``_ssl``.

``MemoryBIO`` and ``SSLSession`` are C types on Python 3: they cannot be
subclassed, pickled or copied.  ``NativeLike`` gives a Python class the same
refusals, with the same exception classes.  The engine-neutral fronts
(``_bio.MemoryBIO``, ``_session.SSLSession``) say ``_subclassable = True``
so that an engine can build its concrete class on them; the concrete class
itself is final again.
"""

__all__ = ["NativeLike"]


class _Final(type):
    """Python 3's ``_ssl`` types cannot be subclassed."""

    def __new__(mcs, name, bases, namespace):
        for base in bases:
            # Looked up in the class's own namespace: being a base for
            # engines is not inherited by the engines' classes.
            if isinstance(base, _Final) and \
                    not base.__dict__.get("_subclassable", False):
                raise TypeError("type 'ssl.%s' is not an acceptable base type"
                                % base.__name__)
        return type.__new__(mcs, name, bases, namespace)


class NativeLike(object):
    """Base of the final, unpicklable, uncopyable engine types."""

    __metaclass__ = _Final
    __slots__ = ()
    _subclassable = True

    def _refuse_pickle(self, *ignored):
        raise TypeError("cannot pickle '%s' object" % type(self).__name__)

    __reduce_ex__ = __reduce__ = __copy__ = __deepcopy__ = _refuse_pickle

"""``SSLSession``: the engine-neutral front of Python 3's ``ssl.SSLSession``.

What every engine's session shares: no public constructor, equality by id,
no order.  Engines subclass it with the class that holds the session and
answers the properties declared below (see ``_contract``).
"""

from ._contract import engine_method
from ._ctype import NativeLike
from ._shared import is_counterpart

__all__ = ["SSLSession"]


def _unordered(op):
    """The comparison ``op``, which sessions do not have (Python 3's
    ``TypeError``)."""
    def refuse(self, other):
        raise TypeError("'%s' not supported between instances of '%s' "
                        "and '%s'" % (op, type(self).__name__,
                                      type(other).__name__))
    return refuse


class SSLSession(NativeLike):
    """A TLS session that can be resumed (Python 3's ``ssl.SSLSession``).

    Sessions are taken from ``SSLObject.session`` after a handshake and
    passed to ``wrap_bio(..., session=...)`` for a later connection made
    from the same context.  Two sessions are equal when their ids are.
    """

    __slots__ = ()
    __hash__ = None
    _subclassable = True

    def __init__(self, *args, **kwargs):
        raise TypeError("cannot create 'ssl.SSLSession' instances")

    @classmethod
    def _is_session(cls, obj):
        """Whether ``obj`` is an ``SSLSession`` of this engine: any copy's
        (see ``_shared``) is Python 3's one ``SSLSession`` type."""
        return type(obj) is cls or is_counterpart(obj, cls)

    @property
    @engine_method
    def id(self):
        """The session id, as bytes."""

    @property
    @engine_method
    def time(self):
        """Session creation time (seconds since the epoch)."""

    @property
    @engine_method
    def timeout(self):
        """Session timeout, in seconds."""

    @property
    @engine_method
    def ticket_lifetime_hint(self):
        """The ticket lifetime the server announced, in seconds."""

    @property
    @engine_method
    def has_ticket(self):
        """Whether the session carries a session ticket."""

    def __eq__(self, other):
        if not self._is_session(other):
            return NotImplemented
        return self is other or self.id == other.id

    def __ne__(self, other):
        if not self._is_session(other):
            return NotImplemented
        return not self.__eq__(other)

    __lt__ = _unordered("<")
    __le__ = _unordered("<=")
    __gt__ = _unordered(">")
    __ge__ = _unordered(">=")

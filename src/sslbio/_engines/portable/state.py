"""Where a portable ``SSLObject``'s connection stands, as one value.

An object starts ``HANDSHAKING``.  The handshake completing makes it
``OPEN``, or ``OPEN_NAMELESS`` for a client that has ``check_hostname`` but
no host name (Python 3 then refuses its data).  The host name check failing
makes it ``NAME_MISMATCH``, or ``NAME_MISMATCH_IN_CLEAR`` where the client
stopped before its ChangeCipherSpec (TLS 1.2: no cipher is current); there
it stays.  A fatal error makes it ``FAILED`` when OpenSSL's connection is in
its error state, or when it strikes during the handshake; a handshake that
then completes after all makes it ``OPEN`` again, as it does OpenSSL's.
"""

__all__ = ["HANDSHAKING", "OPEN", "OPEN_NAMELESS", "NAME_MISMATCH",
           "NAME_MISMATCH_IN_CLEAR", "FAILED"]


class State(object):
    """One state: whether the handshake is done as Python 3 reports it
    (``finished``: a version, a peer certificate) and whether it failed on
    the host name (``mismatch``)."""

    __slots__ = ("name", "finished", "mismatch")

    def __init__(self, name, finished=False, mismatch=False):
        self.name = name
        self.finished = finished
        self.mismatch = mismatch

    def __repr__(self):
        return self.name


HANDSHAKING = State("HANDSHAKING")
OPEN = State("OPEN", finished=True)
OPEN_NAMELESS = State("OPEN_NAMELESS", finished=True)
NAME_MISMATCH = State("NAME_MISMATCH", mismatch=True)
NAME_MISMATCH_IN_CLEAR = State("NAME_MISMATCH_IN_CLEAR", mismatch=True)
FAILED = State("FAILED")

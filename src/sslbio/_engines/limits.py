"""What an engine cannot do that Python 3.11 does, as data.

Each engine declares its ``Limits``; ``lines()`` renders them as the
sentences ``python -m sslbio check`` prints and ``sslbio.ENGINE_LIMITATIONS``
lists.  Whatever acts on a limitation (the demo, the tests' comparisons with
Python 3) reads the fields, never the sentences.  The record is plain data
(``as_dict()``/``from_dict()`` round-trip through JSON) and imports on
Python 3 as well.
"""

import collections

__all__ = ["Limits", "NO_LIMITS"]

# (name, default: as Python 3).  What a field means is the sentence lines()
# renders for it.
_FIELDS = (
    ("hostname_checked_late", False),
    ("hostname_failure_reads_flight", False),
    ("chain_failure_without_verify_code", False),
    ("resumes_sessions", True),
    # ((method, when or ""), ...): methods that raise NotImplementedError.
    ("refused_calls", ()),
    ("answers_after_unwrap_alert", False),
    ("descriptors_per_object", 0),
    # Python 3.11's context attributes (names of _context_features.FEATURES)
    # that raise NotImplementedError, why, and those served.
    ("unserved_context_attributes", ()),
    ("served_context_attributes", ()),
    ("context_reason", ""),
    ("tls12_floor_as_options", False),
)


class Limits(collections.namedtuple("Limits",
                                    [name for name, _ in _FIELDS])):
    """An engine's limitations; every field defaults to "as Python 3"."""

    __slots__ = ()

    def __new__(cls, **fields):
        values = dict(_FIELDS)
        unknown = set(fields) - set(values)
        if unknown:
            raise TypeError("unknown limitations: %s" % sorted(unknown))
        values.update(fields)
        values["refused_calls"] = tuple(
            tuple(call) for call in values["refused_calls"])
        for name in ("unserved_context_attributes",
                     "served_context_attributes"):
            values[name] = tuple(values[name])
        return super(Limits, cls).__new__(
            cls, *[values[name] for name, _ in _FIELDS])

    @classmethod
    def from_dict(cls, fields):
        """The record ``as_dict()`` gave (through JSON, say)."""
        return cls(**fields)

    def as_dict(self):
        return dict(zip(self._fields, self))

    def refused(self):
        """The names of the methods that raise NotImplementedError."""
        return frozenset(name for name, _ in self.refused_calls)

    def lines(self):
        """The limitations as sentences, for people."""
        lines = []
        if self.hostname_checked_late:
            lines.append(
                "host names are checked by sslbio once the peer's certificate "
                "is known; on a TLS 1.3 mismatch the peer gets no alert (the "
                "client's last flight is withheld instead)")
        if self.hostname_failure_reads_flight:
            lines.append(
                "a client that fails the host name check has read the rest of "
                "the peer's flight from its incoming BIO (Python 3 leaves what "
                "follows the Certificate message there)")
        if self.chain_failure_without_verify_code:
            lines.append("certificate chain failures carry no verify_code or "
                         "verify_message (None)")
        if not self.resumes_sessions:
            lines.append(
                "no session resumption: SSLObject.session is None; setting a "
                "session or wrap_bio(session=...) raises NotImplementedError")
        for name, when in self.refused_calls:
            lines.append("%s() raises NotImplementedError%s"
                         % (name, " " + when if when else ""))
        if self.answers_after_unwrap_alert:
            lines.append(
                "after a fatal alert received inside unwrap(), getpeercert() "
                "and version() still answer (Python 3: ValueError and None): "
                "the alert is encrypted and the native unwrap() succeeds")
        if self.descriptors_per_object:
            lines.append("%d file descriptors per SSLObject (a private socket "
                         "pair) and extra system calls per record"
                         % self.descriptors_per_object)
        if self.unserved_context_attributes:
            floor = (" (PROTOCOL_TLS_CLIENT/SERVER contexts show their TLS "
                     "1.2 floor in options as OP_NO_TLSv1|OP_NO_TLSv1_1)"
                     if self.tls12_floor_as_options else "")
            lines.append(
                "of Python 3.11's context attributes it serves only %s%s; %s "
                "raise NotImplementedError (%s)"
                % (", ".join(self.served_context_attributes), floor,
                   ", ".join(self.unserved_context_attributes),
                   self.context_reason))
        return lines


# An engine that does everything Python 3.11 does.
NO_LIMITS = Limits()

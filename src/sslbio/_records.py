"""Where TLS records begin and end in a stream of ciphertext.

The socket layer (``_sslsocket``) reads ciphertext from its transport one
record at a time: the 5-byte header, then exactly the body it announces.  So
nothing beyond the record the TLS object is working on is ever taken out of
the transport:

* whatever ``select()`` on the transport cannot see is already decrypted,
  and ``SSLSocket.pending()`` reports it -- the rule Python 3's
  ``ssl.SSLSocket`` follows, where OpenSSL itself reads record by record;
* clear text the peer sends right after its close_notify stays in the
  transport for whoever reads it after ``unwrap()``.
"""

import struct

HEADER_SIZE = 5
# The body length: the last two bytes of the header, big-endian.
_BODY_LENGTH = struct.Struct(">3xH")


class RecordBoundary(object):
    """Follows record headers (type, version, 16-bit length) through the bytes
    fed to it, and says how many to read next."""

    __slots__ = ("_header", "_left")

    def __init__(self):
        self._header = b""  # the bytes seen of the current header
        self._left = 0      # body bytes of the current record still to come

    def wanted(self):
        """How many bytes to ask the transport for: the rest of the current
        record's header, or of its body."""
        return self._left or HEADER_SIZE - len(self._header)

    def complete(self):
        """Whether the bytes seen end exactly at the end of a record."""
        return not self._left and not self._header

    def consume(self, data):
        """Account for ``data``, the next bytes of the stream (never more
        than ``wanted()``)."""
        if self._left:
            self._left -= len(data)
            return
        header = self._header + data
        if len(header) < HEADER_SIZE:
            self._header = header
            return
        self._header = b""
        self._left = _BODY_LENGTH.unpack(header)[0]

    def read_record(self, recv, pieces):
        """Call ``recv(n)`` until the end of the current record, appending
        what comes to ``pieces`` (so the caller keeps it if ``recv`` raises).
        Returns False if ``recv`` gave b'' (the end of the stream) first.
        One loop for the record: this runs once per record received."""
        if not self._left and not self._header:
            header = recv(HEADER_SIZE)
            if not header:
                return False
            pieces.append(header)
            if len(header) == HEADER_SIZE:
                self._left = _BODY_LENGTH.unpack(header)[0]
            else:
                self._header = header
        while self._left or self._header:
            data = recv(self._left or HEADER_SIZE - len(self._header))
            if not data:
                return False
            pieces.append(data)
            self.consume(data)
        return True

"""Where TLS records begin and end in a stream of ciphertext.

The socket layer (``_sslsocket``) reads ciphertext from its transport only up to
the end of the record the TLS object is waiting for (plus the next record's
5-byte header).  So ciphertext of a later record is never taken out of the
transport early: whatever ``select()`` on the transport cannot see is already
decrypted, and ``SSLSocket.pending()`` reports it -- the rule Python 3's
``ssl.SSLSocket`` follows, where OpenSSL itself reads record by record.
"""

HEADER_SIZE = 5


class RecordBoundary(object):
    """Follows record headers (type, version, 16-bit length) through the bytes
    fed to it, and says how many to read next."""

    __slots__ = ("_header", "_left")

    def __init__(self):
        self._header = b""  # the bytes seen of the current header
        self._left = 0      # body bytes of the current record still to come

    def wanted(self):
        """How many bytes to ask the transport for: the rest of the current
        record and the header of the next, which is never a whole record."""
        if self._left:
            return self._left + HEADER_SIZE
        return HEADER_SIZE - len(self._header)

    def consume(self, data):
        """Account for ``data``, the next bytes of the stream."""
        position, end = 0, len(data)
        while position < end:
            if self._left:
                step = min(self._left, end - position)
                self._left -= step
                position += step
                continue
            missing = HEADER_SIZE - len(self._header)
            self._header += data[position:position + missing]
            position += missing
            if len(self._header) == HEADER_SIZE:
                header = bytearray(self._header)
                self._left = (header[3] << 8) | header[4]
                self._header = b""

"""Where TLS records begin and end in a stream of ciphertext: the one reading
of a record header (``record_length``, ``complete_records``) for whatever
follows records (the socket layer, the portable engine, the reader of the
clear-text handshake), and how much of the stream the socket layer
(``_sslsocket``) may take out of its transport.

The socket layer reads a record's 5-byte header, then its body.  The body of
a full-size record is read together with the next record's header, in one
``recv()``: one system call per record in a bulk transfer instead of two.
Nothing beyond that header is ever taken out of the transport, which keeps
the two promises of Python 3's ``ssl.SSLSocket`` (where OpenSSL itself reads
header, then body):

* whatever ``select()`` on the transport cannot see is already decrypted,
  and ``SSLSocket.pending()`` reports it.  A header read ahead completes no
  record: its body (never empty in a record a TLS peer sends once it
  encrypts) is still in the transport for ``select()`` to see.  An empty one
  (a broken peer's) completes its record, which is then handed to the TLS
  object as it is, without waiting on the transport for more;
* clear text the peer sends right after its close_notify stays in the
  transport for whoever reads it after ``unwrap()``.  Only a record that
  cannot be a close_notify is read with the next header: one whose body is
  longer than ``READ_AHEAD_BODY``.  A close_notify alert is 2 bytes of
  plain text in a record of at most 322 bytes (TLS 1.2's CBC suites: an
  explicit IV, a SHA-384 MAC and the most padding) or 19 (TLS 1.3), while a
  record carrying a full 16 KiB fragment is longer than 16384 bytes under
  every cipher suite, so bulk data always qualifies.  A TLS 1.3 peer could
  make an alert that long only by padding it with over 16 KB of zeros,
  which no TLS library does unless told to pad every record to the maximum.
"""

import struct

HEADER_SIZE = 5
# The most plain text one TLS record carries (2^14 bytes, RFC 8446 5.1).
MAX_PLAINTEXT = 16384
# The body length: the last two bytes of the header, big-endian.
_BODY_LENGTH = struct.Struct(">3xH")


def record_length(header, maybe_sslv2):
    """The length of the record whose header is ``header`` (its
    ``HEADER_SIZE`` bytes, as ``str``, ``bytes`` or ``bytearray``), header
    included.  Where ``maybe_sslv2`` (a server's first record), an
    SSLv2-format ClientHello's, whose header is 2 bytes.  (No default
    argument: CPython 2.7 calls a function that has one the slow way, and
    the portable engine calls this for every record it feeds.)"""
    if maybe_sslv2 and ord(header[0:1]) & 0x80:
        return (((ord(header[0:1]) & 0x7f) << 8) | ord(header[1:2])) + 2
    return HEADER_SIZE + _BODY_LENGTH.unpack(header)[0]


def complete_records(data):
    """``(content type, record)`` of each complete record at the start of
    ``data`` (a ``bytearray``), the record without its header."""
    pos = 0
    while pos + HEADER_SIZE <= len(data):
        end = pos + record_length(data[pos:pos + HEADER_SIZE], False)
        if end > len(data):
            return
        yield data[pos], data[pos + HEADER_SIZE:end]
        pos = end


# Records with a longer body are read with the next header (see above).
READ_AHEAD_BODY = MAX_PLAINTEXT


class RecordBoundary(object):
    """Follows record headers (type, version, 16-bit length) through the bytes
    fed to it, and says how many to read next."""

    __slots__ = ("wanted", "_header", "_left", "_record_held")

    def __init__(self):
        # How many bytes to ask the transport for: the rest of the current
        # record's header, or of its body (and then the next header).
        self.wanted = HEADER_SIZE
        self._header = b""  # the bytes seen of the current header
        self._left = 0      # body bytes of the current record still to come
        # A header read ahead announced an empty body: that record is whole.
        self._record_held = False

    def consume(self, data):
        """Account for ``data``, the next bytes of the stream (never more
        than ``wanted``).  Returns True if a record ends in it."""
        self._record_held = False
        left = self._left
        if left:
            if len(data) < left:
                self._left = left - len(data)
                self.wanted -= len(data)
                return False
            # The body's end, then (part of) the next header.
            header = self._header + data[left:]
            ended = True
        else:
            header = self._header + data
            ended = False
        if len(header) < HEADER_SIZE:
            self._header = header
            self._left = 0
            self.wanted = HEADER_SIZE - len(header)
            return ended
        self._header = b""
        body = self._left = _BODY_LENGTH.unpack(header)[0]
        if body > READ_AHEAD_BODY:
            self.wanted = body + HEADER_SIZE
        else:
            self.wanted = body or HEADER_SIZE
        if not body:
            self._record_held = ended
            return True
        return ended

    def read_record(self, recv, pieces):
        """Call ``recv(n)`` until the end of the next record (the one begun
        in the bytes seen, else the one after them), appending what comes to
        ``pieces`` (so the caller keeps it if ``recv`` raises).  Returns
        False if ``recv`` gave b'' (the end of the stream) first.  One loop
        for the record: this runs once per record received."""
        if self._record_held:  # already whole: nothing to wait for
            self._record_held = False
            return True
        consume = self.consume
        while True:
            data = recv(self.wanted)
            if not data:
                return False
            pieces.append(data)
            if consume(data):
                return True

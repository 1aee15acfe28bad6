"""Feeding the native side the peer's bytes one TLS record at a time, so
that ``incoming`` holds what an OpenSSL memory BIO would (see the package's
docstring), and taking back what the native side did not read."""

import _socket

from ..._records import HEADER_SIZE, record_length
from .bytequeue import MemoryBIO

__all__ = ["RecordFeeder"]

_len = len


class RecordFeeder(object):
    """Moves ``incoming``'s records into the socket the native object reads
    (through ``send``; ``ours`` is its end).  Where it stands: at a record
    boundary, or ``record_left`` bytes into a record, or inside a header
    (``header``, its first bytes); ``fed`` once anything went, ``eof_sent``
    once end of file did.  ``flight``, when not None, collects every byte
    fed (the server's handshake records, for the host name check)."""

    __slots__ = ("incoming", "send", "ours", "theirs", "server_side",
                 "record_left", "header", "fed", "eof_sent", "flight")

    def __init__(self, incoming, send, ours, theirs, server_side):
        self.incoming = incoming
        self.send = send
        self.ours = ours
        self.theirs = theirs
        self.server_side = server_side
        self.record_left = 0
        self.header = b""
        self.fed = False
        self.eof_sent = False
        self.flight = None

    def feed(self):
        """Give the native side the rest of the record it is reading (or
        end of file); False when ``incoming`` has nothing for it."""
        record = self.whole_record()
        if record is not None:
            self._push(record)
            return True
        incoming = self.incoming
        avail = incoming._pending
        if not avail:
            if incoming._eof_written and not self.eof_sent:
                self.eof_sent = True
                self.theirs.shutdown(_socket.SHUT_WR)
                return True
            return False
        left = self.record_left
        if not left:
            # At a record header (some of it may have gone already).
            done = len(self.header)
            header = self.header + incoming._peek(HEADER_SIZE - done)
            if len(header) < HEADER_SIZE:
                self.header = header
                self._push(incoming._take(avail))
                return True
            self.header = b""
            left = record_length(header, self.server_side and
                                 not self.fed) - done
        # (Tests, not min() and max(): this runs for every record fed.)
        if left > avail:
            self.record_left = left - avail
            left = avail
        else:
            self.record_left = 0
        self._push(incoming._take(left))
        return True

    def whole_record(self):
        """The common case: at a record boundary, the next chunk written to
        ``incoming`` is one whole record, which can go to the socket as it
        is.  That chunk, removed from ``incoming``; else None."""
        incoming = self.incoming
        chunks = incoming._chunks
        if self.record_left or self.header or not self.fed or \
                incoming._head or not chunks:
            return None
        first = chunks[0]
        size = _len(first)
        # (The header read inline, not by _records.record_length(): this
        # runs for every record received.)
        if size < HEADER_SIZE or size != HEADER_SIZE + (
                (ord(first[3]) << 8) | ord(first[4])):
            return None
        chunks.popleft()
        incoming._pending -= size
        return first

    def _push(self, data):
        self.fed = True
        if self.flight is not None:
            self.flight += data
        self.send(data)

    def take_back(self):
        """After a failed call: what the native side did not read goes back
        to the front of ``incoming``, where OpenSSL would have left it
        (received as ``outgoing`` receives the native side's output)."""
        unread = MemoryBIO()
        if unread._receive(self.ours):
            self.incoming._put_back(unread._take(unread._pending))
            self.record_left = 0
            self.header = b""

"""The portable engine's ``MemoryBIO``: a byte queue that takes written
objects without copying and receives the native side's output from a
socket into a spool it reuses."""

import collections
import socket

from ... import _bio
from ..._args import no_arguments
from ..._records import MAX_PLAINTEXT
from .sockets import DRAIN_SIZE, WOULD_BLOCK

__all__ = ["MemoryBIO"]

_INT_MAX = _bio.INT_MAX
# The spool an outgoing BIO receives into starts with room for one full
# record (16 KiB of plaintext and what TLS adds), and is never given less
# room than that for a recv().
_SPOOL_ROOM = MAX_PLAINTEXT + 1024
_SPOOL_SIZE = 2 * _SPOOL_ROOM
_socket_error = socket.error


class MemoryBIO(_bio.MemoryBIO):
    __doc__ = _bio.MemoryBIO.__doc__

    # Two stores, in this order:
    # * the written objects themselves (a deque of str), so that writing
    #   copies nothing; _head counts the bytes of the first one already read;
    # * the spool, a bytearray the engine receives its native side's output
    #   into (_receive), held through a memoryview (slicing one copies
    #   nothing): bytes _spool_head to _spool_end.  Kept at its
    #   high-water size, as OpenSSL keeps a memory BIO's buffer, so that a
    #   steady flow reuses the same memory instead of making one str per
    #   record and joining them on read() (which, for pumps of a megabyte,
    #   made glibc return the heap to the system and take it back, page by
    #   page, on every pump).
    # A write while the spool holds bytes moves them into the deque first,
    # which keeps the order.
    __slots__ = ("_chunks", "_head", "_pending", "_eof_written", "_spool",
                 "_spool_head", "_spool_end")

    def __init__(self, *args, **kwargs):
        if args or kwargs:
            no_arguments("MemoryBIO", args, kwargs)
        self._chunks = collections.deque()
        self._head = 0
        self._pending = 0
        self._eof_written = False
        self._spool = None
        self._spool_head = self._spool_end = 0

    @property
    def pending(self):
        return self._pending

    @property
    def eof(self):
        return self._eof_written and not self._pending

    def read(self, __size=-1):
        if __size is not -1:
            __size = self._checked_read_size(__size)
        avail = self._pending
        if avail > _INT_MAX:
            avail = _INT_MAX
        if __size < 0 or __size > avail:
            __size = avail
        if not __size:
            return b""
        return self._take(__size)

    def write(self, __b):
        if type(__b) is not bytes or len(__b) > _INT_MAX:
            __b = self._as_write_bytes(__b)
        n = len(__b)
        if self._eof_written:
            raise self._write_after_eof_error()
        if n:
            self._append(__b)
        return n

    def write_eof(self):
        self._eof_written = True

    # -- for the engine ------------------------------------------------------
    def _append(self, data):
        """Add ``data`` (bytes) at the end, after anything spooled."""
        if self._spool_end:
            self._chunks.append(self._take_spooled(
                self._spool_end - self._spool_head))
        self._chunks.append(data)
        self._pending += len(data)

    def _receive(self, sock):
        """Append everything a non-blocking socket ``sock`` holds; returns
        the number of bytes added.

        Into an empty buffer, what one recv() gives becomes a chunk that
        read() hands over as it is (a call's output read before the next
        call: no copy); anything more goes into the spool."""
        added = 0
        if not self._pending:
            try:
                data = sock.recv(DRAIN_SIZE)
            except _socket_error as exc:
                if exc.errno not in WOULD_BLOCK:
                    raise
                return 0
            added = len(data)
            if added:
                self._chunks.append(data)
                self._pending = added
            # A stream socket returns everything queued, up to the size
            # asked: a short read has emptied it.
            if added < DRAIN_SIZE:
                return added
        return added + self._spool_from(sock.recv_into)

    def _spool_from(self, recv_into):
        """Receive into the spool until ``recv_into`` gives less than asked
        or would block; returns the number of bytes added."""
        if self._chunks and not self._spool_end:
            self._spool_chunks()
        spool, end = self._spool, self._spool_end
        if spool is None:
            spool = self._spool = memoryview(bytearray(_SPOOL_SIZE))
        added = 0
        try:
            while True:
                room = len(spool) - end
                if room < _SPOOL_ROOM:
                    spool = self._grown_spool(end)
                    end = self._spool_end
                    room = len(spool) - end
                try:
                    got = recv_into(spool[end:], room)
                except _socket_error as exc:
                    if exc.errno not in WOULD_BLOCK:
                        raise
                    return added  # the last one filled its room exactly
                end += got
                added += got
                if got < room:
                    return added
        finally:
            self._spool_end = end
            self._pending += added

    def _spool_chunks(self):
        """Move the written chunks into the (empty) spool, so that a read
        of everything makes one copy of the spool instead of joining."""
        data = self._take(self._pending)
        self._pending += len(data)
        size = _SPOOL_SIZE
        while size - len(data) < _SPOOL_ROOM:
            size *= 2
        if self._spool is None or len(self._spool) < size:
            self._spool = memoryview(bytearray(size))
        self._spool[:len(data)] = data
        self._spool_head, self._spool_end = 0, len(data)

    def _grown_spool(self, end):
        """A spool with room: the bytes still unread moved to the start of
        a new one, of twice the size when half would not leave room (a new
        one: a bytearray with a view of it cannot be resized)."""
        spool, head = self._spool, self._spool_head
        size = len(spool)
        if end - head + _SPOOL_ROOM > size // 2:
            size *= 2
        new = memoryview(bytearray(size))
        new[:end - head] = spool[head:end]
        self._spool, self._spool_head, self._spool_end = new, 0, end - head
        return new

    def _tail(self, n):
        """The last ``n`` (<= pending) bytes."""
        start = max(self._spool_head, self._spool_end - n)
        data = self._spool[start:self._spool_end].tobytes() \
            if self._spool_end else b""
        for chunk in reversed(self._chunks):
            if len(data) == n:
                break
            data = chunk[-(n - len(data)):] + data
        return data

    def _take_spooled(self, n):
        """The next ``n`` bytes of the spool, removed from it (the caller
        counts them off ``_pending``)."""
        head = self._spool_head
        data = self._spool[head:head + n].tobytes()
        head += n
        if head == self._spool_end:
            self._spool_head = self._spool_end = 0
        else:
            self._spool_head = head
        return data

    def _take(self, n):
        """The next ``n`` (0 < n <= pending) bytes, removed from the
        buffer: a written object itself when it is read whole."""
        chunks = self._chunks
        self._pending -= n
        if not chunks:
            return self._take_spooled(n)
        head = self._head
        first = chunks[0]
        end = head + n
        size = len(first)
        if end < size:
            self._head = end
            return first[head:end]
        chunks.popleft()
        self._head = 0
        if end == size:
            return first[head:] if head else first
        parts = [first[head:] if head else first]
        need = end - size
        while need:
            if not chunks:
                parts.append(self._take_spooled(need))
                break
            chunk = chunks[0]
            if len(chunk) > need:
                parts.append(chunk[:need])
                self._head = need
                break
            parts.append(chunks.popleft())
            need -= len(chunk)
        return b"".join(parts)

    def _peek(self, n):
        """Up to ``n`` of the next bytes, left in the buffer."""
        data = b""
        head = self._head
        for chunk in self._chunks:
            data += chunk[head:head + n - len(data)]
            head = 0
            if len(data) == n:
                return data
        start = self._spool_head
        end = min(self._spool_end, start + n - len(data))
        if end > start:
            data += self._spool[start:end].tobytes()
        return data

    def _put_back(self, data):
        """Return bytes taken with ``_take`` to the front of the buffer."""
        if data:
            chunks = self._chunks
            if self._head:
                chunks[0] = chunks[0][self._head:]
                self._head = 0
            chunks.appendleft(data)
            self._pending += len(data)

    def _truncate(self, keep):
        """Drop everything after the first ``keep`` (<= pending) bytes."""
        drop = self._pending - keep
        self._pending = keep
        spooled = self._spool_end - self._spool_head
        if spooled:
            cut = min(drop, spooled)
            drop -= cut
            self._spool_end -= cut
            if self._spool_end == self._spool_head:
                self._spool_head = self._spool_end = 0
        chunks = self._chunks
        while drop:
            last = chunks.pop()
            size = len(last) - (self._head if not chunks else 0)
            if size > drop:
                chunks.append(last[:len(last) - drop])
                return
            drop -= size
            if not chunks:
                self._head = 0

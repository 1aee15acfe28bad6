"""The TLS record layer and handshake message framing, as byte structures.

Just enough parsing for mutations that respect (or deliberately break) the
framing: a flight is split into records (RFC 8446 section 5.1: type, legacy
version, 16-bit length, body) and a plaintext handshake record into
handshake messages (type, 24-bit length, body).  Anything that does not
parse is kept as an opaque tail, so every input round-trips exactly.
"""

import struct

HEADER = 5  # type (1), version (2), length (2)
HANDSHAKE_HEADER = 4  # type (1), length (3)

CHANGE_CIPHER_SPEC = 20
ALERT = 21
HANDSHAKE = 22
APPLICATION_DATA = 23
HEARTBEAT = 24
CONTENT_TYPES = (CHANGE_CIPHER_SPEC, ALERT, HANDSHAKE, APPLICATION_DATA,
                 HEARTBEAT)

# Largest record body each TLS version allows: 2**14 of plaintext, plus
# expansion for ciphertext (TLS 1.2: 2048, TLS 1.3: 256).
MAX_PLAINTEXT = 1 << 14


class Record(object):
    """One TLS record; ``body`` is bytes, ``length`` the header's field
    (normally ``len(body)``; a mutation may make them disagree)."""

    __slots__ = ("type", "version", "length", "body")

    def __init__(self, type, version, body, length=None):
        self.type = type
        self.version = version
        self.body = bytes(body)
        self.length = len(self.body) if length is None else length

    def encode(self):
        return struct.pack(">BHH", self.type & 0xFF, self.version & 0xFFFF,
                           self.length & 0xFFFF) + self.body

    def copy(self):
        return Record(self.type, self.version, self.body, self.length)

    def __repr__(self):
        return "Record(type=%d, version=0x%04x, length=%d, body=%d bytes)" % (
            self.type, self.version, self.length, len(self.body))


def split_records(data):
    """``(records, tail)``: the whole records at the start of ``data`` and
    the bytes after the last one (a partial record or garbage)."""
    data = bytes(data)
    records = []
    pos = 0
    while len(data) - pos >= HEADER:
        type_, version, length = struct.unpack(">BHH", data[pos:pos + HEADER])
        end = pos + HEADER + length
        if end > len(data):
            break
        records.append(Record(type_, version, data[pos + HEADER:end]))
        pos = end
    return records, data[pos:]


def join_records(records, tail=b""):
    return b"".join(record.encode() for record in records) + tail


def record_spans(data):
    """``[(start, end), ...]`` of each whole record in ``data``: where a
    length or type field sits for in-place edits."""
    spans = []
    pos = 0
    for record in split_records(data)[0]:
        end = pos + HEADER + len(record.body)
        spans.append((pos, end))
        pos = end
    return spans


def split_handshake(body):
    """``(messages, tail)`` of a plaintext handshake record body; a message
    is ``(msg_type, payload)``.  A message may continue in the next record
    (fragmentation): whatever does not complete here is the tail."""
    body = bytes(body)
    messages = []
    pos = 0
    while len(body) - pos >= HANDSHAKE_HEADER:
        msg_type = struct.unpack(">B", body[pos:pos + 1])[0]
        length = struct.unpack(">I", b"\0" + body[pos + 1:pos + 4])[0]
        end = pos + HANDSHAKE_HEADER + length
        if end > len(body):
            break
        messages.append((msg_type, body[pos + HANDSHAKE_HEADER:end]))
        pos = end
    return messages, body[pos:]


def encode_handshake(msg_type, payload, length=None):
    """One handshake message; ``length`` overrides the 24-bit field."""
    if length is None:
        length = len(payload)
    return struct.pack(">B", msg_type & 0xFF) + \
        struct.pack(">I", length & 0xFFFFFF)[1:] + payload


def is_plaintext_handshake(record):
    """A handshake record whose body parses as handshake messages.  Encrypted
    TLS 1.2 Finished messages also have type 22 but do not parse."""
    if record.type != HANDSHAKE:
        return False
    messages, tail = split_handshake(record.body)
    return bool(messages) and not tail


def describe(data):
    """Short structure of a flight for reports: ``22:517 20:1 23:58``."""
    records, tail = split_records(data)
    parts = ["%d:%d" % (r.type, len(r.body)) for r in records]
    if tail:
        parts.append("+%d" % len(tail))
    return " ".join(parts) or "-"

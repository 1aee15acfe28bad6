"""Mutation operators for TLS flights.

Each operator is ``op(rng, data, donors) -> (data, note)``: it takes the
bytes of one flight (what one side wrote into its outgoing ``MemoryBIO``
between two deliveries), returns the mutated bytes and a short note for the
case's transcript.  Operators that need structure parse the flight with
``records.py``; where a flight has no structure to work on (an empty or
garbage flight) they fall back to a byte-level edit, so every operator
always changes something.

``mutate()`` stacks one to three operators; ``chunks()`` decides how the
result is delivered (at once, or in pieces with the receiver called in
between, which exercises partial-record handling).

Values for length and type fields are the classic boundary values: 0, 1,
one less and one more than the truth, the protocol maxima and just past
them, and all ones.
"""

import struct

from . import records as rec

# -- helpers -----------------------------------------------------------------

_INTERESTING_BYTES = (0x00, 0x01, 0x7F, 0x80, 0xFE, 0xFF)


def _interesting_lengths(actual, bits):
    top = (1 << bits) - 1
    values = [0, 1, 2, actual - 1, actual + 1, actual * 2, top, top - 1,
              rec.MAX_PLAINTEXT, rec.MAX_PLAINTEXT + 1,
              rec.MAX_PLAINTEXT + 256, rec.MAX_PLAINTEXT + 2048,
              rec.MAX_PLAINTEXT + 2049]
    return [v for v in values if 0 <= v <= top]


def _byte_flip(rng, data):
    data = bytearray(data or b"\0")
    pos = rng.below(len(data))
    data[pos] ^= 1 << rng.below(8)
    return bytes(data), "flip@%d" % pos


def _pick_record(rng, data, want=None):
    """``(records, tail, index)`` of a random record (of ``want`` types
    when given), or ``index`` None when there is none."""
    records, tail = rec.split_records(data)
    indexes = [i for i, r in enumerate(records)
               if want is None or want(r)]
    if not indexes:
        return records, tail, None
    return records, tail, rng.choice(indexes)


# -- byte-level operators ------------------------------------------------------

def bit_flip(rng, data, donors):
    """Flip 1 to 8 random bits; half the time within the first 64 bytes,
    where the record and handshake headers are."""
    data = bytearray(data or b"\0")
    flips = []
    for _ in range(rng.between(1, 8)):
        span = min(len(data), 64) if rng.chance(50) else len(data)
        pos = rng.below(span)
        data[pos] ^= 1 << rng.below(8)
        flips.append(pos)
    return bytes(data), "bitflip@%s" % ",".join(map(str, flips))


def byte_set(rng, data, donors):
    """Overwrite 1 to 4 bytes with boundary values."""
    data = bytearray(data or b"\0")
    places = []
    for _ in range(rng.between(1, 4)):
        pos = rng.below(len(data))
        data[pos] = rng.choice(_INTERESTING_BYTES)
        places.append(pos)
    return bytes(data), "byteset@%s" % ",".join(map(str, places))


def truncate(rng, data, donors):
    """Cut the flight short: often near a record boundary (inside a
    header), otherwise anywhere; sometimes to nothing at all."""
    if not data or rng.chance(10):
        return b"", "truncate@0"
    spans = rec.record_spans(data)
    if spans and rng.chance(50):
        start, _ = rng.choice(spans)
        pos = min(len(data) - 1, start + rng.below(rec.HEADER + 2))
    else:
        pos = rng.below(len(data))
    return data[:pos], "truncate@%d" % pos


def insert_random(rng, data, donors):
    """Insert 1 to 64 random bytes at a random position."""
    pos = rng.below(len(data) + 1)
    blob = rng.bytes(rng.between(1, 64))
    return data[:pos] + blob + data[pos:], "insert%d@%d" % (len(blob), pos)


def garbage(rng, data, donors):
    """Replace the flight by random bytes, sometimes behind a plausible
    record header so that the receiver reads past the first five bytes."""
    blob = rng.bytes(rng.between(1, 600))
    if rng.chance(50):
        header = struct.pack(">BHH", rng.choice(rec.CONTENT_TYPES),
                             rng.choice((0x0301, 0x0303)), len(blob))
        blob = header + blob
    return blob, "garbage%d" % len(blob)


# -- record-level operators -------------------------------------------------------

def drop_record(rng, data, donors):
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return truncate(rng, data, donors)
    del records[i]
    return rec.join_records(records, tail), "drop#%d" % i


def duplicate_record(rng, data, donors):
    """Send one record twice: right after itself or somewhere else."""
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return data + data, "dupflight"
    j = rng.below(len(records) + 1)
    records.insert(j, records[i].copy())
    return rec.join_records(records, tail), "dup#%d->%d" % (i, j)


def swap_records(rng, data, donors):
    records, tail = rec.split_records(data)
    if len(records) < 2:
        return duplicate_record(rng, data, donors)
    i = rng.below(len(records))
    j = (i + 1 + rng.below(len(records) - 1)) % len(records)
    records[i], records[j] = records[j], records[i]
    return rec.join_records(records, tail), "swap#%d,%d" % (i, j)


def splice_record(rng, data, donors):
    """Insert, or put in place of one of ours, a record taken from another
    flight of this conversation or from another recorded session."""
    donor, origin = donors.record(rng)
    if donor is None:
        return insert_random(rng, data, donors)
    records, tail = rec.split_records(data)
    if records and rng.chance(50):
        i = rng.below(len(records))
        records[i] = donor
        note = "replace#%d<-%s" % (i, origin)
    else:
        i = rng.below(len(records) + 1)
        records.insert(i, donor)
        note = "splice#%d<-%s" % (i, origin)
    return rec.join_records(records, tail), note


def splice_flight(rng, data, donors):
    """Replace the flight by another flight, whole or a prefix of it, or
    append that flight to ours."""
    donor, origin = donors.flight(rng)
    if donor is None:
        return garbage(rng, data, donors)
    mode = rng.below(3)
    if mode == 0:
        return donor, "flight<-%s" % origin
    if mode == 1:
        cut = rng.below(len(donor) + 1)
        return donor[:cut], "flight<-%s[:%d]" % (origin, cut)
    return data + donor, "append<-%s" % origin


def record_length(rng, data, donors):
    """Edit a record's 16-bit length field without changing its body, so
    the framing of everything after it shifts."""
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return byte_set(rng, data, donors)
    record = records[i]
    record.length = rng.choice(_interesting_lengths(len(record.body), 16))
    return rec.join_records(records, tail), "reclen#%d=%d" % (i,
                                                            record.length)


def record_resize(rng, data, donors):
    """Change a record's body size and its length field together: framing
    stays valid, the content is short or has extra bytes."""
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return insert_random(rng, data, donors)
    record = records[i]
    size = rng.choice(_interesting_lengths(len(record.body), 15)
                      + [rng.below(len(record.body) + 1)])
    if size <= len(record.body):
        body = record.body[:size]
    else:
        pad = size - len(record.body)
        body = record.body + (rng.bytes(pad) if rng.chance(50) else
                              b"\0" * pad)
    records[i] = rec.Record(record.type, record.version, body)
    return rec.join_records(records, tail), "resize#%d=%d" % (i, size)


def record_type(rng, data, donors):
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return byte_set(rng, data, donors)
    records[i].type = rng.choice([t for t in rec.CONTENT_TYPES +
                                  (0, 19, 25, 0x80, 0xFF)
                                  if t != records[i].type])
    return rec.join_records(records, tail), "rectype#%d=%d" % (
        i, records[i].type)


def record_version(rng, data, donors):
    records, tail, i = _pick_record(rng, data)
    if i is None:
        return byte_set(rng, data, donors)
    records[i].version = rng.choice(
        (0x0000, 0x0200, 0x0300, 0x0301, 0x0302, 0x0303, 0x0304, 0x7F1C,
         0xFEFD, 0xFFFF, rng.below(0x10000)))
    return rec.join_records(records, tail), "recver#%d=0x%04x" % (
        i, records[i].version)


def insert_record(rng, data, donors):
    """Insert a fabricated record: an alert, a change_cipher_spec (valid or
    not), an empty record, a heartbeat, or one just over the size limit."""
    kind = rng.below(6)
    if kind == 0:
        record = rec.Record(rec.ALERT, 0x0303,
                            bytearray([rng.choice((1, 2, 3)),
                                       rng.choice((0, 10, 20, 40, 42, 47,
                                                   50, 70, 80, 90, 100,
                                                   109, 112, 255))]))
    elif kind == 1:
        record = rec.Record(rec.CHANGE_CIPHER_SPEC, 0x0303,
                            rng.choice((b"\x01", b"\x02", b"\x01\x01", b"")))
    elif kind == 2:
        record = rec.Record(rng.choice(rec.CONTENT_TYPES), 0x0303, b"")
    elif kind == 3:
        record = rec.Record(rec.HEARTBEAT, 0x0303,
                            b"\x01\x40\x00" + rng.bytes(16))
    elif kind == 4:
        record = rec.Record(rng.choice(rec.CONTENT_TYPES), 0x0303,
                            rng.bytes(rng.choice(
                                (rec.MAX_PLAINTEXT + 1,
                                 rec.MAX_PLAINTEXT + 257,
                                 rec.MAX_PLAINTEXT + 2049))))
    else:
        record = rec.Record(rng.choice(rec.CONTENT_TYPES), 0x0303,
                            rng.bytes(rng.between(1, 100)))
    records, tail = rec.split_records(data)
    i = rng.below(len(records) + 1)
    records.insert(i, record)
    return rec.join_records(records, tail), "insrec#%d=%d:%d" % (
        i, record.type, len(record.body))


# -- handshake-message operators ------------------------------------------------

def _handshake_record(rng, data):
    return _pick_record(rng, data, rec.is_plaintext_handshake)


def handshake_length(rng, data, donors):
    """Edit the 24-bit length of one handshake message in a plaintext
    handshake record (the record's own length stays right)."""
    records, tail, i = _handshake_record(rng, data)
    if i is None:
        return record_length(rng, data, donors)
    messages, _ = rec.split_handshake(records[i].body)
    m = rng.below(len(messages))
    msg_type, payload = messages[m]
    length = rng.choice(_interesting_lengths(len(payload), 24))
    body = b"".join(
        rec.encode_handshake(t, p, length if n == m else None)
        for n, (t, p) in enumerate(messages))
    records[i] = rec.Record(records[i].type, records[i].version, body)
    return rec.join_records(records, tail), "hslen#%d.%d(type %d)=%d" % (
        i, m, msg_type, length)


def handshake_type(rng, data, donors):
    records, tail, i = _handshake_record(rng, data)
    if i is None:
        return record_type(rng, data, donors)
    messages, _ = rec.split_handshake(records[i].body)
    m = rng.below(len(messages))
    new_type = rng.choice((0, 1, 2, 4, 5, 8, 11, 12, 13, 14, 15, 16, 20,
                           24, 254, 255))
    messages[m] = (new_type, messages[m][1])
    body = b"".join(rec.encode_handshake(t, p) for t, p in messages)
    records[i] = rec.Record(records[i].type, records[i].version, body)
    return rec.join_records(records, tail), "hstype#%d.%d=%d" % (i, m,
                                                               new_type)


def handshake_field(rng, data, donors):
    """Overwrite 1, 2 or 3 bytes inside a handshake message body with a
    boundary value: where they land on one of the many vector and extension
    length fields, the peer's parser meets an inconsistent length."""
    records, tail, i = _handshake_record(rng, data)
    if i is None:
        return byte_set(rng, data, donors)
    body = bytearray(records[i].body)
    if len(body) <= rec.HANDSHAKE_HEADER:
        return byte_set(rng, data, donors)
    width = rng.between(1, 3)
    pos = rng.between(rec.HANDSHAKE_HEADER, len(body) - 1)
    value = rng.choice((0, 1, (1 << (8 * width)) - 1, 1 << (8 * width - 1),
                        rng.below(1 << (8 * width))))
    encoded = struct.pack(">I", value)[4 - width:]
    body[pos:pos + width] = encoded[:len(body) - pos]
    records[i] = rec.Record(records[i].type, records[i].version, bytes(body))
    return rec.join_records(records, tail), "hsfield#%d@%d=%d/%d" % (
        i, pos, value, width)


def refragment(rng, data, donors):
    """Re-cut the handshake bytes of the plaintext handshake records into
    records of random sizes (valid TLS: messages may span records), or
    merge them into one record."""
    records, tail = rec.split_records(data)
    plain = [i for i, r in enumerate(records) if rec.is_plaintext_handshake(r)]
    if not plain:
        return record_resize(rng, data, donors)
    first, last = plain[0], plain[0]
    while last + 1 < len(records) and last + 1 in plain:
        last += 1
    stream = b"".join(r.body for r in records[first:last + 1])
    version = records[first].version
    pieces = []
    if last > first and rng.chance(25):
        pieces = [stream]
        note = "merge#%d-%d" % (first, last)
    else:
        # Pieces smaller than the stream, so that there is a cut.
        maximum = rng.choice((1, 3, 7, max(1, len(stream) // 2),
                              max(1, len(stream) - 1)))
        pos = 0
        while pos < len(stream):
            size = rng.between(1, maximum)
            pieces.append(stream[pos:pos + size])
            pos += size
        note = "frag#%d-%d/%d" % (first, last, maximum)
    new = [rec.Record(rec.HANDSHAKE, version, piece) for piece in pieces]
    records[first:last + 1] = new
    return rec.join_records(records, tail), note


OPERATORS = (
    (8, bit_flip),
    (4, byte_set),
    (6, truncate),
    (4, insert_random),
    (2, garbage),
    (3, drop_record),
    (4, duplicate_record),
    (2, swap_records),
    (5, splice_record),
    (3, splice_flight),
    (5, record_length),
    (3, record_resize),
    (3, record_type),
    (2, record_version),
    (4, insert_record),
    (5, handshake_length),
    (2, handshake_type),
    (5, handshake_field),
    (3, refragment),
)


def mutate(rng, data, donors):
    """Apply one to three operators; ``(data, [notes])``."""
    notes = []
    count = rng.weighted([(70, 1), (22, 2), (8, 3)])
    for _ in range(count):
        op = rng.weighted(OPERATORS)
        data, note = op(rng, data, donors)
        notes.append(note)
    return data, notes


def chunks(rng, data):
    """How to deliver ``data``: usually at once; sometimes in 2 to 6 pieces
    (cut anywhere, record headers included), the receiver being called
    between pieces."""
    if len(data) < 2 or not rng.chance(20):
        return [data]
    cuts = sorted(set(rng.between(1, len(data) - 1)
                      for _ in range(rng.between(1, min(5, len(data) - 1)))))
    bounds = [0] + cuts + [len(data)]
    return [data[a:b] for a, b in zip(bounds, bounds[1:])]


class Donors(object):
    """Records and flights that mutations may splice in: the recorded
    flights of every profile (other sessions) plus what this conversation
    has exchanged so far.  The order is fixed, so a seed picks the same
    donor on every interpreter."""

    def __init__(self, corpus):
        self._corpus = corpus  # [(origin, flight bytes), ...]
        self._recent = []

    def seen(self, origin, flight):
        if flight:
            self._recent.append((origin, flight))

    def _pool(self, rng):
        if self._recent and rng.chance(40):
            return self._recent
        return self._corpus

    def flight(self, rng):
        """``(flight bytes, origin)``, or ``(None, None)``."""
        pool = self._pool(rng)
        if not pool:
            return None, None
        origin, flight = rng.choice(pool)
        return flight, origin

    def record(self, rng):
        flight, origin = self.flight(rng)
        if flight is None:
            return None, None
        records, _ = rec.split_records(flight)
        if not records:
            return None, None
        i = rng.below(len(records))
        return records[i].copy(), "%s#%d" % (origin, i)

"""Walking DER: the one reader of tag-length-value elements."""

__all__ = ["element"]


def element(data, pos, limit):
    """(tag, content start, content end) of the DER element of ``data`` (a
    bytearray) at ``pos``, which must end by ``limit``; ``ValueError`` for
    anything malformed."""
    if pos + 2 > limit:
        raise ValueError("truncated DER header")
    tag, first = data[pos], data[pos + 1]
    pos += 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 8 or pos + count > limit:
            raise ValueError("bad DER length")
        length = 0
        for byte in data[pos:pos + count]:
            length = (length << 8) | byte
        pos += count
    end = pos + length
    if end > limit:
        raise ValueError("DER element overruns its container")
    return tag, pos, end

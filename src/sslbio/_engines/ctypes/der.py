"""The few fields of a DER-encoded ``SSL_SESSION`` that 1.0.2 hides.

OpenSSL 1.1.0 added ``SSL_SESSION_get_ticket_lifetime_hint()`` and
``SSL_SESSION_has_ticket()``; 1.0.2 keeps both inside its opaque session.
Its ``i2d_SSL_SESSION()`` encoding is public, though: a SEQUENCE whose
``[9]`` field is the ticket lifetime hint and ``[10]`` the ticket.
"""

from ..._asn1 import element as _element

__all__ = ["session_ticket_fields"]

_TAG_SEQUENCE = 0x30
_TAG_LIFETIME_HINT = 0xA9  # [9] EXPLICIT INTEGER
_TAG_TICKET = 0xAA  # [10] EXPLICIT OCTET STRING


def _integer(data, start, end):
    tag, pos, stop = _element(data, start, end)
    if tag != 0x02 or stop == pos:
        raise ValueError("expected an INTEGER")
    value = 0
    for byte in data[pos:stop]:
        value = (value << 8) | byte
    return value


def session_ticket_fields(der):
    """``(ticket_lifetime_hint, has_ticket)`` from an encoded session."""
    data = bytearray(der)
    tag, pos, end = _element(data, 0, len(data))
    if tag != _TAG_SEQUENCE:
        raise ValueError("not an SSL_SESSION")
    hint, has_ticket = 0, False
    while pos < end:
        tag, start, stop = _element(data, pos, end)
        if tag == _TAG_LIFETIME_HINT:
            hint = _integer(data, start, stop)
        elif tag == _TAG_TICKET:
            has_ticket = True
        pos = stop
    return hint, has_ticket

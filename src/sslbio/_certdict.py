"""Decoded certificates as Python 3 spells them.

2.7's certificate decoder (``getpeercert()``, ``_test_decode_cert()``) has
OpenSSL's ``GENERAL_NAME_print()`` write each ``subjectAltName`` IP address
and keeps everything after the first colon.  OpenSSL 1.0.2 and 1.1.1 end an
IPv6 address with a newline there ('0:0:0:0:0:0:0:1\\n'); Python 3 formats
addresses itself, IPv4 dotted and IPv6 as eight uppercase hex groups
without zero compression and without the newline, which is what OpenSSL's
print gives too once the newline is gone (OpenSSL 3.0 no longer writes it).
"""

__all__ = ["as_python3_cert"]

_IP_ADDRESS = "IP Address"


def _alt_name(entry):
    kind, value = entry
    if kind == _IP_ADDRESS and value.endswith("\n"):
        return (kind, value[:-1])
    return entry


def as_python3_cert(decoded):
    """The dict 2.7 decoded, with Python 3's ``subjectAltName`` values.

    Anything that is not a non-empty dict (``None``, DER bytes, the empty
    dict of an unverified peer) is returned unchanged, as is a dict that
    needs no change.
    """
    if not isinstance(decoded, dict):
        return decoded
    names = decoded.get("subjectAltName")
    if not names:
        return decoded
    fixed = tuple(_alt_name(entry) for entry in names)
    if fixed == names:
        return decoded
    decoded = dict(decoded)
    decoded["subjectAltName"] = fixed
    return decoded

"""Host names as Python 3's ``SSLContext.wrap_bio()`` takes them.

Engine-neutral: the IDNA encoding ``wrap_bio()`` applies, the checks its
C layer makes on the encoded value, and the test that tells an IP address
literal (no SNI; checked against the certificate's IP entries) from a name.
"""

import re
import socket

from ._args import TEXT_TYPES

__all__ = ["encode_hostname", "checked_server_hostname", "ip_address"]

# What the IDNA codec's ASCII fast path accepts: ASCII labels of 1 to 63
# characters, the last of which may be empty (a trailing dot).
_ASCII_A_LABELS = re.compile(
    r"(?:[\x00-\x2d\x2f-\x7f]{1,63}\.)*[\x00-\x2d\x2f-\x7f]{0,63}\Z")


def encode_hostname(hostname):
    """Python 3's ``SSLContext._encode_hostname``: IDNA A-label text.

    Text (``unicode``, and ``str`` as 2.7 code uses it) goes through the
    IDNA codec, whose ASCII fast path is reproduced here because 2.7's codec
    is slow; other objects are decoded as ASCII, as Python 3 does bytes.
    """
    if hostname is None:
        return None
    if not isinstance(hostname, TEXT_TYPES):
        return hostname.decode("ascii")
    if _ASCII_A_LABELS.match(hostname) is not None:
        return str(hostname)
    if isinstance(hostname, bytes):
        # As Python 3 decodes bytes host names: non-ASCII is an error.
        hostname.decode("ascii")
    else:
        try:
            hostname.encode("ascii")
        except UnicodeError:
            return hostname.encode("idna").decode("ascii")
    raise UnicodeError("label empty or too long")


def checked_server_hostname(hostname):
    """The ``server_hostname`` argument of ``_wrap_bio()`` (not None) as a
    native ``str``, checked as Python 3's C layer checks it (``TypeError``
    for a non-string or an embedded NUL, ``ValueError`` for an empty name or
    a leading dot)."""
    if not isinstance(hostname, TEXT_TYPES):
        raise TypeError("argument 'server_hostname' must be str")
    if "\x00" in hostname:
        raise TypeError("argument must be encoded string without null bytes")
    hostname = str(hostname)
    if not hostname or hostname.startswith("."):
        raise ValueError("server_hostname cannot be an empty string or start "
                         "with a leading dot.")
    return hostname


def ip_address(hostname):
    """The packed address if hostname is an IPv4 or IPv6 literal (what
    Python 3 asks OpenSSL's ``a2i_IPADDRESS()``), else ``None``."""
    # Only strings that can be addresses are parsed, as a failed parse costs
    # an exception: IPv6 literals have a colon, IPv4 ones end in a digit
    # (a host name cannot: top-level domains are not numeric).
    if ":" in hostname:
        family = getattr(socket, "AF_INET6", None)
    elif hostname[-1:].isdigit():
        family = socket.AF_INET
    else:
        return None
    try:
        return socket.inet_pton(family, hostname)
    except (socket.error, ValueError, TypeError):
        return None

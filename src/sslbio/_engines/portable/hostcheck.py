"""The host name check 2.7's ``_ssl`` cannot do inside the handshake,
done on the peer's certificate as soon as sslbio sees it."""

from ... import _errors
from ..._hostname import ip_address
from .. import _hostmatch, _plaintext

__all__ = ["certificate_in_flight", "mismatch_error"]

# A fatal bad_certificate alert record (%s: the record version).
_BAD_CERTIFICATE_ALERT = b"\x15%s\x00\x02\x02\x2a"


def certificate_in_flight(flight):
    """``(der, alert)`` once the server's handshake records (``flight``)
    hold its certificate in the clear (TLS 1.2), else None: the DER, and the
    alert OpenSSL sends for a name mismatch, in a record of the flight's
    version (nothing is encrypted yet in that direction)."""
    der = _plaintext.leaf_certificate(flight)
    if der is None:
        return None
    return der, _BAD_CERTIFICATE_ALERT % (flight[1:3],)


def mismatch_error(der, hostname):
    """Python 3's error when the certificate ``der`` does not match
    ``hostname``; None when it does, or when there is no certificate
    (nothing verified, nothing to match: CERT_OPTIONAL)."""
    if der is None:
        return None
    ip = ip_address(hostname)
    if _hostmatch.matches(der, hostname, ip):
        return None
    return _errors.hostname_mismatch_error(hostname, ip is not None)

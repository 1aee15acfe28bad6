"""OpenSSL's host name check, as Python 3 configures it, on a DER
certificate.

Python 3 hands the host name to OpenSSL (``X509_VERIFY_PARAM_set1_host``
or ``_set1_ip`` with ``X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS``), which checks
it during the handshake.  An engine without access to those calls checks
the peer's certificate itself, with the same rules (OpenSSL's
``X509_check_host`` and ``X509_check_ip``):

* an IP address literal matches an ``iPAddress`` subjectAltName entry with
  the same bytes, nothing else;
* a host name matches a ``dNSName`` entry, ignoring ASCII case; the entry
  may start with a wildcard label ``*`` (the whole label: no ``f*.`` or
  ``*o.``) that stands for exactly one non-empty label of letters, digits
  and hyphens, and only when the pattern has at least two dots and no
  ``xn--`` label before the wildcard;
* the subject's commonName entries count only when there is no ``dNSName``
  entry at all.
"""

from .._asn1 import element as _element

__all__ = ["matches"]

_VERSION = 0xA0  # [0] EXPLICIT in TBSCertificate
_EXTENSIONS = 0xA3  # [3] EXPLICIT
_DNS_NAME = 0x82  # [2] IMPLICIT IA5String in GeneralName
_IP_ADDRESS = 0x87  # [7] IMPLICIT OCTET STRING
_SAN_OID = b"\x55\x1d\x11"  # 2.5.29.17
_CN_OID = b"\x55\x04\x03"  # 2.5.4.3

# How OpenSSL's ASN1_STRING_to_UTF8 reads the string types a commonName
# comes in: the single-byte ones as Latin-1.
_STRING_CODECS = {0x0C: "utf-8", 0x13: "latin-1", 0x14: "latin-1",
                  0x16: "latin-1", 0x1A: "latin-1", 0x1E: "utf-16-be",
                  0x1C: "utf-32-be"}


def _children(data, start, end):
    """The (tag, start, end) of each element inside ``data[start:end]``."""
    while start < end:
        element = _element(data, start, end)
        yield element
        start = element[2]


def _names(der):
    """(subject commonName values, SAN dNSNames, SAN iPAddresses)."""
    data = bytearray(der)
    tag, start, end = _element(data, 0, len(data))
    tbs_tag, tbs_start, tbs_end = _element(data, start, end)
    fields = list(_children(data, tbs_start, tbs_end))
    if fields and fields[0][0] == _VERSION:
        fields = fields[1:]
    # serial, signature, issuer, validity, subject, subjectPublicKeyInfo,
    # then optional unique ids and [3] extensions.
    subject = fields[4]
    common_names = []
    for _, set_start, set_end in _children(data, subject[1], subject[2]):
        for _, atv_start, atv_end in _children(data, set_start, set_end):
            oid, value = list(_children(data, atv_start, atv_end))[:2]
            if bytes(data[oid[1]:oid[2]]) == _CN_OID:
                common_names.append(_utf8(data, value))
    dns_names, addresses = [], []
    for tag, ext_start, ext_end in fields[6:]:
        if tag != _EXTENSIONS:
            continue
        _, seq_start, seq_end = _element(data, ext_start, ext_end)
        for _, one_start, one_end in _children(data, seq_start, seq_end):
            parts = list(_children(data, one_start, one_end))
            if bytes(data[parts[0][1]:parts[0][2]]) != _SAN_OID:
                continue
            value = parts[-1]
            _, names_start, names_end = _element(data, value[1], value[2])
            for kind, name_start, name_end in _children(data, names_start,
                                                        names_end):
                if kind == _DNS_NAME:
                    dns_names.append(bytes(data[name_start:name_end]))
                elif kind == _IP_ADDRESS:
                    addresses.append(bytes(data[name_start:name_end]))
    return common_names, dns_names, addresses


def _utf8(data, element):
    tag, start, end = element
    raw = bytes(data[start:end])
    codec = _STRING_CODECS.get(tag)
    if codec is None or codec == "utf-8":
        return raw
    try:
        return raw.decode(codec).encode("utf-8")
    except UnicodeError:
        return None


def _lower(text):
    """ASCII lower case of bytes, other bytes unchanged (OpenSSL's
    comparison ignores ASCII case only)."""
    return bytes(bytearray(b + 32 if 65 <= b <= 90 else b
                           for b in bytearray(text)))


def _equal(pattern, subject):
    return b"\0" not in pattern and _lower(pattern) == _lower(subject)


def _is_alnum(byte):
    return 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


def _valid_star(pattern):
    """The position of the one acceptable wildcard of ``pattern``, or -1
    (OpenSSL's ``valid_star`` with NO_PARTIAL_WILDCARDS)."""
    star = -1
    dots = 0
    label_start, idna, hyphen = True, False, False
    data = bytearray(pattern)
    n = len(data)
    for i, byte in enumerate(data):
        if byte == 42:  # '*'
            at_end = i == n - 1 or data[i + 1] == 46
            if star >= 0 or idna or dots or not label_start or not at_end:
                return -1
            star = i
            label_start = False
        elif _is_alnum(byte):
            if label_start and _lower(pattern[i:i + 4]) == b"xn--":
                idna = True
            label_start, hyphen = False, False
        elif byte == 46:  # '.'
            if label_start or hyphen:
                return -1
            label_start, idna, hyphen = True, False, False
            dots += 1
        elif byte == 45:  # '-'
            if label_start:
                return -1
            hyphen = True
        else:
            return -1
    if label_start or hyphen or dots < 2:
        return -1
    return star


def _dns_match(pattern, hostname):
    star = -1
    if not (len(hostname) > 1 and hostname[:1] == b"."):
        star = _valid_star(pattern)
    if star < 0:
        return _equal(pattern, hostname)
    suffix = pattern[star + 1:]
    # A full-label wildcard: it stands for hostname's first label, not empty.
    if len(hostname) <= len(suffix) or \
            not _equal(hostname[len(hostname) - len(suffix):], suffix):
        return False
    label = bytearray(hostname[:len(hostname) - len(suffix)])
    return label == b"*" or all(_is_alnum(b) or b == 45 for b in label)


def matches(der, hostname, packed_ip=None):
    """Whether the certificate ``der`` is valid for ``hostname`` (an ASCII
    str); ``packed_ip`` is its packed address when it is an IP literal."""
    common_names, dns_names, addresses = _names(der)
    if packed_ip is not None:
        return packed_ip in addresses
    name = hostname.encode("ascii") if not isinstance(hostname, bytes) \
        else hostname
    if dns_names:
        return any(_dns_match(p, name) for p in dns_names)
    return any(cn is not None and _dns_match(cn, name)
               for cn in common_names)

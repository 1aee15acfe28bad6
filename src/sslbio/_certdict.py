"""Decoded certificates as Python 3 spells them, in 2.7's types.

2.7's certificate decoder (``getpeercert()``, ``_test_decode_cert()``) has
OpenSSL's ``GENERAL_NAME_print()`` write each ``subjectAltName`` IP address
and keeps everything after the first colon.  OpenSSL 1.0.2 and 1.1.1 end an
IPv6 address with a newline there ('0:0:0:0:0:0:0:1\\n'); Python 3 formats
addresses itself, IPv4 dotted and IPv6 as eight uppercase hex groups
without zero compression and without the newline, which is what OpenSSL's
print gives too once the newline is gone (OpenSSL 3.0 no longer writes it).

CPython 2.7's decoder gives the text of a certificate as ``unicode`` where
Python 3 gives ``str``: every attribute value of ``subject``, ``issuer``
and a ``DirName`` alternative name (decoded from UTF-8: an organization
``'B\\xc3\\xa4den'`` reads ``u'B\\xe4den'``), ``serialNumber``,
``notBefore``, and the ``OCSP``, ``caIssuers`` and
``crlDistributionPoints`` URIs; ``version`` is a long;
``notAfter`` and the other alternative names stay ``str``.  PyPy's decoder
(``lib_pypy/_cffi_ssl``) gives every one of them as a ``str`` of UTF-8
bytes: ``with_cpython27_types()`` gives its dictionary CPython 2.7's types.
"""

from ._args import long_type

__all__ = ["as_python3_cert", "with_cpython27_types"]

_IP_ADDRESS = "IP Address"
_DIR_NAME = "DirName"


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


def _text(value):
    # Strict, as CPython's PyUnicode_DecodeUTF8() and
    # PyUnicode_FromStringAndSize(): a value that is not UTF-8 raises
    # UnicodeDecodeError on both.
    return value.decode("utf-8") if isinstance(value, bytes) else value


def _name(rdns):
    return tuple(tuple((attribute, _text(value)) for attribute, value in rdn)
                 for rdn in rdns)


def _texts(values):
    return tuple(_text(value) for value in values)


def _alt_names_of_27(entries):
    return tuple((kind, _name(value) if kind == _DIR_NAME else value)
                 for kind, value in entries)


# What CPython 2.7 makes of each value it does not give as str: text,
# (tuples of) names or URIs, a long, DirName alternative names.
_CPYTHON27_TYPES = {
    "subject": _name, "issuer": _name,
    "serialNumber": _text, "notBefore": _text,
    "OCSP": _texts, "caIssuers": _texts, "crlDistributionPoints": _texts,
    "version": long_type,
    "subjectAltName": _alt_names_of_27,
}


def with_cpython27_types(decoded):
    """A decoded certificate dictionary with the types CPython 2.7's
    ``_ssl`` gives (see the module's docstring).  Anything that is not a
    non-empty dict is returned unchanged."""
    if not isinstance(decoded, dict) or not decoded:
        return decoded
    typed = dict(decoded)
    for key, convert in _CPYTHON27_TYPES.items():
        if key in typed:
            typed[key] = convert(typed[key])
    return typed

"""Connection profiles: the kinds of handshake the flight fuzzer records
and mutates.

A profile is a TLS version, a client authentication mode, whether the
client resumes a session and whether ALPN is offered.  Contexts come from
``tests/conformance/tls.py``, which configures 2.7 and 3.x contexts alike
(same verification, protocol floor and cipher string): only then do both
lines produce flights of the same structure, so that one seed means one
case on both, as the differential mode needs.
"""

import collections
import os
import ssl
import sys

import sslbio

_CONFORMANCE = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "conformance")
if _CONFORMANCE not in sys.path:
    # Appended, not inserted: its module names must not shadow anything.
    sys.path.append(_CONFORMANCE)

import tls  # noqa: E402  (tests/conformance/tls.py)
from support.openssl_release import VERSIONS  # noqa: E402

Profile = collections.namedtuple("Profile",
                                 "name tls client_auth resume alpn")

# The TLS versions this OpenSSL speaks (no 1.3 before 1.1.1).
# client_auth: "none" (no certificate requested), "required" (the client
# sends one, the server verifies it), "absent" (CERT_OPTIONAL server, the
# client has none: a CertificateRequest answered by an empty Certificate).
PROFILES = tuple(
    Profile("tls%s-%s%s" % (version, auth, "-resume" if resume else ""),
            version, auth, resume, auth == "absent")
    for version in VERSIONS
    for auth in ("none", "required", "absent")
    for resume in (False, True))

HOSTNAME = "localhost"

_contexts = {}


def contexts(profile):
    """``(client_context, server_context)`` for ``profile``, made once per
    process: sessions can only be resumed with the contexts that made
    them, and loading keys for every case would dominate the run time."""
    try:
        return _contexts[profile.name]
    except KeyError:
        pass
    alpn = ["h2", "http/1.1"] if profile.alpn else None
    client = tls.client_context(
        tls=profile.tls, alpn=alpn, cls=sslbio.SSLContext,
        cert_name="client" if profile.client_auth == "required" else None)
    if profile.client_auth == "none":
        server = tls.server_context(tls=profile.tls, alpn=alpn,
                                    cls=sslbio.SSLContext)
    else:
        mode = (ssl.CERT_REQUIRED if profile.client_auth == "required"
                else ssl.CERT_OPTIONAL)
        server = tls.server_context(tls=profile.tls, verify_mode=mode,
                                    ca="ca", alpn=alpn,
                                    cls=sslbio.SSLContext)
    _contexts[profile.name] = (client, server)
    return client, server


def by_name(name):
    for profile in PROFILES:
        if profile.name == name:
            return profile
    raise KeyError(name)

"""ALPN negotiation, on each side, matching and not."""

from __future__ import print_function

import ssl

from conformance import tls
from conformance.scenarios import scenario

ALPN_CASES = [
    ("both", ["h2", "http/1.1"], ["http/1.1"]),
    ("server_preference", ["http/1.1", "h2"], ["h2", "http/1.1"]),
    ("client_only", ["h2"], None),
    ("server_only", None, ["h2"]),
    ("mismatch", ["h2"], ["spdy/3"]),
    ("empty_lists", [], []),
]


def _register_alpn(name, client, server, version):
    suffix = "" if version is None else "." + version.replace(".", "")

    @scenario("alpn.%s%s" % (name, suffix))
    def run(rec):
        pair = tls.Pair(tls.client_context(tls=version, alpn=client),
                        tls.server_context(tls=version, alpn=server))
        pair.handshake(rec)
        rec.call("client selected_alpn_protocol",
                 pair.client.selected_alpn_protocol)
        rec.call("server selected_alpn_protocol",
                 pair.server.selected_alpn_protocol)


for _name, _client, _server in ALPN_CASES:
    for _version in (None, "1.2"):
        _register_alpn(_name, _client, _server, _version)


@scenario("alpn.before_handshake")
def alpn_before(rec):
    pair = tls.Pair(tls.client_context(alpn=["h2"]),
                    tls.server_context(alpn=["h2"]))
    rec.call("client", pair.client.selected_alpn_protocol)
    rec.call("server", pair.server.selected_alpn_protocol)


@scenario("alpn.bad_protocol_names")
def alpn_bad_names(rec):
    ctx = tls.client_context()
    rec.call("HAS_ALPN", getattr, ssl, "HAS_ALPN")
    rec.call("name too long", ctx.set_alpn_protocols, ["x" * 256])

# NPN negotiation is not covered: Python 3.10+ built against OpenSSL 3 has no
# NPN (HAS_NPN is False) while 2.7's _ssl still offers it, a difference of the
# interpreters' own contexts, not of the in-memory objects.  The probes record
# selected_npn_protocol() (None everywhere) instead.

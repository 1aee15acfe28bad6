"""What the consumer suites' comparison sets aside, each with its reason.

Every test of urllib3 1.26.20's and requests 2.27.1's own suites runs twice,
without sslbio and with ``inject_into_ssl()`` + ``inject_into_urllib3()``;
an outcome that differs fails the row unless ``DIFFERENCES`` names the test.
Keep these lists short: each entry is a reviewed decision.
"""

# Deselected in both runs, by test function name (pytest -k) or node id
# prefix (pytest --deselect, an entry with "::"): they need the internet or
# addresses off loopback, or today's date, and say nothing about TLS on this
# machine -- or, for the last urllib3 entry, they would take most of the
# row's time to repeat what one of them shows.
DESELECTED = {
    "urllib3": [
        (("test_connect_timeout", "test_total_applies_connect",
          "test_create_connection_timeout", "test_forwarding_proxy_request_timeout",
          "test_tunneling_proxy_request_timeout",
          "test_forwarding_proxy_connect_timeout",
          "test_tunneling_proxy_connect_timeout", "test_https_timeout",
          "test_enhanced_timeout"),
         "connect to TARPIT_HOST (240.0.0.0), an address off loopback that "
         "must swallow the SYN so that the connection times out; a machine "
         "without a route there refuses at once instead"),
        (("test_source_address_error",),
         "binds to RFC 5737/3849 documentation addresses (192.0.2.255, "
         "2001:db8::1) expecting the bind to fail; it succeeds where the "
         "network configuration allows non-local binds"),
        (("test_recent_date",),
         "checks that urllib3's RECENT_DATE (2024-01-01 in 1.26.20) is less "
         "than two years before the day the tests run"),
        (("test/with_dummyserver/test_socketlevel.py::TestSSL::"
          "test_requesting_large_resources_via_ssl[True-None]",
          "test/with_dummyserver/test_socketlevel.py::TestSSL::"
          "test_requesting_large_resources_via_ssl[False-None]",
          "test/contrib/test_pyopenssl.py::TestSSL::"
          "test_requesting_large_resources_via_ssl"),
         "each sends 2 GiB through TLS (30-75 s of CPU, 240 of the suite's "
         "330 s for these five); the sixth, [False-2147483648] of "
         "test_socketlevel.py, stays and reads the same 2 GiB over the same "
         "2.7 ssl.SSLSocket (urllib3's own CI skips them all where slow)"),
    ],
    "requests": [
        (("test_connect_timeout", "test_total_timeout_connect"),
         "connect to 10.255.255.1, an address off loopback that must swallow "
         "the SYN so that the connection times out"),
        (("doesnotexist",),
         "test_errors[http://doesnotexist.google.com-ConnectionError] resolves "
         "a name through the internet's DNS"),
    ],
}

# Tests whose outcome differs under injection by design: node id -> reason.
DIFFERENCES = {
    "urllib3": {
        "test/with_dummyserver/test_proxy_poolmanager.py::TestHTTPProxyManager"
        "::test_https_proxy_not_supported":
        "asserts urllib3's Python 2 refusal of HTTPS destinations behind an "
        "HTTPS proxy (ProxySchemeUnsupported), which inject_into_urllib3() "
        "exists to lift",
    },
    "requests": {},
}

# urllib3's HTTPS-proxy tests are marked @onlyPy3; the row runs a copy of
# their module with that decorator removed, under injection, and requires
# every one to pass (a test skipped for another reason, SecureTransport,
# macOS only, or IPv6 where the machine has none, stays skipped).
LIFTED_MODULE = "test/with_dummyserver/test_proxy_poolmanager.py"
LIFTED_DECORATOR = "@onlyPy3"
LIFTED_FUNCTIONS = (
    "test_https_proxy", "test_https_proxy_with_proxy_ssl_context",
    "test_https_proxy_pyopenssl_not_supported",
    "test_https_proxy_securetransport_not_supported",
    "test_proxy_verified_warning", "test_https_headers",
    "test_https_proxy_hostname_verification", "test_https_proxy_ipv4_san",
    "test_https_proxy_ipv6_san", "test_https_proxy_common_name_warning")
# Skips allowed among them, by the words of their reason.
LIFTED_SKIPS = ("SecureTransport", "IPv6")

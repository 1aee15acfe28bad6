"""TLS inside TLS against real servers on 127.0.0.1: nginx as the HTTPS
origin, squid (Debian's squid-openssl) as the HTTPS proxy, both started and
stopped here (see support/webservers.py; scripts/test-all installs them).

* httplib/http.client over ``sslbio.wrap_socket`` twice (proxy, then origin
  inside the CONNECT tunnel), on every Python;
* ``python -m sslbio get``: success through both layers, and each failure
  as one line (tests/test_cli.py has the rest of ``get``);
* on 2.7, requests 2.27 + urllib3 1.26 through the proxy after
  ``sslbio.inject_into_urllib3()``: bodies of several MiB byte for byte, one
  Session for many requests, several threads, refused certificates (and
  the origin then sees no request), squid's log of the CONNECTs;
* ``pip download`` through the proxy from a package index served by nginx,
  with pip's vendored urllib3 patched by ``python -m sslbio pip``.
"""

import gc
import hashlib
import os
import shutil
import socket
import ssl
import sys
import tempfile
import threading
import time
import zipfile

import pytest

import sslbio
from support import cert, subproc, webservers

try:
    from http.client import HTTPConnection
except ImportError:  # Python 2.7
    from httplib import HTTPConnection

PY2 = sys.version_info[0] == 2

pytestmark = pytest.mark.skipif(
    bool(webservers.missing()),
    reason="not installed: %s (scripts/test-all installs them)"
    % ", ".join(webservers.missing()))

WHEEL = "demopkg-1.0-py2.py3-none-any.whl"
SIZES = {"small.txt": 1000, "big.bin": 5 * 1024 * 1024 + 3, "odd.bin": 3 * 1024 * 1024 - 1}


def _make_wheel(path):
    """The smallest wheel pip accepts: a module and its dist-info."""
    files = {
        "demopkg/__init__.py": "VALUE = 1\n",
        "demopkg-1.0.dist-info/METADATA":
            "Metadata-Version: 2.1\nName: demopkg\nVersion: 1.0\n",
        "demopkg-1.0.dist-info/WHEEL":
            "Wheel-Version: 1.0\nGenerator: sslbio-tests\nRoot-Is-Purelib: true\n"
            "Tag: py2-none-any\nTag: py3-none-any\n",
    }
    record = "".join("%s,,\n" % name for name in files)
    files["demopkg-1.0.dist-info/RECORD"] = record + "demopkg-1.0.dist-info/RECORD,,\n"
    with zipfile.ZipFile(path, "w") as wheel:
        for name, text in sorted(files.items()):
            wheel.writestr(name, text)


@pytest.fixture(scope="module")
def site():
    """The origin's files: random bodies, and a simple package index."""
    root = tempfile.mkdtemp(prefix="sslbio-site-")
    os.chmod(root, 0o755)
    bodies = {}
    for name, size in SIZES.items():
        bodies[name] = os.urandom(size)
        with open(os.path.join(root, name), "wb") as f:
            f.write(bodies[name])
    project = os.path.join(root, "simple", "demopkg")
    os.makedirs(project)
    _make_wheel(os.path.join(project, WHEEL))
    yield root, bodies
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="module")
def servers(site):
    root, bodies = site
    with webservers.Nginx(root) as nginx, webservers.Squid() as squid:
        yield nginx, squid, bodies


def wait_for_log(server, text, timeout=10.0, count=1):
    """squid and nginx write a line when a connection or request ends (a
    client may have read the whole response a moment before)."""
    deadline = time.time() + timeout
    while server.access_log.count(text) < count:
        if time.time() > deadline:
            raise AssertionError("%d x %r not in %s's log:\n%s"
                                 % (count, text, server.name, server.access_log))
        time.sleep(0.05)
    return server.access_log


def client_context():
    context = ssl.create_default_context(cafile=cert("ca.pem"))
    return context


def tunnel(squid, nginx, proxy_layer):
    """A verified TLS connection to squid, CONNECT, and a verified TLS
    connection to nginx inside it."""
    sock = socket.create_connection(("localhost", squid.port), 10)
    outer = proxy_layer(sock, client_context(), server_hostname="localhost")
    outer.sendall(b"CONNECT localhost:%d HTTP/1.1\r\nHost: localhost:%d\r\n\r\n"
                  % (nginx.port, nginx.port))
    head = b""
    while b"\r\n\r\n" not in head:
        head += outer.recv(1)
    assert head.startswith(b"HTTP/1.1 200"), head
    return sslbio.wrap_socket(outer, client_context(), server_hostname="localhost")


def native_wrap(sock, context, server_hostname):
    return context.wrap_socket(sock, server_hostname=server_hostname)


@pytest.mark.parametrize("proxy_layer", [sslbio.wrap_socket, native_wrap],
                         ids=["sslbio-in-sslbio", "sslbio-in-native"])
def test_httplib_over_wrap_socket_tls_in_tls(servers, proxy_layer):
    nginx, squid, bodies = servers
    tls = tunnel(squid, nginx, proxy_layer)
    assert tls.getpeercert()["subject"][-1] == (("commonName", "localhost"),)
    connection = HTTPConnection("localhost", nginx.port)
    connection.sock = tls
    for name in ("big.bin", "small.txt"):  # keep-alive: two requests
        connection.request("GET", "/" + name)
        response = connection.getresponse()
        assert response.status == 200
        assert response.read() == bodies[name]
    connection.close()
    wait_for_log(squid, "CONNECT localhost:%d" % nginx.port)


# -- python -m sslbio get ------------------------------------------------------

def sslbio_get(*args):
    argv = [sys.executable, "-m", "sslbio", "get"] + list(args)
    return subproc.run(argv, timeout=60, env=subproc.child_env(subproc.sslbio_src()))


def trusted(*args):
    return ("--cafile", cert("ca.pem"), "--proxy-cafile", cert("ca.pem")) + args


def test_get_through_the_proxy_shows_both_layers(servers, tmp_path):
    nginx, squid, bodies = servers
    target = str(tmp_path / "body")
    result = sslbio_get(nginx.url("/big.bin"), "--proxy", squid.url(),
                        "-o", target, "-v", *trusted())
    assert result.returncode == 0 and result.out == "", result.describe()
    lines = result.err.splitlines()
    assert lines[0].startswith("* proxy  localhost:%d  TLSv1." % squid.port)
    assert lines[1].startswith("* origin localhost:%d  TLSv1." % nginx.port)
    assert "ALPN: http/1.1" in lines[1] and "commonName=localhost" in lines[1]
    assert lines[2:4] == ["> GET /big.bin HTTP/1.1", "< HTTP/1.1 200 OK"]
    with open(target, "rb") as f:
        assert f.read() == bodies["big.bin"]


def test_get_prints_the_body_without_o(servers):
    nginx, squid, bodies = servers
    result = sslbio_get(nginx.url("/small.txt"), *trusted())
    assert result.returncode == 0, result.describe()
    assert result.err == ""  # no progress bar under 1 MiB
    assert result.out.encode("utf-8", "replace").endswith(
        bodies["small.txt"].decode("utf-8", "replace").encode("utf-8", "replace"))


def _stalled_listener():
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    return listener


def _answering_proxy(answer):
    """A plain HTTP proxy that answers every CONNECT with ``answer``."""
    listener = _stalled_listener()

    def serve():
        conn, _ = listener.accept()
        request = b""
        while b"\r\n\r\n" not in request:
            request += conn.recv(1024)
        conn.sendall(answer)
        conn.close()

    thread = threading.Thread(target=serve)
    thread.daemon = True
    thread.start()
    return listener


@pytest.mark.parametrize("case", [
    "mismatch", "untrusted-proxy", "forbidden", "auth-required", "refused",
    "unresolvable", "timeout", "not-found"])
def test_get_fails_in_one_line(servers, case):
    nginx, squid, _ = servers
    keep = None
    if case == "mismatch":
        args = (nginx.url("/", mismatch=True), "--proxy", squid.url())
        expected = "TLS with origin localhost:%d failed: " % nginx.mismatch_port
    elif case == "untrusted-proxy":
        args = (nginx.url("/"), "--proxy", squid.url(untrusted=True))
        expected = "TLS with proxy localhost:%d failed: " % squid.untrusted_port
    elif case == "forbidden":
        args = ("https://forbidden.example/", "--proxy", squid.url())
        expected = "the proxy refused CONNECT to forbidden.example:443: 403"
    elif case == "auth-required":
        keep = _answering_proxy(b"HTTP/1.1 407 Proxy Authentication Required\r\n"
                                b"Proxy-Authenticate: Basic realm=x\r\n\r\n")
        args = (nginx.url("/"), "--proxy",
                "http://127.0.0.1:%d" % keep.getsockname()[1])
        expected = "the proxy refused CONNECT to localhost:%d: 407 Proxy " \
                   "Authentication Required" % nginx.port
    elif case == "refused":
        port = webservers.free_port()
        args = ("https://127.0.0.1:%d/" % port,)
        expected = "cannot connect to origin 127.0.0.1:%d" % port
    elif case == "unresolvable":
        args = ("https://name.invalid/",)
        expected = "cannot resolve origin host name.invalid"
    elif case == "timeout":
        keep = _stalled_listener()  # accepts (backlog), never answers
        args = ("https://localhost:%d/" % keep.getsockname()[1], "--timeout", "0.5")
        expected = "timed out"
    else:
        args = (nginx.url("/missing"),)
        expected = "the server answered 404 Not Found"
    try:
        result = sslbio_get(*trusted(*args))
    finally:
        if keep is not None:
            keep.close()
    assert result.returncode == 1 and result.out == "", result.describe()
    errors = result.err.splitlines()
    assert len(errors) == 1 and errors[0].startswith("sslbio get: error: "), result.err
    assert expected in errors[0]


# -- requests and urllib3 on Python 2.7 ----------------------------------------

needs_requests = pytest.mark.skipif(
    not PY2, reason="urllib3 1.26 does TLS in TLS by itself on Python 3")


@pytest.fixture
def requests_session(servers):
    requests = pytest.importorskip("requests")
    from requests.adapters import HTTPAdapter
    sslbio.inject_into_urllib3()
    session = requests.Session()
    session.trust_env = False  # no proxy or CA bundle from the environment
    session.verify = cert("ca.pem")
    session.mount("https://", HTTPAdapter(pool_connections=4, pool_maxsize=8))
    session.proxies = {"https": servers[1].url()}
    try:
        yield requests, session
    finally:
        session.close()
        sslbio.extract_from_urllib3()


@needs_requests
def test_requests_bodies_of_several_mib_and_one_tunnel_for_many(servers, requests_session):
    nginx, squid, bodies = servers
    requests, session = requests_session
    marker = "GET /small.txt?many HTTP/1.1"
    connect = "CONNECT localhost:%d" % nginx.port
    tunnels_before = squid.access_log.count(connect)
    for name in ["big.bin", "odd.bin"] + ["small.txt?many"] * 20:
        response = session.get(nginx.url("/" + name))
        assert response.status_code == 200
        assert hashlib.sha256(response.content).digest() == \
            hashlib.sha256(bodies[name.split("?")[0]]).digest()
    # urllib3 1.26.20 closes a pool's connections when the pool is collected.
    del response
    session.close()
    gc.collect()
    wait_for_log(nginx, marker, count=20)
    # One tunnel carried all of them: squid logs it once, when it ends.
    wait_for_log(squid, connect, count=tunnels_before + 1)
    time.sleep(0.2)
    assert squid.access_log.count(connect) == tunnels_before + 1


@needs_requests
def test_requests_from_several_threads(servers, requests_session):
    nginx, _, bodies = servers
    _, session = requests_session
    failures = []

    def fetch(name):
        try:
            for _ in range(3):
                response = session.get(nginx.url("/" + name))
                assert response.content == bodies[name]
        except Exception as exc:  # reported by the main thread
            failures.append(exc)

    threads = [threading.Thread(target=fetch, args=(name,))
               for name in ["odd.bin", "small.txt"] * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not failures and not any(t.is_alive() for t in threads), failures


@needs_requests
@pytest.mark.parametrize("case", ["origin-name-mismatch", "untrusted-proxy"])
def test_requests_refuses_bad_certificates_and_sends_nothing(servers, requests_session, case):
    nginx, squid, _ = servers
    requests, session = requests_session
    before = nginx.access_log
    if case == "untrusted-proxy":
        session.proxies = {"https": squid.url(untrusted=True)}
        url = nginx.url("/small.txt")
    else:
        url = nginx.url("/small.txt", mismatch=True)
    with pytest.raises(requests.exceptions.SSLError) as info:
        session.get(url)
    assert ("doesn't match" if case == "origin-name-mismatch"
            else "CERTIFICATE_VERIFY_FAILED") in str(info.value)
    session.close()
    if case == "origin-name-mismatch":
        # The tunnel to the origin was made, then dropped at verification.
        wait_for_log(squid, "CONNECT localhost:%d" % nginx.mismatch_port)
    time.sleep(0.2)
    assert nginx.access_log == before  # no request reached the origin


def test_inject_is_idempotent_reversible_and_patches_only_its_target():
    urllib3 = pytest.importorskip("urllib3")
    if not PY2:
        sslbio.inject_into_urllib3()  # a no-op on Python 3
        assert not hasattr(urllib3, "_sslbio_saved")
        return
    from urllib3.exceptions import ProxySchemeUnsupported
    original = urllib3.util.ssl_.SSLTransport
    manager = urllib3.ProxyManager("https://127.0.0.1:9")
    with pytest.raises(ProxySchemeUnsupported):
        manager.request("GET", "https://localhost:9/", retries=False)
    sslbio.inject_into_urllib3("urllib3")
    sslbio.inject_into_urllib3()
    try:
        assert urllib3.util.ssl_.SSLTransport is not original
        # Now urllib3 tries the proxy (nobody listens on port 9).
        with pytest.raises(urllib3.exceptions.HTTPError) as info:
            manager.request("GET", "https://localhost:9/", retries=False)
        assert not isinstance(info.value, ProxySchemeUnsupported)
    finally:
        sslbio.extract_from_urllib3()
    sslbio.extract_from_urllib3()
    assert urllib3.util.ssl_.SSLTransport is original
    with pytest.raises(ProxySchemeUnsupported):
        manager.request("GET", "https://localhost:9/", retries=False)


@pytest.mark.skipif(not PY2, reason="both injections are no-ops for urllib3 "
                    "on Python 3")
@pytest.mark.parametrize("order", [
    "ssl urllib3 -ssl -urllib3", "ssl urllib3 -urllib3 -ssl",
    "urllib3 ssl -ssl -urllib3", "urllib3 ssl -urllib3 -ssl"])
def test_both_injections_in_any_order_leave_urllib3_exactly_as_it_was(order):
    urllib3 = pytest.importorskip("urllib3")
    from sslbio._urllib3 import TLSInTLS
    from urllib3.util import ssl_
    manager = urllib3.PoolManager
    check = "_validate_proxy_scheme_url_selection"
    before = (ssl_.SSLTransport, manager.__dict__[check], sorted(vars(urllib3)))
    steps = {"ssl": sslbio.inject_into_ssl, "-ssl": sslbio.extract_from_ssl,
             "urllib3": sslbio.inject_into_urllib3,
             "-urllib3": sslbio.extract_from_urllib3}
    active = set()
    for step in order.split():
        steps[step]()
        active.symmetric_difference_update([step.lstrip("-")])
        # The stand-in while either is injected; the scheme check replaced
        # by inject_into_urllib3() only.
        assert issubclass(ssl_.SSLTransport, TLSInTLS) == bool(active), step
        assert (manager.__dict__[check] is before[1]) == ("urllib3" not in active)
    assert (ssl_.SSLTransport, manager.__dict__[check], sorted(vars(urllib3))) == before


class ForeignContext(object):
    """A context that is no ``ssl.SSLContext``, as urllib3.contrib.pyopenssl's
    is: it configures and wraps sockets through a real one."""

    def __init__(self, real):
        object.__setattr__(self, "_real", real)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __setattr__(self, name, value):
        setattr(self._real, name, value)


@needs_requests
def test_urllib3_refuses_tls_in_tls_over_a_foreign_context(servers):
    # urllib3 on Python 3: ProxySchemeUnsupported, an error urllib3 and
    # requests report as such (not a TypeError from inside the engine).
    urllib3 = pytest.importorskip("urllib3")
    nginx, squid, _ = servers
    context = ForeignContext(ssl.create_default_context(cafile=cert("ca.pem")))
    sslbio.inject_into_urllib3()
    try:
        with urllib3.ProxyManager(squid.url(), ca_certs=cert("ca.pem"),
                                  ssl_context=context) as manager:
            with pytest.raises(urllib3.exceptions.ProxySchemeUnsupported) as info:
                manager.request("GET", nginx.url("/small.txt"), retries=False)
    finally:
        sslbio.extract_from_urllib3()
    assert "isn't available on non-native SSLContext" in str(info.value)


# What an application that calls sslbio.inject_into_ssl() alone at start-up
# (docs/event-loops.md) does with requests or urllib3, in a child interpreter
# of its own: urllib3 imported before the injection or after it.
INJECT_INTO_SSL_ALONE = r"""
from __future__ import print_function
import sys
import sslbio
order, url, proxy, cafile = sys.argv[1:]
if order == "imported-before":
    import requests
sslbio.inject_into_ssl()
import requests
import urllib3
session = requests.Session()
session.trust_env = False
response = session.get(url, proxies={"https": proxy}, verify=cafile)
print(response.status_code, len(response.content))
# urllib3's own scheme check still refuses as it does on 2.7 without sslbio.
try:
    urllib3.ProxyManager(proxy, ca_certs=cafile).request("GET", url)
except urllib3.exceptions.ProxySchemeUnsupported as exc:
    print("refused: %s" % exc)
session.close()
sslbio.extract_from_ssl()
from urllib3.util import ssl_, ssltransport
print(ssl_.SSLTransport is ssltransport.SSLTransport,
      sorted(name for name in vars(urllib3) if "sslbio" in name),
      [hook for hook in sys.meta_path if "sslbio" in type(hook).__module__])
"""


@needs_requests
@pytest.mark.parametrize("order", ["imported-before", "imported-after"])
def test_requests_through_the_proxy_after_inject_into_ssl_alone(servers, order):
    pytest.importorskip("requests")
    nginx, squid, bodies = servers
    result = subproc.run(
        [sys.executable, "-c", INJECT_INTO_SSL_ALONE, order,
         nginx.url("/small.txt"), squid.url(), cert("ca.pem")],
        timeout=120, env=subproc.child_env(subproc.sslbio_src()))
    assert result.returncode == 0, result.describe()
    lines = result.out.splitlines()
    assert lines[0] == "200 %d" % len(bodies["small.txt"]), result.describe()
    assert lines[1].startswith("refused: Contacting HTTPS destinations through "
                               "HTTPS proxies 'via CONNECT tunnels' is not "
                               "supported in Python 2"), result.describe()
    # Extraction restored urllib3 exactly and took the import hook out.
    assert lines[2] == "True [] []", result.describe()


# -- pip ---------------------------------------------------------------------

def _pip_download(servers, tmp_path, launcher, environment=None):
    nginx, squid, _ = servers
    dest = str(tmp_path / "downloads")
    env = subproc.child_env(subproc.sslbio_src())
    for name in list(env):
        if name.startswith("PIP_") or name in (
                "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "HTTPS_PROXY", "https_proxy"):
            del env[name]
    env["PIP_CONFIG_FILE"] = os.devnull  # no configuration file at all
    env.update(environment or {})
    argv = [sys.executable] + launcher + [
        "download", "--no-cache-dir", "--disable-pip-version-check",
        "--no-deps", "--retries", "0", "--timeout", "20", "-d", dest,
        "--index-url", nginx.url("/simple/"), "--proxy", squid.url(),
        "--cert", cert("ca.pem"), "demopkg"]
    return subproc.run(argv, timeout=120, env=env), os.path.join(dest, WHEEL)


def _pip_20():
    pip = pytest.importorskip("pip")
    if not pip.__version__.startswith("20."):
        pytest.skip("pip %s: the launcher is tested with 2.7's last pip, 20.3"
                    % pip.__version__)


def _downloaded(servers, site, result, wheel):
    nginx, squid, _ = servers
    assert result.returncode == 0, result.describe()
    with open(wheel, "rb") as got:
        with open(os.path.join(site[0], "simple", "demopkg", WHEEL), "rb") as sent:
            assert got.read() == sent.read()
    log = wait_for_log(nginx, "GET /simple/demopkg/%s" % WHEEL)
    assert "pip/20." in log
    wait_for_log(squid, "CONNECT localhost:%d" % nginx.port)


@pytest.mark.skipif(not PY2, reason="pip on Python 3 needs no launcher")
def test_pip_download_through_the_proxy(servers, site, tmp_path):
    _pip_20()
    # Plain pip on 2.7 cannot use an HTTPS proxy for an HTTPS index.
    plain, wheel = _pip_download(servers, tmp_path, ["-m", "pip"])
    assert plain.returncode != 0 and not os.path.exists(wheel)
    assert "ProxySchemeUnsupported" in plain.out + plain.err
    result, wheel = _pip_download(servers, tmp_path, ["-m", "sslbio", "pip"])
    _downloaded(servers, site, result, wheel)


@pytest.mark.skipif(not PY2, reason="pip on Python 3 needs no launcher")
@pytest.mark.parametrize("variable", ["REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE"])
def test_pip_cert_wins_over_the_environments_bundle(servers, site, tmp_path,
                                                    variable):
    # The variable names a bundle that trusts neither the proxy nor the
    # index; --cert names the one that does.
    _pip_20()
    result, wheel = _pip_download(servers, tmp_path, ["-m", "sslbio", "pip"],
                                  {variable: cert("other-ca.pem")})
    _downloaded(servers, site, result, wheel)


@pytest.mark.skipif(not PY2, reason="pip on Python 3 needs no launcher")
def test_pip_after_inject_into_ssl_alone(servers, site, tmp_path):
    # pip's vendored urllib3 (1.26.2) under an application that injected
    # into ssl and did nothing for urllib3: requests' path through the proxy
    # works, as with the launcher.
    _pip_20()
    launcher = ["-c", "import sys, sslbio; sslbio.inject_into_ssl(); "
                "from pip._internal.cli.main import main; "
                "sys.exit(main(sys.argv[1:]))"]
    result, wheel = _pip_download(servers, tmp_path, launcher)
    _downloaded(servers, site, result, wheel)

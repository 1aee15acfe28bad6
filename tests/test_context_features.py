"""Python 3.11's SSLContext surface on 2.7 (sslbio._context_features, the
engines' backends over the shared binding, _engines/openssl_context.py, and
the enum classes of _tlsenums).

The ctypes engine (CPython 2.7) and the pypy engine (PyPy 2.7, where PyPy's
own _ssl serves post_handshake_auth and get_ciphers()) serve all of it."""

import gc
import os
import socket
import ssl
import subprocess
import sys
import threading

import pytest

import sslbio
from sslbio import _tlsenums

from engine_cases.common import cert
from support import subproc
from support.interpreters import version_of

# An engine serving every context feature the OpenSSL release has, with
# what the interpreter's own _ssl serves (the ctypes and pypy engines; the
# portable engine some).
SERVES_EVERY_FEATURE = sslbio.ENGINE in ("ctypes", "pypy")
needs_engine = pytest.mark.skipif(
    not SERVES_EVERY_FEATURE,
    reason="needs an engine serving every context feature (ctypes, pypy)")
needs_keylog = pytest.mark.skipif(
    "keylog_filename" not in getattr(sslbio, "CONTEXT_FEATURES", ()),
    reason="the OpenSSL release has no key log (1.1.1 added it)")

# Python 3.11's Options members with OpenSSL 3.0 (ssl.Options.__members__).
OPTIONS_300 = [
    ("OP_NO_SSLv2", 0), ("OP_SINGLE_DH_USE", 0), ("OP_SINGLE_ECDH_USE", 0),
    ("OP_IGNORE_UNEXPECTED_EOF", 128), ("OP_NO_TICKET", 16384),
    ("OP_NO_COMPRESSION", 131072), ("OP_ENABLE_MIDDLEBOX_COMPAT", 1048576),
    ("OP_CIPHER_SERVER_PREFERENCE", 4194304), ("OP_NO_SSLv3", 33554432),
    ("OP_NO_TLSv1", 67108864), ("OP_NO_TLSv1_2", 134217728),
    ("OP_NO_TLSv1_1", 268435456), ("OP_NO_TLSv1_3", 536870912),
    ("OP_NO_RENEGOTIATION", 1073741824), ("OP_ALL", 2147483728)]

# repr() of Options(value) on Python 3.11 with OpenSSL 3.0.
OPTION_REPRS = [
    (0, "<Options.OP_NO_SSLv2: 0>"),
    (0x80000050, "<Options.OP_ALL: 2147483728>"),
    (0x80000054, "<Options.OP_ALL|4: 2147483732>"),
    (4, "<Options: 4>"),
    (0x80000004, "<Options: 2147483652>"),
    (0x20004, "<Options.OP_NO_COMPRESSION|4: 131076>"),
    (0x14000000, "<Options.OP_NO_TLSv1|OP_NO_TLSv1_1: 335544320>"),
    (2186412112, "<Options.OP_NO_COMPRESSION|OP_ENABLE_MIDDLEBOX_COMPAT|"
                 "OP_CIPHER_SERVER_PREFERENCE|OP_NO_SSLv3|OP_ALL: 2186412112>"),
    (-1, "<Options.OP_IGNORE_UNEXPECTED_EOF|OP_NO_TICKET|OP_NO_COMPRESSION|"
         "OP_ENABLE_MIDDLEBOX_COMPAT|OP_CIPHER_SERVER_PREFERENCE|OP_NO_SSLv3|"
         "OP_NO_TLSv1|OP_NO_TLSv1_2|OP_NO_TLSv1_1|OP_NO_TLSv1_3|"
         "OP_NO_RENEGOTIATION|OP_ALL|28163887: 4294967295>"),
    (1 << 40, "<Options: 1099511627776>"),
]


@pytest.fixture(scope="module")
def options():
    return _tlsenums.make_flag("Options", OPTIONS_300)


@pytest.mark.parametrize("value,expected", OPTION_REPRS)
def test_flag_repr_as_python_311(options, value, expected):
    assert repr(options(value)) == expected
    assert str(options(value)) == str(int(options(value)))


def test_flag_operations_keep_the_class(options):
    combined = options.OP_NO_TLSv1 | options.OP_NO_TLSv1_1
    assert type(combined) is options and combined == 0x14000000
    assert type(options.OP_ALL & 0x10) is options
    assert type(0x10 | options.OP_ALL) is options
    assert repr(~options.OP_NO_TLSv1).endswith(": 4227858431>")
    # Arithmetic gives the plain number (a long on 2.7, as 2.7's own
    # options are).
    assert type(options.OP_ALL + 1) in (int, type(2 ** 64))
    # Iteration shows the one-bit members only, as 3.11's does.
    assert [m.name for m in options][:2] == ["OP_IGNORE_UNEXPECTED_EOF",
                                            "OP_NO_TICKET"]


def test_enum_lookup_and_errors():
    version = _tlsenums.make_enum("TLSVersion", _tlsenums.TLS_VERSIONS)
    assert repr(version(771)) == "<TLSVersion.TLSv1_2: 771>"
    assert version["TLSv1_3"] is version.TLSv1_3 is version(0x304)
    assert str(version.TLSv1_2) == "771" and "%s" % version.TLSv1_2 == "771"
    assert version.TLSv1_2.name == "TLSv1_2" and version.TLSv1_2.value == 771
    with pytest.raises(ValueError) as info:
        version(5)
    assert str(info.value) == "5 is not a valid TLSVersion"
    assert [m.name for m in version][0] == "MINIMUM_SUPPORTED"
    assert len(version) == 7


# -- PROTOCOL_TLS_CLIENT / PROTOCOL_TLS_SERVER ---------------------------------

# A TLS_CLIENT and a TLS_SERVER context as made (sslbio's on 2.7, the
# stdlib's on 3), what they show, and a handshake between them: JSON.
_DEFAULTS_SNIPPET = """
import json
import sslbio
from engine_cases.common import Pair, cert

RELEASE_DEPENDENT = ("minimum_version", "maximum_version", "security_level",
                     "hostname_checks_common_name", "num_tickets",
                     "keylog_filename", "post_handshake_auth")


def access(ctx, name):
    # "absent", "refused" (an engine's declared limitation), or what
    # setting it to its own value does.
    try:
        value = getattr(ctx, name)
    except NotImplementedError:  # an engine's refusal is an AttributeError too
        return "refused"
    except AttributeError:
        return "absent"
    try:
        setattr(ctx, name, value)
    except NotImplementedError:
        return "refused"
    except Exception as exc:
        return "%s, set: %s" % (value, type(exc).__name__)
    return "settable"


def cipher_names(ctx):
    try:
        return sorted(c["name"] for c in ctx.get_ciphers())
    except NotImplementedError:
        return None


client = sslbio.SSLContext(sslbio.PROTOCOL_TLS_CLIENT)
server = sslbio.SSLContext(sslbio.PROTOCOL_TLS_SERVER)
found = {}
for side, ctx in (("client", client), ("server", server)):
    found[side] = {
        "verify_mode": int(ctx.verify_mode),
        "check_hostname": ctx.check_hostname,
        "attributes": dict((name, access(ctx, name)) for name in RELEASE_DEPENDENT),
        "ciphers": cipher_names(ctx)}
client.load_verify_locations(cert("ca.pem"))
server.load_cert_chain(cert("server.pem"), cert("server.key"))
pair = Pair(client, server)
pair.handshake()
found["version"] = pair.client.version()
print(json.dumps(found))
"""


def _context_defaults(python):
    result = subproc.run([python, "-c", _DEFAULTS_SNIPPET],
                         env=subproc.python_env(python), timeout=120)
    return result.check_clean().json()


def test_tls_client_and_server_contexts_as_the_reference(reference_python):
    """Made with the defaults Python 3 gives them on the same OpenSSL:
    verification, the attributes the release has and how (on 1.0.2 no
    security_level, minimum_version, num_tickets, keylog_filename and a
    read-only post_handshake_auth and hostname_checks_common_name, as on
    Python 3.9 built against it), ciphers Python 3 enables too, and they
    connect.  (On OpenSSL 1.0.2 the cipher string's @SECLEVEL command once
    made both fail with "No cipher can be selected.")"""
    mine = _context_defaults(sys.executable)
    theirs = _context_defaults(reference_python)
    before_310 = version_of(reference_python) in ("3.6", "3.7", "3.8", "3.9")
    assert mine["version"] == theirs["version"]
    for side in ("client", "server"):
        ciphers = mine[side].pop("ciphers")
        reference_ciphers = theirs[side].pop("ciphers")
        # What the engine declares it cannot serve (the portable engine's
        # LIMITATIONS) is not compared.
        for name, access in list(mine[side]["attributes"].items()):
            # Nor, on a Python 3 row, what that Python is too old to have
            # (3.6 has no minimum_version, 3.7 no num_tickets, ...).
            too_old = sys.version_info[0] >= 3 and \
                not hasattr(ssl.SSLContext, name)
            if access == "refused" or too_old:
                del mine[side]["attributes"][name]
                del theirs[side]["attributes"][name]
        if before_310 and "security_level" in mine[side]["attributes"]:
            # 3.10 added security_level: an older Python 3 has none on any
            # release, sslbio has it where OpenSSL knows security levels.
            level = mine[side]["attributes"].pop("security_level")
            del theirs[side]["attributes"]["security_level"]
            assert (level == "absent") == (ssl.OPENSSL_VERSION_INFO < (1, 1))
        assert mine[side] == theirs[side], side
        if ciphers is None:  # get_ciphers() refused, as declared
            continue
        if (3,) <= sys.version_info < (3, 10):
            continue  # a Python 3 row with the older, wider default
        # 3.10 made 3.11's cipher string the default; 3.9 enables more.
        assert ciphers and set(ciphers) <= set(reference_ciphers), side
        if not before_310:
            assert ciphers == reference_ciphers, side


# -- engines that cannot reach the SSL_CTX ------------------------------------

def _context_served_by(backend):
    """An SSLContext class whose 3.11 attributes ``backend`` serves, built as
    the engine choice builds sslbio.SSLContext from the engine's record."""
    from sslbio import _context, _context_features
    return _context.context_class(
        sslbio.SSLObject, _context_features.ContextSurface(backend))


@needs_engine
def test_engine_without_a_feature_refuses_clearly(tmpdir):
    from sslbio import _context_features
    backend = _context_features.NoContextBackend(
        "portable", "2.7's _ssl gives no access to the SSL_CTX")
    backend.absent = frozenset()  # as on a release that has them all
    ctx = _context_served_by(backend)(2)
    with pytest.raises(NotImplementedError) as info:
        ctx.keylog_filename = str(tmpdir.join("keys.log"))
    assert "portable engine" in str(info.value)
    assert "keylog_filename" in str(info.value)
    assert not tmpdir.join("keys.log").exists()  # nothing half done
    # The class built for that backend leaves the engine's own untouched.
    if "keylog_filename" in sslbio.CONTEXT_FEATURES:
        assert sslbio.SSLContext(2).keylog_filename is None
    # (PyPy's own _ssl has post_handshake_auth and get_ciphers().)
    native = _context_features.native_features()
    for name in ("minimum_version", "num_tickets", "post_handshake_auth"):
        if name in native:
            continue
        with pytest.raises(NotImplementedError):
            getattr(ctx, name)
        # Code that probes for the attribute finds it missing, as on a
        # Python 3 without the feature (urllib3 reads post_handshake_auth
        # so, for every HTTPS connection once inject_into_ssl() put it on
        # ssl.SSLContext).
        assert getattr(ctx, name, None) is None
        assert not hasattr(ctx, name)
    if "get_ciphers" not in native:
        with pytest.raises(NotImplementedError):
            ctx.get_ciphers()


@needs_engine
def test_release_without_a_feature_has_no_attribute():
    # As Python 3 built against an OpenSSL without the key log API.
    real = sslbio._engine.CONTEXT_SURFACE.backend

    class Older(object):
        name = real.name
        missing_reason = real.missing_reason
        option_constants = real.option_constants
        features = real.features - {"keylog_filename"}
        absent = frozenset(["keylog_filename"])

    ctx = _context_served_by(Older())(2)
    assert not hasattr(ctx, "keylog_filename")
    with pytest.raises(AttributeError):
        ctx.keylog_filename = "x"


@needs_engine
def test_engine_without_the_ssl_ctx_on_openssl_102(monkeypatch):
    # What OpenSSL 1.0.2 lacks is absent or read-only, as on Python 3.9
    # built against it, not refused as the engine's limitation.
    from sslbio import _context_features, _releases
    monkeypatch.setattr(ssl, "OPENSSL_VERSION_NUMBER", 0x1000215f)
    backend = _context_features.NoContextBackend(
        "portable", "2.7's _ssl gives no access to the SSL_CTX")
    assert backend.absent == set(_releases.RELEASE_CONTEXT_FEATURES)
    assert "minimum_version" not in \
        backend.context_limits()["unserved_context_attributes"]
    ctx = _context_served_by(backend)(2)
    for name in ("minimum_version", "security_level", "num_tickets",
                 "keylog_filename"):
        assert not hasattr(ctx, name), name
    # (PyPy's own _ssl serves post_handshake_auth whatever the release.)
    read_only = ["hostname_checks_common_name"]
    if "post_handshake_auth" not in _context_features.native_features():
        assert ctx.post_handshake_auth is None
        read_only.append("post_handshake_auth")
    assert ctx.hostname_checks_common_name is True
    for name in read_only:
        with pytest.raises(AttributeError, match="can't set attribute"):
            setattr(ctx, name, False)
    if "get_ciphers" in _context_features.native_features():
        # PyPy's own _ssl serves it for a backend that does not.
        assert "get_ciphers" not in type(ctx).__dict__
    else:
        with pytest.raises(NotImplementedError):
            ctx.get_ciphers()


@needs_engine
def test_engine_serves_every_feature_of_the_release():
    """Every attribute the release has, each by the engine or by the
    interpreter's own _ssl, and no limitation declared about any of them."""
    from sslbio import _context_features
    backend = sslbio._engine.CONTEXT_SURFACE.backend
    assert set(sslbio._engine.CONTEXT_FEATURES) == \
        set(_context_features.FEATURES) - backend.absent
    assert not sslbio._engine.ENGINE_LIMITS.unserved_context_attributes
    assert _context_features.unserved(backend) == []


# -- the key log ----------------------------------------------------------------

def _serve_native(ctx, listener, count):
    for _ in range(count):
        conn, _ = listener.accept()
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
            tls.recv(1)
            tls.close()
        except Exception:
            conn.close()


def _keylog_lines(path):
    with open(path, "rb") as f:
        return f.read().splitlines()


@needs_engine
@needs_keylog
def test_keylog_matches_openssl_s_client(tmpdir):
    """The server side (2.7's own SSLSocket from an sslbio context) and
    ``openssl s_client -keylogfile`` log the same secrets for one session."""
    ours, theirs = str(tmpdir.join("server.log")), str(tmpdir.join("c.log"))
    ctx = sslbio.SSLContext(17)
    ctx.load_cert_chain(cert("server.pem"), cert("server.key"))
    ctx.keylog_filename = ours
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    thread = threading.Thread(target=_serve_native, args=(ctx, listener, 1))
    thread.start()
    try:
        client = subprocess.Popen(
            ["openssl", "s_client", "-connect",
             "127.0.0.1:%d" % listener.getsockname()[1], "-keylogfile",
             theirs, "-CAfile", cert("ca.pem")],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        client.communicate(b"x")
    finally:
        thread.join(30)
        listener.close()
    mine = _keylog_lines(ours)
    assert mine[0] == b"# TLS secrets log file, generated by OpenSSL / Python"
    secrets = set(line for line in mine[1:] if line)
    reference = set(line for line in _keylog_lines(theirs)
                    if line and not line.startswith(b"#"))
    assert secrets and secrets == reference
    labels = set(line.split(b" ")[0] for line in secrets)
    assert b"CLIENT_HANDSHAKE_TRAFFIC_SECRET" in labels


@needs_engine
@needs_keylog
def test_keylog_from_threads_and_closed_with_the_context(tmpdir):
    from engine_cases.common import Pair, client_context, server_context
    path = str(tmpdir.join("keys.log"))
    contexts = {"server": server_context(), "client": client_context()}
    contexts["server"].keylog_filename = path
    errors = []

    def connect():
        try:
            for _ in range(5):
                Pair(contexts["client"], contexts["server"]).handshake()
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=connect) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    lines = _keylog_lines(path)[1:]
    # TLS 1.3: five secrets per handshake, each line whole.
    assert len(lines) == 4 * 5 * 5
    assert all(len(line.split(b" ")) == 3 for line in lines)
    writer = sslbio._context_features._state(contexts["server"])["keylog"]
    del contexts["server"]
    gc.collect()
    assert writer.closed  # closed with its context
    assert os.path.getsize(path) > 0
    # The next context to log drops the dead context's entry.
    from sslbio._engines.openssl_context import shared_keylog_writers
    writers = shared_keylog_writers()
    assert writer in writers.values()
    other = server_context()
    other.keylog_filename = str(tmpdir.join("other.log"))
    assert writer not in writers.values()


@needs_engine
def test_option_masks_and_32_bit_c_longs(monkeypatch):
    # 2.7 on a 32-bit platform reads options as a signed C long, so OP_ALL
    # and the options of every context are negative there; Python 3 shows
    # the unsigned mask, and 2.7's setter wants the signed long back.
    from sslbio import _context_features
    monkeypatch.setattr(_context_features, "_LONG_RANGE", 2 ** 32)
    assert _context_features._unsigned(-2108555180) == 0x82520054
    assert _context_features._signed(0x82520054) == -2108555180
    assert _context_features._signed(0x4000) == 0x4000
    assert _context_features._unsigned(0x4000) == 0x4000


@needs_engine
def test_context_whose_sni_callback_refers_to_it_is_collected():
    import weakref
    held = {"ctx": sslbio.SSLContext(17)}

    def callback(sslobj, name, context, held=held):
        return held  # refers to the context: a cycle through it

    held["ctx"].sni_callback = callback
    assert held["ctx"].sni_callback is callback
    ref = weakref.ref(held["ctx"])
    del held, callback
    gc.collect()
    assert ref() is None

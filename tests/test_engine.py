"""The ctypes engine on CPython 2.7: resources, lifetimes, process events,
the unavailable path, injection into ``ssl``, SNI and the one deliberate
deviation from Python 3.

Anything that could crash the interpreter (freeing, copying, exiting,
forking) runs in a subprocess that must exit 0 with NOTHING on stderr, so a
double free, a use after free or an "Exception ignored in __del__" fails
one test instead of killing the run.

Most tests only make sense for the engine and skip elsewhere.  Run under
another engine (``SSLBIO_ENGINE``), they hold it to what it declares
(descriptors per object, no sessions).  The few that
state plain API behaviour (MemoryBIO's type restrictions, copying and
pickling, SNI) also run on Python 3, where they check this file's
expectations against the standard library.
"""

import copy
import os
import pickle
import platform
import ssl
import sys
import weakref

import pytest

import sslbio

from engine_cases.common import (ON_CTYPES_ENGINE, ON_ENGINE, PY2,
                                 RESUMES_SESSIONS, Pair, cert, client_context,
                                 connected_pair, der_of, last_json, run_clean,
                                 server_context)
from engine_cases.copies import ssl_state
from conformance.engine_limits import current as current_limits
from support import engines
from support.interpreters import NO_REFERENCE, reference_python
from support.openssl_release import (HANDSHAKE_AFTER_CUT_SHORT,
                                     HANDSHAKE_CUT_SHORT, HAS_TLS13)

engine_only = pytest.mark.skipif(
    not ON_ENGINE, reason="sslbio.ENGINE is %r: no sslbio engine serves "
    "this interpreter (they serve Python 2.7)" % sslbio.ENGINE)
# Tests that watch the ctypes engine's own workings (BIO reference counts
# through its binding, its layout checks, its need for ctypes).
ctypes_engine_only = pytest.mark.skipif(
    not ON_CTYPES_ENGINE, reason="the ctypes engine's internals; sslbio.ENGINE "
    "is %r" % sslbio.ENGINE)
ON_PYPY = platform.python_implementation() == "PyPy"
# PyPy lets every object be weakly referenced: no code can refuse it.
not_on_pypy = pytest.mark.skipif(
    ON_PYPY, reason="PyPy lets every object be weakly referenced")


def test_engine_by_interpreter():
    if PY2:
        # SSLBIO_ENGINE (a row of scripts/test-all) names the one to use.
        expected = os.environ.get("SSLBIO_ENGINE") or (
            "pypy" if ON_PYPY else "ctypes")
        assert sslbio.ENGINE == expected, sslbio.UNAVAILABLE_REASON
        assert sslbio.UNAVAILABLE_REASON is None
    else:
        assert sslbio.ENGINE == "stdlib"
        assert sslbio.MemoryBIO is ssl.MemoryBIO


# -- resources --------------------------------------------------------------

def open_descriptors():
    return len(os.listdir("/proc/self/fd"))


@engine_only
@pytest.mark.skipif(not os.path.isdir("/proc/self/fd"),
                    reason="needs /proc/self/fd")
def test_descriptors_per_object_as_declared():
    """All objects share one never-connected dummy socket; an engine that
    declares descriptors per object (the portable engine's socket pair)
    holds exactly those, and gives them back with the objects."""
    per_object = current_limits().descriptors_per_object
    client_ctx, server_ctx = client_context(), server_context()
    before = open_descriptors()
    pairs = [connected_pair(client_ctx, server_ctx) for _ in range(200)]
    assert all(p.client.version() for p in pairs)
    assert open_descriptors() == before + 2 * len(pairs) * per_object
    del pairs
    assert open_descriptors() == before


def _can_reset_peak_rss():
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except (IOError, OSError):
        return False


LARGE_READ_SCRIPT = """
import json, sslbio

def rss_kib(field):
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])

size = %d
# A pattern that differs from byte to byte and block to block, so a piece
# read into the wrong place does not compare equal.
block = bytearray(range(251)) * 4177
bio = sslbio.MemoryBIO()
written = 0
while written < size:
    piece = bytes(block[written %% 251:][:size - written])
    bio.write(piece)
    written += len(piece)
expected = bytes(bytearray((i %% 251) for i in range(251)) * (size // 251 + 1))[:size]
before = rss_kib("VmRSS")
with open("/proc/self/clear_refs", "w") as handle:
    handle.write("5")  # the peak (VmHWM) starts again from here
data = bio.read()
print(json.dumps({"equal": data == expected, "pending": bio.pending,
                  "growth_kib": rss_kib("VmHWM") - before}))
"""


@engine_only
@pytest.mark.skipif(not _can_reset_peak_rss(), reason="needs /proc/self/clear_refs")
def test_large_read_builds_its_result_in_place():
    """read() of many records (the pump idiom, after many writes) puts the
    bytes straight into the result: the peak memory of the read grows by
    the size read, not by a second copy of it (a result concatenated from
    pieces would need both)."""
    size = 32 << 20
    got = last_json(run_clean(LARGE_READ_SCRIPT % size))
    assert got["equal"] and got["pending"] == 0
    assert got["growth_kib"] < 1.5 * (size >> 10), got


def test_scratch_buffers_belong_to_one_caller_at_a_time():
    """The engines' reused read buffers: a caller that has not given its
    buffer back (another thread inside SSL_read(), a callback reading
    inside a read) never gets it twice; one given back is reused."""
    from sslbio._engines.openssl_driver import ScratchBuffers
    made = []

    def new_buffer(size):
        made.append(bytearray(size))
        return made[-1]

    pool = ScratchBuffers(new_buffer, 16)
    outer = pool.take()
    inner = pool.take()
    assert inner is not outer and len(outer) == len(inner) == 16
    pool.give_back(inner)
    pool.give_back(outer)
    assert pool.take() is outer and pool.take() is inner
    assert len(made) == 2


# -- BIO reference counting --------------------------------------------------

ORDERS = [
    (a, b, c, d)
    for a in ("sslobj", "incoming", "outgoing", "context")
    for b in ("sslobj", "incoming", "outgoing", "context")
    for c in ("sslobj", "incoming", "outgoing", "context")
    for d in ("sslobj", "incoming", "outgoing", "context")
    if len(set((a, b, c, d))) == 4
]


@ctypes_engine_only
@pytest.mark.parametrize("handshake_done", [False, True],
                         ids=["half-done", "done"])
@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_deletion_order(order, handshake_done):
    """Each BIO is freed exactly once, when both its MemoryBIO and the
    SSLObject are gone (watched through OpenSSL's BIO free callback), and
    whatever survives keeps working."""
    out = run_clean("""
        from engine_cases.lifetimes import deletion_order
        deletion_order(%r, %r)
        """ % (list(order), handshake_done))
    assert out.splitlines()[-1] == "ok"


# How the handshake of a client that reads its own ClientHello back fails,
# three calls in a row, as Python 3 has it on this OpenSSL (checked below):
# OpenSSL 1.1.0 and later report the unexpected message, then the failed
# state; 1.0.2 takes the record for an unknown protocol every time.
ONE_BIO_OUTCOME = ["SSLError UNEXPECTED_MESSAGE", "SSLSyscallError None",
                   "SSLSyscallError None"] \
    if ssl.OPENSSL_VERSION_INFO >= (1, 1) else ["SSLError UNKNOWN_PROTOCOL"] * 3


@ctypes_engine_only
@pytest.mark.parametrize("first", ["sslobj", "bio"])
def test_one_memory_bio_as_incoming_and_outgoing(first):
    """SSL_set_bio(ssl, bio, bio) takes one reference fewer than two BIOs;
    the BIO must still be freed exactly once.  The client reads its own
    ClientHello back, which fails as on Python 3.11."""
    out = run_clean("""
        import json
        from engine_cases.lifetimes import one_bio_both_ways
        print(json.dumps(one_bio_both_ways(%r)))
        """ % first)
    assert last_json(out) == ONE_BIO_OUTCOME


def test_one_memory_bio_both_ways_reference():
    """The expectation above, checked against the standard library."""
    if ON_ENGINE:
        python = reference_python()
        if python is None:
            pytest.skip(NO_REFERENCE)
    elif sys.version_info[:2] == (3, 11):  # 3.13 differs after a fatal error
        python = sys.executable
    else:
        pytest.skip("the reference is Python 3.11")
    out = run_clean("""
        import json, ssl
        from engine_cases.common import client_context
        bio = ssl.MemoryBIO()
        obj = client_context().wrap_bio(bio, bio, server_hostname="localhost")
        outcome = []
        for _ in range(3):
            try:
                obj.do_handshake()
                outcome.append("completed")
            except ssl.SSLError as exc:
                outcome.append("%s %s" % (type(exc).__name__, exc.reason))
        print(json.dumps(outcome))
        """, executable=python)
    assert last_json(out) == ONE_BIO_OUTCOME


@ctypes_engine_only
def test_memory_bios_shared_by_two_sslobjects():
    out = run_clean("""
        from engine_cases.lifetimes import shared_bios
        shared_bios()
        """)
    assert out.splitlines()[-1] == "ok"


# -- type restrictions, copying, pickling (plain API: runs on 3 too) -------

def test_memory_bio_takes_no_arguments():
    with pytest.raises(TypeError):
        sslbio.MemoryBIO(123)
    with pytest.raises(TypeError):
        sslbio.MemoryBIO(size=1)


# Bad arguments, each as (call, Python 3's message with %s for the name of
# the text type: 'str' there, 'unicode' on 2.7, where 'str' is accepted).
BAD_ARGUMENTS_SCRIPT = """
    import json, sslbio
    calls = {
        "MemoryBIO(b'x')": lambda: sslbio.MemoryBIO(b"x"),
        "MemoryBIO(b'x', size=1)": lambda: sslbio.MemoryBIO(b"x", size=1),
        "MemoryBIO(size=1)": lambda: sslbio.MemoryBIO(size=1),
        "write(text)": lambda: sslbio.MemoryBIO().write(u"abc"),
        "write(None)": lambda: sslbio.MemoryBIO().write(None),
        "read(text)": lambda: sslbio.MemoryBIO().read(u"1"),
    }
    seen = {}
    for name, call in calls.items():
        try:
            call()
            seen[name] = None
        except Exception as exc:
            seen[name] = [type(exc).__name__, str(exc)]
    print(json.dumps([type(u"").__name__, seen]))
"""
BAD_ARGUMENT_MESSAGES = {
    "MemoryBIO(b'x')": "MemoryBIO() takes no positional arguments",
    "MemoryBIO(b'x', size=1)": "MemoryBIO() takes no positional arguments",
    "MemoryBIO(size=1)": "MemoryBIO() takes no keyword arguments",
    "write(text)": "a bytes-like object is required, not '%s'",
    "write(None)": "a bytes-like object is required, not 'NoneType'",
    "read(text)": "'%s' object cannot be interpreted as an integer",
}


@pytest.mark.parametrize("engine", engines.serving())
def test_bad_arguments_get_python3s_messages_naming_the_type_passed(engine):
    if (3, 0) <= sys.version_info < (3, 11):
        pytest.skip("the messages are Python 3.11's; older Python 3 words them "
                    "otherwise")
    text_type, seen = last_json(run_clean(BAD_ARGUMENTS_SCRIPT,
                                          env=engines.forced(engine)))
    assert text_type == ("unicode" if PY2 else "str")
    expected = dict((name, ["TypeError", message.replace("%s", text_type)])
                    for name, message in BAD_ARGUMENT_MESSAGES.items())
    assert seen == expected


OVERSIZED_WRITE_SCRIPT = """
    import json, sslbio
    data = b"\\0" * (2 ** 31)
    try:
        sslbio.MemoryBIO().write(data)
        print(json.dumps(None))
    except Exception as exc:
        print(json.dumps([type(exc).__name__, str(exc)]))
"""


@pytest.mark.skipif(sys.maxsize < 2 ** 32,
                    reason="a 2 GiB bytes object needs a 64-bit process")
@pytest.mark.parametrize("engine", engines.serving())
def test_a_write_beyond_int_max_gets_python3s_overflow_error(engine):
    # Python 3's MemoryBIO.write() refuses more than INT_MAX bytes by its
    # own words, on every engine, whatever the foreign call would say.
    seen = last_json(run_clean(OVERSIZED_WRITE_SCRIPT, env=engines.forced(engine)))
    assert seen == ["OverflowError", "string longer than 2147483647 bytes"]


def test_memory_bio_cannot_be_subclassed():
    with pytest.raises(TypeError):
        type("MyBIO", (sslbio.MemoryBIO,), {})


def test_memory_bio_takes_no_new_attributes():
    bio = sslbio.MemoryBIO()
    with pytest.raises(AttributeError):
        bio.extra = 1
    assert bio.pending == 0  # and it is unharmed


@not_on_pypy
def test_memory_bio_cannot_be_weakly_referenced():
    with pytest.raises(TypeError):
        weakref.ref(sslbio.MemoryBIO())


@pytest.mark.parametrize("how", ["copy", "deepcopy", "pickle-0", "pickle-2",
                                 "pickle-highest"])
def test_memory_bio_cannot_be_copied_or_pickled(how):
    bio = sslbio.MemoryBIO()
    bio.write(b"data")
    with pytest.raises(TypeError):
        if how == "copy":
            copy.copy(bio)
        elif how == "deepcopy":
            copy.deepcopy(bio)
        elif how == "pickle-highest":
            pickle.dumps(bio, pickle.HIGHEST_PROTOCOL)
        else:
            pickle.dumps(bio, int(how[-1]))
    assert bio.read() == b"data"


# Python 3.11's behaviour, recorded from the stdlib (and re-checked when
# this runs there): copy.copy of an SSLObject is a second Python object on
# the same connection; deepcopy and pickling (protocol 2 and up) are
# TypeError; SSLSession cannot be copied, pickled or weakly referenced.
COPY_SCRIPT = """
    import copy, gc, json, pickle, ssl, sys, weakref
    from engine_cases.common import Pair, connected_pair

    def outcome(call, *args):
        try:
            call(*args)
        except Exception as exc:
            return type(exc).__name__
        return "ok"

    result = {}
    pair = Pair()
    shallow = copy.copy(pair.client)
    result["copy type"] = type(shallow) is type(pair.client)
    # Driving the copy drives the original: one connection.
    outcome(shallow.do_handshake)
    result["copy shares the connection"] = pair.cout.pending > 0
    result["deepcopy"] = outcome(copy.deepcopy, pair.client)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        result["pickle %d" % protocol] = outcome(pickle.dumps, pair.client,
                                                 protocol)
    result["weakref"] = outcome(weakref.ref, pair.client)
    pair.handshake()
    # The copy and the original see the same established connection; drop
    # the original and keep using the copy.
    pair.client = None
    gc.collect()
    shallow.write(b"via the copy")
    pair.to_server()
    result["copy after original deleted"] = (
        pair.server.read() == b"via the copy")
    del shallow
    gc.collect()

    session = connected_pair().client.session
    for name, call in [("copy", copy.copy), ("deepcopy", copy.deepcopy),
                       ("weakref", weakref.ref)]:
        result["session " + name] = outcome(call, session)
    for protocol in (2, pickle.HIGHEST_PROTOCOL):
        result["session pickle %d" % protocol] = outcome(
            pickle.dumps, session, protocol)
    print(json.dumps(result, sort_keys=True))
"""

COPY_EXPECTED = {
    "copy type": True,
    "copy shares the connection": True,
    "deepcopy": "TypeError",
    "pickle 2": "TypeError",
    "pickle %d" % pickle.HIGHEST_PROTOCOL: "TypeError",
    "weakref": "ok",
    "copy after original deleted": True,
    "session copy": "TypeError",
    "session deepcopy": "TypeError",
    # (PyPy lets every object be weakly referenced.)
    "session weakref": "ok" if ON_PYPY else "TypeError",
    "session pickle 2": "TypeError",
    "session pickle %d" % pickle.HIGHEST_PROTOCOL: "TypeError",
}


def test_copy_and_pickle_sslobject_and_session():
    got = last_json(run_clean(COPY_SCRIPT))
    expected = dict(COPY_EXPECTED)
    if not RESUMES_SESSIONS:
        # The engine makes no SSLSession (it says so): the script's session
        # is None, and what Python does with None says nothing of sslbio.
        for key in [key for key in expected if key.startswith("session ")]:
            del expected[key], got[key]
    wrong = dict((key, "got %r, Python 3.11 gives %r" % (got.get(key), value))
                 for key, value in expected.items()
                 if got.get(key) != value)
    assert not wrong
    assert sorted(got) == sorted(expected)


# -- interpreter exit with live objects -------------------------------------

EXIT_SCRIPTS = {
    # Objects in module globals: 2.7 sets module globals to None at exit,
    # so any __del__ that looks up a global would complain on stderr.
    "globals": """
        import ssl
        from engine_cases.common import (RESUMES_SESSIONS, Pair,
                                         client_context, connected_pair,
                                         server_context)
        mid = Pair()
        try:
            mid.client.do_handshake()
        except ssl.SSLWantReadError:
            pass
        mid.to_server()
        established = connected_pair()
        if RESUMES_SESSIONS:
            session = established.client.session
            resumed = connected_pair(established.client_ctx,
                                     established.server_ctx, session=session)
            assert resumed.client.session_reused
        lone_bio = established.cin.__class__()
        lone_bio.write(b"left over")
        print("ready")
    """,
    # SNI callbacks whose closures hold the server SSLObject and contexts:
    # context -> callback -> closure -> list -> SSLObject -> context.
    "sni-cycles": """
        from engine_cases.common import Pair, client_context, server_context
        keep = []
        def make():
            server_ctx = server_context()
            other_ctx = server_context("server-ecdsa")
            def callback(sslobj, name, ctx):
                keep.append((sslobj, ctx, other_ctx, server_ctx))
                sslobj.context = other_ctx
            server_ctx.set_servername_callback(callback)
            pair = Pair(client_context(), server_ctx)
            pair.handshake()
            session = pair.client.session
            pair.server.keep = (pair, session, callback)
            return pair
        pairs = [make() for _ in range(3)]
        del pairs  # only the cycles keep them now
        print("ready")
    """,
    # Cycles the collector never gets to run on, and objects hung on sys
    # and on the builtins, which 2.7 tears down last.
    "uncollected": """
        import gc, sys
        gc.disable()
        try:
            import __builtin__ as builtins
        except ImportError:
            import builtins
        from engine_cases.common import Pair, connected_pair
        for _ in range(3):
            pair = connected_pair()
            pair.cycle = pair
            pair.client.pair = pair
            pair.session = pair.client.session
        sys.sslbio_pair = connected_pair()
        builtins.sslbio_session = sys.sslbio_pair.client.session
        del pair
        print("ready")
    """,
}


@engine_only
@pytest.mark.parametrize("name", sorted(EXIT_SCRIPTS))
def test_interpreter_exit_with_live_objects(name):
    out = run_clean(EXIT_SCRIPTS[name])
    assert out.splitlines() == ["ready"]


@engine_only
@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")
def test_fork_with_live_objects():
    """After fork() the child makes new pairs and completes handshakes, and
    carries on with its copy of an established pair and of one that was
    mid-handshake; the parent carries on with its own."""
    run_clean("""
        import os, ssl, sys, traceback
        from engine_cases.common import Pair, connected_pair

        established = connected_pair()
        midway = Pair()
        try:
            midway.client.do_handshake()
        except ssl.SSLWantReadError:
            pass
        sys.stdout.flush()

        def carry_on(who):
            fresh = connected_pair()
            assert fresh.client_sends(b"fresh " + who) == b"fresh " + who
            assert established.client_sends(who) == who
            assert established.server_sends(who + b" back") == who + b" back"
            midway.handshake()
            assert midway.server_sends(b"done") == b"done"

        pid = os.fork()
        if pid == 0:
            try:
                carry_on(b"child")
            except BaseException:
                traceback.print_exc()
                os._exit(1)
            sys.exit(0)  # a normal exit: the child's copies are freed too
        _, status = os.waitpid(pid, 0)
        assert status == 0, "child exited with status %d" % status
        carry_on(b"parent")
        print("ok")
        """)


# -- the unavailable path -----------------------------------------------------

UNAVAILABLE_SCRIPT = """
    import imp, json, os, ssl, sys, types

    # Load one module of the ctypes engine without running the __init__.py
    # of sslbio and its engine packages, patch it, then import sslbio for
    # real: the engine picks the patched module up from sys.modules.
    path = imp.find_module("sslbio")[1]
    packages = ["sslbio", "sslbio._engines", "sslbio._engines.ctypes"]
    for package in packages:
        stub = types.ModuleType(package)
        stub.__path__ = [os.path.join(path, *package.split(".")[1:])]
        sys.modules[package] = stub
    name = "sslbio._engines.ctypes.%(module)s"
    __import__(name)
    target = sys.modules[name]
    %(patch)s
    for package in packages:
        del sys.modules[package]

    import sslbio
    from sslbio._engine import EngineUnavailableError
    result = {"engine": sslbio.ENGINE, "reason": sslbio.UNAVAILABLE_REASON}
    calls = {
        "MemoryBIO": lambda: sslbio.MemoryBIO(),
        "wrap_bio": lambda: sslbio.wrap_bio(
            ssl.SSLContext(ssl.PROTOCOL_SSLv23), None, None),
        "SSLContext.wrap_bio": lambda: sslbio.SSLContext(
            ssl.PROTOCOL_SSLv23).wrap_bio(None, None),
    }
    for name, call in sorted(calls.items()):
        try:
            call()
            result[name] = "no exception"
        except EngineUnavailableError as exc:
            result[name] = str(exc)
    print(json.dumps(result))
"""

UNAVAILABLE_CASES = {
    "layout": ("layout", """
    def refuse(self, lib):
        raise target.LayoutError("simulated: _SSLSocket is 1 byte")
    target.Layout.__init__ = refuse""",
               ["LayoutError", "simulated: _SSLSocket is 1 byte"]),
    "old-openssl": ("binding", """
    target.Binding._discover_version = lambda self: 0x1000115f""",
                    ["UnsupportedOpenSSL", "1.0.1", "older than 1.0.2"]),
}


@ctypes_engine_only
@pytest.mark.parametrize("case", sorted(UNAVAILABLE_CASES))
def test_unavailable_engine(case):
    module, patch, words = UNAVAILABLE_CASES[case]
    # Forced to ctypes so that no other engine serves instead.
    out = run_clean(UNAVAILABLE_SCRIPT % {"module": module,
                                          "patch": patch.strip()},
                    env={"SSLBIO_ENGINE": "ctypes"})
    result = last_json(out)
    assert result["engine"] == "unavailable"
    for word in words:
        assert word in result["reason"]
    for name in ("MemoryBIO", "wrap_bio", "SSLContext.wrap_bio"):
        assert result["reason"] in result[name], name


NO_CTYPES_SCRIPT = """
    import json, ssl, sys
    # As on an interpreter built without libffi: "import ctypes" fails.
    sys.modules["_ctypes"] = None
    import sslbio
    from sslbio import _engine
    sslbio.inject_into_ssl()
    print(json.dumps({
        "engine": sslbio.ENGINE, "reason": sslbio.UNAVAILABLE_REASON,
        "reasons": _engine.ENGINE_REASONS,
        "ssl.MemoryBIO": hasattr(ssl, "MemoryBIO"),
        "ssl.SSLObject": hasattr(ssl, "SSLObject"),
        "wrap_bio": hasattr(ssl.SSLContext, "wrap_bio"),
    }))
"""


@ctypes_engine_only
def test_import_without_ctypes():
    # Forced to ctypes so that no other engine serves instead.
    result = last_json(run_clean(NO_CTYPES_SCRIPT,
                                 env={"SSLBIO_ENGINE": "ctypes"}))
    assert result["engine"] == "unavailable"
    assert "_ctypes" in result["reasons"]["ctypes"]
    assert "_ctypes" in result["reason"]
    # Libraries decide by hasattr(ssl, "MemoryBIO") whether to use the
    # in-memory API; with no engine they must take their other path.
    assert not result["ssl.MemoryBIO"]
    assert not result["ssl.SSLObject"]
    assert not result["wrap_bio"]


@ctypes_engine_only
def test_import_without_ctypes_tries_the_next_engines():
    result = last_json(run_clean(NO_CTYPES_SCRIPT))
    assert result["engine"] != "ctypes"
    assert "_ctypes" in result["reasons"]["ctypes"]
    # Every engine refused is listed; the one serving is not.
    assert result["engine"] not in result["reasons"]
    assert result["ssl.MemoryBIO"] == (result["engine"] != "unavailable")


FORCED_SCRIPT = """
    import json, sslbio
    from sslbio import _engine
    print(json.dumps({"engine": sslbio.ENGINE,
                      "reason": sslbio.UNAVAILABLE_REASON,
                      "reasons": _engine.ENGINE_REASONS}))
"""


@engine_only
def test_forced_engine():
    forced = last_json(run_clean(FORCED_SCRIPT,
                                 env={"SSLBIO_ENGINE": sslbio.ENGINE}))
    assert (forced["engine"], forced["reason"]) == (sslbio.ENGINE, None)

    unknown = last_json(run_clean(FORCED_SCRIPT,
                                  env={"SSLBIO_ENGINE": "turbo"}))
    assert unknown["engine"] == "unavailable"
    assert "SSLBIO_ENGINE=turbo names no engine" in unknown["reason"]
    assert list(unknown["reasons"]) == ["turbo"]


# -- inject_into_ssl / extract_from_ssl ------------------------------------

@pytest.fixture
def pristine_ssl():
    state = ssl_state()
    yield state
    sslbio.extract_from_ssl()
    assert ssl_state() == state, "extract_from_ssl() left ssl modified"


@engine_only
def test_inject_and_extract(pristine_ssl):
    original_certificate_error = ssl.CertificateError
    assert not hasattr(ssl.SSLContext, "wrap_bio")

    sslbio.inject_into_ssl()
    sslbio.inject_into_ssl()  # idempotent
    assert ssl.MemoryBIO is sslbio.MemoryBIO
    assert ssl.SSLObject is sslbio.SSLObject
    assert ssl.SSLSession is sslbio.SSLSession
    assert ssl.SSLCertVerificationError is sslbio.SSLCertVerificationError
    assert ssl.CertificateError is sslbio.SSLCertVerificationError
    # Old except clauses still catch it.
    assert issubclass(ssl.CertificateError, original_certificate_error)

    # Plain ssl.SSLContext objects now have Python 3's wrap_bio().
    client = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    client.verify_mode = ssl.CERT_REQUIRED
    client.check_hostname = True
    client.load_verify_locations(cert("ca.pem"))
    server = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    server.load_cert_chain(cert("server.pem"), cert("server.key"))
    pair = Pair(client, server, use_method=True).handshake()
    assert isinstance(pair.client, ssl.SSLObject)
    assert pair.client_sends(b"injected") == b"injected"
    bad = Pair(client, server, server_hostname="wrong.example",
               use_method=True)
    with pytest.raises(ssl.CertificateError):
        bad.handshake()

    sslbio.extract_from_ssl()
    sslbio.extract_from_ssl()  # idempotent
    assert ssl_state() == pristine_ssl
    assert ssl.CertificateError is original_certificate_error
    assert not hasattr(ssl.SSLContext, "wrap_bio")
    assert not hasattr(ssl, "MemoryBIO")

    # And it can be done again.
    sslbio.inject_into_ssl()
    assert ssl.MemoryBIO is sslbio.MemoryBIO
    sslbio.extract_from_ssl()
    assert ssl_state() == pristine_ssl


def test_extract_without_inject_changes_nothing(pristine_ssl):
    sslbio.extract_from_ssl()
    assert ssl_state() == pristine_ssl


# -- SNI -------------------------------------------------------------------

BUECHER = u"b\u00fccher.example"


@pytest.mark.skipif(
    sys.version_info[:2] == (3, 6),
    reason="Python 3.6 hands SNI callbacks the decoded name; sslbio follows "
    "3.7+, which hands them the A-label")
@pytest.mark.parametrize("switch", [False, True],
                         ids=["same-context", "switched-context"])
def test_sni_callback(switch):
    """The callback gets the server's own SSLObject and the name as an IDNA
    A-label; setting sslobj.context inside it changes the certificate the
    client receives.  (Both certificates are valid for the name.)"""
    seen = []
    other = server_context("server-ecdsa")

    def callback(sslobj, server_name, context):
        seen.append((sslobj, server_name, context))
        if switch:
            sslobj.context = other

    server_ctx = server_context()
    server_ctx.set_servername_callback(callback)
    pair = Pair(client_context(), server_ctx, server_hostname=BUECHER)
    assert pair.client.server_hostname == "xn--bcher-kva.example"
    pair.handshake()

    ((sslobj, server_name, context),) = seen
    assert sslobj is pair.server
    assert server_name == "xn--bcher-kva.example"
    assert context is server_ctx
    expected = "server-ecdsa.pem" if switch else "server.pem"
    assert pair.client.getpeercert(binary_form=True) == der_of(expected)
    assert pair.server.context is (other if switch else server_ctx)
    assert pair.client_sends(b"after sni") == b"after sni"


# -- decoded certificates (plain API: runs on 3 too) -----------------------

NEGOTIATED_TYPES_SCRIPT = """
    import json
    from engine_cases.common import client_context, connected_pair, server_context
    contexts = client_context(), server_context()
    for context in contexts:
        context.set_alpn_protocols(["http/1.1"])
    pair = connected_pair(*contexts)

    def kinds(value):
        if isinstance(value, (tuple, list)):
            return [kinds(item) for item in value]
        return type(value).__name__

    try:
        shared = pair.server.shared_ciphers()[0]
    except NotImplementedError:  # an engine that says so in its LIMITATIONS
        shared = None
    print(json.dumps({
        "version": [kinds(pair.client.version()), kinds(pair.server.version())],
        "cipher": [kinds(pair.client.cipher()), kinds(pair.server.cipher())],
        "shared_ciphers": kinds(shared),
        "selected_alpn_protocol": [kinds(pair.client.selected_alpn_protocol()),
                                   kinds(pair.server.selected_alpn_protocol())],
    }))
"""


@pytest.mark.parametrize("engine", engines.serving())
def test_negotiated_names_are_native_strs_on_every_engine(engine):
    # Python 3 code compares them with str literals and formats them.
    seen = last_json(run_clean(NEGOTIATED_TYPES_SCRIPT, env=engines.forced(engine)))
    cipher = ["str", "str", "int"]
    assert seen["version"] == ["str", "str"]
    assert seen["cipher"] == [cipher, cipher]
    assert seen["shared_ciphers"] in (cipher, "NoneType")
    assert seen["selected_alpn_protocol"] == ["str", "str"]
    if engine != "portable":
        assert seen["shared_ciphers"] == cipher


def test_peer_certificate_ip_addresses_as_python3_spells_them():
    """server.pem names 127.0.0.1 and ::1: Python 3 gives the IPv4 address
    dotted and the IPv6 one as eight uppercase hex groups, with no trailing
    newline (2.7's decoder leaves one there on OpenSSL 1.0.2 and 1.1.1)."""
    pair = Pair(client_context(), server_hostname="localhost")
    pair.handshake()
    names = pair.client.getpeercert()["subjectAltName"]
    addresses = [value for kind, value in names if kind == "IP Address"]
    assert addresses == ["127.0.0.1", "0:0:0:0:0:0:0:1"]


def test_newline_after_an_ipv6_alt_name_is_dropped():
    """What 2.7's decoder returns on OpenSSL 1.1.1, made Python 3's; the
    other entries and fields stay as they are."""
    from sslbio._certdict import as_python3_cert
    decoded = {"subject": ((("commonName", "x"),),),
               "subjectAltName": (("DNS", "localhost"),
                                  ("IP Address", "127.0.0.1"),
                                  ("IP Address", "0:0:0:0:0:0:0:1\n"))}
    fixed = as_python3_cert(decoded)
    assert fixed["subjectAltName"] == (("DNS", "localhost"),
                                       ("IP Address", "127.0.0.1"),
                                       ("IP Address", "0:0:0:0:0:0:0:1"))
    assert fixed["subject"] == decoded["subject"]
    for unchanged in (None, {}, b"\x30\x00"):
        assert as_python3_cert(unchanged) is unchanged


def test_certificate_text_in_cpython27_types():
    """PyPy's decoder gives every field as a str of UTF-8 bytes; CPython
    2.7's gives the names' values, serialNumber, notBefore and the URIs as
    unicode (decoded from UTF-8) and version as a long, the rest as str."""
    from sslbio._certdict import with_cpython27_types
    pypy = {
        "subject": ((("countryName", b"DE"),),
                    (("organizationName", b"B\xc3\xa4den"),)),
        "issuer": ((("commonName", b"sslbio Pr\xc3\xbcfstelle"),),),
        "version": 3,
        "serialNumber": b"1000",
        "notBefore": b"Jan  1 00:00:00 2024 GMT",
        "notAfter": b"Dec 31 23:59:59 2049 GMT",
        "subjectAltName": (("DNS", b"localhost"),
                           ("DirName", ((("commonName", b"d\xc3\xafr"),),))),
        "OCSP": (b"http://ocsp.example/",),
        "caIssuers": (b"http://ca.example/ca.pem",),
        "crlDistributionPoints": (b"http://crl.example/ca.crl",),
    }
    typed = with_cpython27_types(pypy)
    text = type(u"")
    assert typed["subject"] == ((("countryName", u"DE"),),
                                (("organizationName", u"B\xe4den"),))
    assert typed["issuer"] == ((("commonName", u"sslbio Pr\xfcfstelle"),),)
    for rdns in (typed["subject"], typed["issuer"]):
        assert all(type(value) is text for rdn in rdns for _, value in rdn)
    assert type(typed["version"]) is type(2 ** 64) and typed["version"] == 3
    assert [type(typed[key]) for key in ("serialNumber", "notBefore")] == \
        [text, text]
    assert typed["notAfter"] is pypy["notAfter"]  # str on CPython 2.7 too
    assert typed["subjectAltName"] == (
        ("DNS", b"localhost"), ("DirName", ((("commonName", u"d\xefr"),),)))
    assert typed["subjectAltName"][0][1] is pypy["subjectAltName"][0][1]
    for key in ("OCSP", "caIssuers", "crlDistributionPoints"):
        assert [type(uri) for uri in typed[key]] == [text]
    assert pypy["subject"][1][0][1] == b"B\xc3\xa4den"  # not changed in place
    # As CPython 2.7's decoder: text that is not UTF-8 fails to decode.
    with pytest.raises(UnicodeDecodeError):
        with_cpython27_types({"subject": ((("commonName", b"\xff"),),)})
    for unchanged in (None, {}, b"\x30\x00"):
        assert with_cpython27_types(unchanged) is unchanged


# -- the deliberate deviation ------------------------------------------------

def _without_hostname():
    return Pair(client_context(check_hostname=True), server_hostname=None)


def _refused(call, *args):
    with pytest.raises(ValueError) as info:
        call(*args)
    assert type(info.value) is ValueError
    assert "server_hostname" in str(info.value)


@engine_only
@pytest.mark.parametrize("call", ["do_handshake", "read", "read_into",
                                  "write", "write_empty"])
def test_check_hostname_without_server_hostname(call):
    """check_hostname with no server_hostname: Python 3.7+ would handshake
    with no host check at all; sslbio follows 3.6: the handshake runs
    (SSLWantReadError first, the ClientHello is sent), ValueError comes when
    it has completed, and no application data ever passes either way.
    read() and write() run the handshake as 3.6's would, then refuse."""
    pair = _without_hostname()
    method = {"do_handshake": pair.client.do_handshake,
              "read": pair.client.read,
              "read_into": lambda: pair.client.read(10, bytearray(10)),
              "write": lambda: pair.client.write(b"data"),
              "write_empty": lambda: pair.client.write(b"")}[call]
    with pytest.raises(ssl.SSLWantReadError):
        method()
    assert pair.cout.pending > 0  # the ClientHello
    pair.to_server()
    with pytest.raises(ssl.SSLWantReadError):
        pair.server.do_handshake()
    pair.to_client()
    if not HAS_TLS13:
        # TLS 1.2: the client sends its Finished, the server completes
        # first, and the client with the server's Finished.
        with pytest.raises(ssl.SSLWantReadError):
            method()
        pair.to_server()
        pair.server.do_handshake()
        pair.to_client()
    _refused(method)
    if HAS_TLS13:
        pair.to_server()
        pair.server.do_handshake()  # the server side completes
    assert pair.client.version() is not None
    assert pair.client.getpeercert()["subjectAltName"]

    # The server's data never reaches the application, nor the client's.
    pair.server.write(b"secret")
    pair.to_client()
    pair.cout.read()
    for again in (pair.client.do_handshake, pair.client.read,
                  lambda: pair.client.read(10, bytearray(10)),
                  lambda: pair.client.write(b"data"),
                  lambda: pair.client.write(b"")):
        _refused(again)
    assert pair.cout.pending == 0
    with pytest.raises(ssl.SSLWantReadError):
        pair.server.read()
    # As on Python 3, arguments are checked and an empty read answered
    # without touching the connection.
    assert pair.client.read(0) == b""
    assert pair.client.read(10, bytearray(0)) == 0
    with pytest.raises(ValueError) as info:
        pair.client.read(-1)
    assert str(info.value) == "size should not be negative"
    with pytest.raises(TypeError):
        pair.client.read(10, b"read-only")


@engine_only
def test_check_hostname_without_server_hostname_reports_transport_first():
    """A stream that ends before the handshake completes is reported as the
    transport error it is (3.6's order), not as the missing host name."""
    # The stream cut short during the handshake, as Python 3 reports it on
    # this OpenSSL.
    cut_short = getattr(ssl, HANDSHAKE_CUT_SHORT)
    for first in ("do_handshake", "read", "write"):
        pair = _without_hostname()
        pair.cin.write_eof()
        method = getattr(pair.client, first)
        with pytest.raises(cut_short):
            method(b"data") if first == "write" else method()
        # A failed handshake stays failed.
        with pytest.raises(getattr(ssl, HANDSHAKE_AFTER_CUT_SHORT)):
            pair.client.do_handshake()


@engine_only
def test_no_check_hostname_without_server_hostname_handshakes():
    """The control case: without check_hostname, no name is fine."""
    pair = Pair(client_context(check_hostname=False), server_hostname=None)
    pair.handshake()
    assert pair.client_sends(b"x") == b"x"

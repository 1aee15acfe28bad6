"""sslbio._engines.openssl_binding's adaptation to OpenSSL 1.0.2, 1.1.0,
1.1.1 and 3.0, through the ctypes engine's Binding, and
sslbio._engines.ctypes.der's reading of encoded sessions.

Only one OpenSSL is installed, so each release is a fake symbol table that
exports exactly what that release exports as *functions* (many names are
macros in one release and functions in another), whose fake functions
record their calls and behave as that release's code does.  The tables are
written out here from the releases' headers, not derived from sslbio's
declarations, so a wrong "since"/"until" in ``DECLARATIONS`` shows up; the
3.0 table is also checked against the real library.

These tests need no engine and run on every interpreter; the ones that
read real sessions need the 2.7 engine.
"""

import ctypes
import re
import ssl
import struct

import pytest

import sslbio
from sslbio._engines.ctypes import binding
from sslbio._engines.ctypes.der import session_ticket_fields
from sslbio._engines.ctypes.binding import Binding, DECLARATIONS, UnsupportedOpenSSL

from engine_cases import real_library
from engine_cases.common import (ON_CTYPES_ENGINE, client_context,
                                 connected_pair, server_context)

needs_engine = pytest.mark.skipif(
    not ON_CTYPES_ENGINE, reason="sslbio.ENGINE is %r: real sessions come from the "
    "ctypes engine, which only runs on CPython 2.7" % sslbio.ENGINE)

# -- what each release exports ---------------------------------------------

# Functions in every release from 1.0.2 to 3.x (a few that sslbio never
# declares are listed too: a real table has thousands more).
COMMON = set("""
    BIO_s_mem BIO_new BIO_free BIO_read BIO_write BIO_ctrl BIO_ctrl_pending
    SSL_new SSL_free SSL_CTX_new SSL_get_SSL_CTX SSL_set_bio SSL_do_handshake
    SSL_read SSL_write SSL_shutdown SSL_get_error SSL_get_shutdown
    SSL_set_read_ahead SSL_ctrl SSL_CTX_ctrl SSL_get_version
    SSL_get_verify_result SSL_CTX_get_verify_mode SSL_get_finished
    SSL_get_peer_finished SSL_get0_param X509_VERIFY_PARAM_set1_host
    X509_VERIFY_PARAM_set1_ip X509_VERIFY_PARAM_set_hostflags
    SSL_get_ciphers SSL_get_shared_ciphers SSL_CIPHER_get_name
    SSL_CIPHER_get_version SSL_CIPHER_get_bits SSL_get_session
    SSL_set_session SSL_SESSION_free SSL_SESSION_get_id SSL_SESSION_get_time
    SSL_SESSION_get_timeout i2d_SSL_SESSION d2i_SSL_SESSION
    ERR_get_error ERR_peek_last_error ERR_clear_error ERR_reason_error_string
    X509_verify_cert_error_string SSL_CTX_get0_param SSL_get_verify_mode
    SSL_get_verify_callback SSL_set_verify SSL_CIPHER_get_id
    SSL_CIPHER_description OBJ_nid2ln RAND_bytes SSL_set_session_id_context
""".split())

# 1.0.2: BIO_up_ref, SSL_is_init_finished, SSL_session_reused,
# SSL_CTX_get_options are macros (or absent); the stack and version calls
# carry their old names; the BIO count is raised with CRYPTO_add_lock.
R102 = COMMON | set("""
    SSLeay CRYPTO_add_lock SSL_state sk_num sk_value SSLv23_method
""".split())

# 1.1.0: opaque structures and real accessors; SSLeay, sk_num and
# CRYPTO_add_lock became macros or disappeared; SSL_state gave way to
# SSL_get_state; SSL_CTX_get_options became a function (unsigned long) and
# the SSL_CTRL_OPTIONS ctrl behind the old macro was removed.
R110 = COMMON | set("""
    OpenSSL_version_num BIO_up_ref SSL_is_init_finished SSL_get_state TLS_method
    SSL_session_reused OPENSSL_sk_num OPENSSL_sk_value SSL_get_client_ciphers
    SSL_SESSION_get_ticket_lifetime_hint SSL_SESSION_has_ticket
    SSL_CTX_get_options SSL_CTX_get_security_level SSL_CIPHER_is_aead
    SSL_CIPHER_get_cipher_nid SSL_CIPHER_get_digest_nid SSL_CIPHER_get_kx_nid
    SSL_CIPHER_get_auth_nid
""".split())

# 1.1.1: the _ex I/O calls, TLS 1.3 post-handshake authentication,
# session ticket counts and the key log callback.
R111 = R110 | set("""
    SSL_read_ex SSL_write_ex SSL_verify_client_post_handshake
    SSL_set_post_handshake_auth SSL_CTX_get_num_tickets
    SSL_CTX_set_num_tickets SSL_CTX_set_keylog_callback
""".split())

# 3.0: same names sslbio cares about (SSL_CTX_get_options now returns
# uint64_t, error codes are packed differently).
R300 = set(R111)

RELEASES = {
    "1.0.2": (0x1000215f, R102),   # 1.0.2u
    "1.1.0": (0x101000cf, R110),   # 1.1.0l
    "1.1.1": (0x1010117f, R111),   # 1.1.1w
    "3.0": (0x30000130, R300),     # 3.0.19
}
V102, V110, V111, V300 = "1.0.2", "1.1.0", "1.1.1", "3.0"
ALL = sorted(RELEASES)
BEFORE_110 = [V102]
FROM_110 = [V110, V111, V300]

# ctrl numbers and constants, from the releases' headers.
SSL_CTRL_GET_SESSION_REUSED = 8     # 1.0.2 only
SSL_CTRL_OPTIONS = 32               # 1.0.2 only
SSL_CTRL_SET_TLSEXT_HOSTNAME = 55
BIO_C_SET_BUF_MEM_EOF_RETURN = 130
CRYPTO_LOCK_BIO = 21
SSL_ST_OK = 0x03
SSL_ST_CONNECT = 0x1000
SSL_ST_BEFORE = 0x4000


class FakeFunction(object):
    """A foreign function: takes restype/argtypes, records its calls."""

    def __init__(self, name, impl):
        self.name = name
        self.impl = impl
        self.calls = []
        self.restype = self.argtypes = "unset"

    def __call__(self, *args):
        self.calls.append(args)
        return self.impl(*args)


class FakeOpenSSL(object):
    """One release: its exported functions and how they behave."""

    def __init__(self, release, number=None, exports=None):
        self.release = release
        self.number = number if number is not None else RELEASES[release][0]
        self.exports = set(exports if exports is not None
                           else RELEASES[release][1])
        self.lookups = []
        self.functions = {}
        # State the fake functions report.
        self.options = 0x82520054      # SSL_OP_* bits of some context
        self.reused = 1
        self.state = SSL_ST_OK
        self.init_finished = 1
        self.session_der = None

    def lookup(self, name, releases_gil=False):
        self.lookups.append((name, releases_gil))
        if name not in self.exports:
            raise KeyError(name)
        if name not in self.functions:
            impl = getattr(self, "_" + name, lambda *args: 0)
            self.functions[name] = FakeFunction(name, impl)
        return self.functions[name]

    def calls(self, name):
        function = self.functions.get(name)
        return function.calls if function is not None else []

    # -- behaviour --------------------------------------------------------
    def _SSLeay(self):
        return self.number

    _OpenSSL_version_num = _SSLeay

    def _CRYPTO_add_lock(self, pointer, amount, lock, filename, line):
        count = ctypes.c_int.from_address(pointer)
        count.value += amount
        return count.value

    def _BIO_up_ref(self, bio):
        return 1

    def _SSL_state(self, ssl_ptr):
        return self.state

    def _SSL_is_init_finished(self, ssl_ptr):
        return self.init_finished

    def _SSL_session_reused(self, ssl_ptr):
        return self.reused

    def _SSL_ctrl(self, ssl_ptr, cmd, larg, parg):
        if cmd == SSL_CTRL_SET_TLSEXT_HOSTNAME:
            return 1
        if cmd == SSL_CTRL_GET_SESSION_REUSED and self.release == V102:
            return self.reused
        return 0  # ssl3_ctrl's answer to a command it does not know

    def _SSL_CTX_ctrl(self, ctx, cmd, larg, parg):
        if cmd == SSL_CTRL_OPTIONS and self.release == V102:
            self.options |= larg
            return self.options
        return 0  # ssl3_ctx_ctrl's answer to a command it does not know

    def _SSL_CTX_get_options(self, ctx):
        return self.options

    def _SSL_SESSION_has_ticket(self, session):
        return 1

    def _SSL_SESSION_get_ticket_lifetime_hint(self, session):
        return 7200

    def _i2d_SSL_SESSION(self, session, cursor):
        der = self.session_der
        if cursor is not None:
            # i2d writes at *pp and advances *pp past what it wrote.
            pointer = cursor._obj
            ctypes.memmove(pointer.value, der, len(der))
            pointer.value += len(der)
        return len(der)


def bind(release, **kwargs):
    world = FakeOpenSSL(release, **kwargs)
    return Binding(world), world


def applicable(number):
    """Declared names a release with this number must export."""
    names = set()
    for name, (restype, argtypes, since, until, gil) in DECLARATIONS.items():
        if since is not None and number < since:
            continue
        if until is not None and number >= until:
            continue
        names.add(name)
    return names


# -- resolution ----------------------------------------------------------

@pytest.mark.parametrize("release", ALL)
def test_binding_resolves_each_release(release):
    lib, world = bind(release)
    number = RELEASES[release][0]
    assert lib.version_number == number
    assert lib.missing == []
    wanted = applicable(number)
    # Never asks for a symbol the release does not export...
    assert wanted <= world.exports
    # ...and resolves each declared one with its declared signature.
    for name in wanted:
        function = getattr(lib, name)
        assert function is world.functions[name]
        argtypes = [binding.ctype_of(c_type)
                    for c_type in DECLARATIONS[name][1]]
        # (c_uint64 is c_ulong on 64-bit builds only: i386 tells them apart.)
        assert function.restype is binding.ctype_of(
            binding.restype_in(name, number)), name
        assert function.argtypes == argtypes, name


@pytest.mark.parametrize("release,function", [
    (V102, "SSLeay"), (V110, "OpenSSL_version_num"),
    (V111, "OpenSSL_version_num"), (V300, "OpenSSL_version_num")])
def test_version_discovered_through_the_release_function(release, function):
    lib, world = bind(release)
    assert world.calls(function) == [()]
    assert world.functions[function].restype is ctypes.c_ulong
    assert lib.version == {V102: (1, 0, 2), V110: (1, 1, 0),
                           V111: (1, 1, 1), V300: (3, 0, 19)}[release]


def test_no_version_function():
    world = FakeOpenSSL(V111, exports=R111 - {"OpenSSL_version_num"})
    with pytest.raises(UnsupportedOpenSSL) as info:
        Binding(world)
    assert "version" in str(info.value)


@pytest.mark.parametrize("release,removed", [
    (V102, ["CRYPTO_add_lock"]),
    (V102, ["SSL_state", "sk_num"]),
    (V110, ["BIO_up_ref"]),
    (V110, ["SSL_SESSION_has_ticket", "OPENSSL_sk_value"]),
    (V111, ["SSL_write_ex", "SSL_verify_client_post_handshake"]),
    (V300, ["SSL_CTX_get_options"]),
    (V300, ["BIO_read"]),
])
def test_missing_required_symbol(release, removed):
    world = FakeOpenSSL(release, exports=RELEASES[release][1] - set(removed))
    with pytest.raises(UnsupportedOpenSSL) as info:
        Binding(world)
    message = str(info.value)
    for name in removed:
        assert name in message
    assert ".".join(str(x) for x in version_of(release)) in message


def version_of(release):
    return binding.version_tuple(RELEASES[release][0])


@pytest.mark.parametrize("number", [0x1000115f, 0x1000100f, 0x0090819f,
                                    0x10001fff])
def test_releases_before_102_are_refused(number):
    # A 1.0.1 exports what 1.0.2 does (as far as sslbio looks), but is
    # still refused: found through SSLeay and when given explicitly.
    with pytest.raises(UnsupportedOpenSSL) as info:
        Binding(FakeOpenSSL(V102, number=number))
    assert "older than 1.0.2" in str(info.value)
    with pytest.raises(UnsupportedOpenSSL):
        Binding(FakeOpenSSL(V102), number)


def test_gil_release_per_symbol():
    lib, world = bind(V300)
    releases = dict(world.lookups)
    # Handshakes may do public-key work: release the GIL.
    assert releases["SSL_do_handshake"] is True
    # BIO copies are short, and SSL_read writes into one scratch buffer
    # shared by every SSLObject: both must keep the GIL.
    for name in ("BIO_read", "BIO_write", "BIO_ctrl_pending", "SSL_read",
                 "SSL_write", "SSL_get_error", "ERR_peek_last_error"):
        assert releases[name] is False, name


@pytest.mark.parametrize("release", ALL)
def test_feature_flags(release):
    lib, world = bind(release)
    expected = release in (V111, V300)
    assert lib.has_ex_io is expected
    assert lib.has_post_handshake_auth is expected


# -- the adapted operations ------------------------------------------------

class Bio102(ctypes.Structure):
    """Storage the size of 1.0.2's struct bio_st, reference count at 1."""
    _fields_ = [("raw", ctypes.c_char * 128)]


def bio102_counted():
    """A fake 1.0.2 BIO, its references field's address and that field
    (at 1)."""
    bio = Bio102()
    # struct bio_st: 3 pointers, 5 ints, 3 pointers, then int references.
    offset = {8: 72, 4: 44}[ctypes.sizeof(ctypes.c_void_p)]
    count = ctypes.c_int.from_address(ctypes.addressof(bio) + offset)
    count.value = 1
    return bio, ctypes.addressof(bio) + offset, count


def test_bio_up_ref_102_uses_crypto_add_lock_on_the_references_field():
    lib, world = bind(V102)
    bio, references, count = bio102_counted()
    assert lib.bio_up_ref(ctypes.addressof(bio)) == 1
    (call,) = world.calls("CRYPTO_add_lock")
    assert call[:3] == (references, 1, CRYPTO_LOCK_BIO)
    assert count.value == 2
    assert "BIO_up_ref" not in world.functions


def test_raw_bio_up_ref_102_takes_a_pointer_argument():
    # The hot-path form gets the BIO as a ready pointer argument, which
    # 1.0.2's reference count update must turn back into the address.
    lib, world = bind(V102)
    bio, references, count = bio102_counted()
    lib.raw_bio_up_ref()(binding.pointer_argument(ctypes.addressof(bio)))
    (call,) = world.calls("CRYPTO_add_lock")
    assert call[0] == references
    assert count.value == 2


@pytest.mark.parametrize("release", FROM_110)
def test_bio_up_ref_110_and_later(release):
    lib, world = bind(release)
    lib.bio_up_ref(0xB10)
    assert world.calls("BIO_up_ref") == [(0xB10,)]
    assert "CRYPTO_add_lock" not in [name for name, _ in world.lookups]


@pytest.mark.parametrize("reused", [0, 1])
def test_session_reused_102_is_ssl_ctrl_8(reused):
    lib, world = bind(V102)
    world.reused = reused
    assert lib.session_reused(0x551) == reused
    assert world.calls("SSL_ctrl") == [
        (0x551, SSL_CTRL_GET_SESSION_REUSED, 0, None)]


@pytest.mark.parametrize("release", FROM_110)
@pytest.mark.parametrize("reused", [0, 1])
def test_session_reused_110_and_later(release, reused):
    lib, world = bind(release)
    world.reused = reused
    assert lib.session_reused(0x551) == reused
    assert world.calls("SSL_session_reused") == [(0x551,)]
    assert world.calls("SSL_ctrl") == []


@pytest.mark.parametrize("state,finished", [
    (SSL_ST_OK, True), (SSL_ST_CONNECT, False),
    (SSL_ST_BEFORE | SSL_ST_CONNECT, False), (0x1110, False)])
def test_is_init_finished_102_uses_ssl_state(state, finished):
    lib, world = bind(V102)
    world.state = state
    assert bool(lib.is_init_finished(0x551)) is finished
    assert world.calls("SSL_state") == [(0x551,)]


@pytest.mark.parametrize("release", FROM_110)
def test_is_init_finished_110_and_later(release):
    lib, world = bind(release)
    world.init_finished = 0
    assert not lib.is_init_finished(0x551)
    assert world.calls("SSL_is_init_finished") == [(0x551,)]


def test_ctx_get_options_102_is_ssl_ctx_ctrl_32():
    lib, world = bind(V102)
    assert lib.ctx_get_options(0xC7) == world.options
    assert world.calls("SSL_CTX_ctrl") == [(0xC7, SSL_CTRL_OPTIONS, 0, None)]


def test_ctx_get_options_300_is_the_function():
    lib, world = bind(V300)
    world.options = 0x100000000 | world.options  # 3.0 options are 64-bit
    assert lib.ctx_get_options(0xC7) == world.options
    assert world.calls("SSL_CTX_get_options") == [(0xC7,)]
    assert world.functions["SSL_CTX_get_options"].restype is ctypes.c_uint64
    assert world.calls("SSL_CTX_ctrl") == []


@pytest.mark.parametrize("release", [V110, V111])
def test_ctx_get_options_11x_returns_the_options(release):
    """1.1.x has no SSL_CTRL_OPTIONS: its ssl.h goes from ctrl 31 to 33,
    SSL_CTX_ctrl() falls through to ssl3_ctx_ctrl(), which answers 0 to a
    command it does not know.  The options must come from the exported
    SSL_CTX_get_options() (unsigned long) instead; otherwise Layout's
    options check fails on every 1.1.x and the engine is unavailable there.
    (test_ssl_ctx_ctrl_32_is_gone_from_the_real_library shows the same
    fall-through on the installed OpenSSL.)"""
    lib, world = bind(release)
    assert lib.ctx_get_options(0xC7) == world.options


@pytest.mark.parametrize("release", ALL)
def test_sk_num_and_value(release):
    lib, world = bind(release)
    lib.sk_num(0x5C)
    lib.sk_value(0x5C, 3)
    prefix = "" if release == V102 else "OPENSSL_"
    assert world.calls(prefix + "sk_num") == [(0x5C,)]
    assert world.calls(prefix + "sk_value") == [(0x5C, 3)]


@pytest.mark.parametrize("release", ALL)
def test_ctrl_macros_on_every_release(release):
    lib, _ = bind(release)
    # The numbers behind BIO_set_mem_eof_return(), SSL_set_tlsext_host_name()
    # and SSL_set_mode(), which the engine passes to BIO_ctrl/SSL_ctrl itself.
    assert lib.BIO_C_SET_BUF_MEM_EOF_RETURN == BIO_C_SET_BUF_MEM_EOF_RETURN
    assert lib.SSL_CTRL_SET_TLSEXT_HOSTNAME == SSL_CTRL_SET_TLSEXT_HOSTNAME
    assert lib.TLSEXT_NAMETYPE_HOST_NAME == 0
    assert (lib.SSL_CTRL_MODE, lib.SSL_MODE_RELEASE_BUFFERS) == (33, 0x10)


@pytest.mark.parametrize("release", FROM_110)
def test_session_ticket_accessors_110_and_later(release):
    lib, world = bind(release)
    assert lib.session_has_ticket(0x5E) == 1
    assert lib.session_ticket_lifetime_hint(0x5E) == 7200
    assert world.calls("SSL_SESSION_has_ticket") == [(0x5E,)]
    assert world.calls("i2d_SSL_SESSION") == []


@pytest.mark.parametrize("with_ticket", [True, False])
def test_session_ticket_fields_102_read_from_i2d(with_ticket):
    lib, world = bind(V102)
    world.session_der = session_der(hint=300 if with_ticket else None,
                                    ticket=b"T" * 190 if with_ticket
                                    else None)
    assert bool(lib.session_has_ticket(0x5E)) is with_ticket
    assert lib.session_ticket_lifetime_hint(0x5E) == (300 if with_ticket
                                                      else 0)
    # i2d(session, NULL) for the length, then i2d(session, &p).
    calls = world.calls("i2d_SSL_SESSION")
    assert [c[0] for c in calls] == [0x5E] * 4
    assert [c[1] is None for c in calls] == [True, False, True, False]


# -- error codes -------------------------------------------------------------

@pytest.mark.parametrize("release", [V102, V110, V111])
def test_err_decoding_1x(release):
    lib, world = bind(release)
    # lib 8 bits | function 12 bits | reason 12 bits
    code = (20 << 24) | (0x94 << 12) | 134
    assert lib.err_get_lib(code) == 20
    assert lib.err_get_reason(code) == 134
    system = (2 << 24) | (0x1 << 12) | 104   # ERR_LIB_SYS, errno 104
    assert (lib.err_get_lib(system), lib.err_get_reason(system)) == (2, 104)
    assert lib.err_get_lib(0xFF000FFF) == 0xFF
    assert lib.err_get_reason(0xFF000FFF) == 0xFFF


def test_err_decoding_300():
    lib, world = bind(V300)
    # lib 8 bits at 23 | reason 23 bits; no function code.
    code = (20 << 23) | 294
    assert (lib.err_get_lib(code), lib.err_get_reason(code)) == (20, 294)
    # the 1.x packing of the same error must not decode as SSL
    assert lib.err_get_lib((20 << 24) | 294) != 20
    # System errors: the top bit set, the rest is errno, library SYS.
    system = 0x80000000 | 104
    assert (lib.err_get_lib(system), lib.err_get_reason(system)) == (2, 104)
    big_errno = 0x80000000 | 0x12345678
    assert lib.err_get_reason(big_errno) == 0x12345678
    assert lib.err_get_lib(big_errno) == 2


def test_err_decoding_against_the_real_library():
    """Let the installed OpenSSL (3.x) pack errors, decode them back."""
    lib = real_library.binding()
    if lib is None or lib.version < (3, 0, 0):
        pytest.skip("needs the installed OpenSSL 3 through _ssl")
    table = real_library.symbol_table()
    new = table.lookup("ERR_new")
    new.restype, new.argtypes = None, []
    set_error = table.lookup("ERR_set_error")
    set_error.restype = None
    set_error.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p]
    fake300, world = bind(V300)
    lib.ERR_clear_error()
    try:
        for library, reason in [(20, 134), (20, 294), (11, 116), (9, 108),
                                (2, 104), (2, 1)]:
            new()
            set_error(library, reason, None)
            code = lib.ERR_peek_last_error()
            lib.ERR_clear_error()
            assert (fake300.err_get_lib(code),
                    fake300.err_get_reason(code)) == (library, reason)
            assert (lib.err_get_lib(code),
                    lib.err_get_reason(code)) == (library, reason)
            assert bool(code & 0x80000000) is (library == 2)
    finally:
        lib.ERR_clear_error()


def test_real_library_matches_the_300_table():
    """The fake 3.0 table agrees with the installed 3.x on every declared
    name: exported exactly when the table says so."""
    lib = real_library.binding()
    if lib is None or lib.version < (3, 0, 0):
        pytest.skip("needs the installed OpenSSL 3 through _ssl")
    wrong = [name for name in DECLARATIONS
             if real_library.exports(name) != (name in R300)]
    assert wrong == []


def test_ssl_ctx_ctrl_32_is_gone_from_the_real_library():
    """On a post-1.1.0 library SSL_CTX_ctrl(ctx, 32, 0, NULL) is an unknown
    command and answers 0, whatever the options: the pre-3.0 fallback of
    ctx_get_options cannot work there."""
    lib = real_library.binding()
    if lib is None or lib.version < (3, 0, 0):
        pytest.skip("needs the installed OpenSSL 3 through _ssl")
    context = client_context()
    pointer = ctypes.c_void_p.from_address(
        id(context) + ctx_offset()).value
    # A real SSL_CTX*: the exported accessor agrees with Python.
    assert lib.SSL_CTX_get_options(pointer) & 0xFFFFFFFF == \
        context.options & 0xFFFFFFFF != 0
    assert lib.SSL_CTX_ctrl(pointer, SSL_CTRL_OPTIONS, 0, None) == 0


def ctx_offset():
    # PySSLContext: PyObject_HEAD, then SSL_CTX *ctx (2.7 and 3.x alike).
    return ctypes.sizeof(ctypes.c_ssize_t) + ctypes.sizeof(ctypes.c_void_p)


# -- version numbers ---------------------------------------------------------

@pytest.mark.parametrize("number,expected", [
    (0x0090819f, (0, 9, 8)),
    (0x1000215f, (1, 0, 2)),     # 1.0.2u: patch letters live in bits 4-11
    (0x1000200f, (1, 0, 2)),
    (0x101000cf, (1, 1, 0)),
    (0x1010117f, (1, 1, 1)),
    (0x30000000, (3, 0, 0)),
    (0x30000130, (3, 0, 19)),    # 3.x: major 4 | minor 8 | patch 8 at 4
    (0x30200010, (3, 2, 1)),
    (0x305000f0, (3, 5, 15)),
])
def test_version_tuple(number, expected):
    assert binding.version_tuple(number) == expected


def test_version_tuple_of_the_running_library():
    match = re.match(r"OpenSSL (\d+)\.(\d+)\.(\d+)", ssl.OPENSSL_VERSION)
    if not match:
        pytest.skip("not OpenSSL: %s" % ssl.OPENSSL_VERSION)
    assert binding.version_tuple(ssl.OPENSSL_VERSION_NUMBER) == \
        tuple(int(x) for x in match.groups())


# -- session_ticket_fields -----------------------------------------------

def tlv(tag, content):
    """One DER element, long-form length where needed."""
    n = len(content)
    if n < 0x80:
        length = struct.pack("B", n)
    elif n < 0x100:
        length = b"\x81" + struct.pack("B", n)
    else:
        length = b"\x82" + struct.pack(">H", n)
    return struct.pack("B", tag) + length + content


def integer(value):
    body = b""
    while True:
        body = struct.pack("B", value & 0xFF) + body
        value >>= 8
        if not value:
            break
    if ord(body[:1]) & 0x80:
        body = b"\x00" + body    # keep it positive
    return tlv(0x02, body)


def session_der(hint=None, ticket=None, peer=None):
    """An SSL_SESSION as 1.0.2's i2d_SSL_SESSION lays it out."""
    fields = [
        integer(1),                                  # version
        integer(0x0303),                             # TLS 1.2
        tlv(0x04, b"\x00\x9c"),                      # cipher
        tlv(0x04, b"\x11" * 32),                     # session id
        tlv(0x04, b"\x22" * 48),                     # master key
        tlv(0xA1, integer(1700000000)),              # [1] time
        tlv(0xA2, integer(300)),                     # [2] timeout
    ]
    if peer is not None:
        fields.append(tlv(0xA3, peer))               # [3] peer cert
    if hint is not None:
        fields.append(tlv(0xA9, integer(hint)))      # [9] lifetime hint
    if ticket is not None:
        fields.append(tlv(0xAA, tlv(0x04, ticket)))  # [10] ticket
    fields.append(tlv(0xA4, tlv(0x04, b"ctx")))      # [4] sid_ctx after
    return tlv(0x30, b"".join(fields))


@pytest.mark.parametrize("hint,ticket,expected", [
    (None, None, (0, False)),
    (7200, b"t" * 16, (7200, True)),
    (None, b"t" * 16, (0, True)),
    (100, None, (100, False)),
    (0x80000000, b"t", (0x80000000, True)),   # leading zero octet
    (300, b"t" * 200, (300, True)),           # 0x81 length
    (300, b"t" * 1000, (300, True)),          # 0x82 lengths, outer too
])
def test_session_ticket_fields(hint, ticket, expected):
    assert session_ticket_fields(session_der(hint, ticket)) == expected


def test_tags_inside_other_fields_are_not_fields():
    # A peer certificate whose bytes contain [9]/[10]-looking headers.
    peer = tlv(0x30, tlv(0xA9, integer(55)) + tlv(0xAA, b"x"))
    assert session_ticket_fields(session_der(peer=peer)) == (0, False)


def test_not_a_sequence():
    with pytest.raises(ValueError):
        session_ticket_fields(tlv(0x31, integer(1)))


@pytest.mark.parametrize("cut", [0, 1, 2, 3, 40, -200, -1])
def test_truncated_session_raises_value_error(cut):
    der = session_der(300, b"t" * 300)
    with pytest.raises(ValueError):
        session_ticket_fields(der[:cut])


@pytest.mark.parametrize("der", [
    b"\x30\x01\xa9",                      # the element's header is cut
    b"\x30\x03\xa9\x05\x02\x01\x07\x00\x00",  # it overruns the SEQUENCE
], ids=["element-header-cut", "element-overruns-sequence"])
def test_malformed_element_raises_value_error(der):
    with pytest.raises(ValueError):
        session_ticket_fields(der)


@needs_engine
@pytest.mark.parametrize("tls12,tickets", [
    (False, True), (True, True), (True, False)])
def test_session_ticket_fields_of_real_sessions(tls12, tickets):
    """The 1.0.2 route (DER) agrees with 1.1.0+'s accessors on sessions the
    installed OpenSSL made."""
    from sslbio._engines.ctypes import library
    lib = library.lib
    server = server_context(tls12=tls12)
    if not tickets:
        # SSL_OP_NO_TICKET; 2.7's ssl module has no name for it.
        server.options |= getattr(ssl, "OP_NO_TICKET", 0x4000)
    pair = connected_pair(client_context(tls12=tls12), server)
    session = lib.SSL_get_session(pair.client._ssl)
    der = lib.session_der(session)
    fields = session_ticket_fields(der)
    if lib.version >= (1, 1, 0):  # 1.0.2 has the DER route only
        assert fields == (lib.SSL_SESSION_get_ticket_lifetime_hint(session),
                          bool(lib.SSL_SESSION_has_ticket(session)))
    assert fields[1] is tickets
    if tickets:
        assert fields[0] > 0
    assert lib._has_ticket_102(session) == fields[1]
    assert lib._ticket_hint_102(session) == fields[0]
    # and what SSLSession reports
    assert pair.client.session.has_ticket is tickets


# -- Python 3.7+ context attributes ------------------------------------------

SSL_CTRL_SET_MIN_PROTO_VERSION = 123
SSL_CTRL_SET_MAX_PROTO_VERSION = 124
SSL_CTRL_GET_MIN_PROTO_VERSION = 130
SSL_CTRL_GET_MAX_PROTO_VERSION = 131

CONTEXT_FEATURES = {
    # 1.0.2: none of the version bounds, security levels, TLS 1.3 features.
    V102: set(),
    V110: {"minimum_version", "maximum_version", "security_level",
           "hostname_checks_common_name"},
    V111: {"minimum_version", "maximum_version", "security_level",
           "hostname_checks_common_name", "num_tickets", "keylog_filename",
           "post_handshake_auth"},
}
CONTEXT_FEATURES[V300] = CONTEXT_FEATURES[V111]


@pytest.mark.parametrize("release", ALL)
def test_context_features_per_release(release):
    lib, world = bind(release)
    assert set(lib.context_features) == CONTEXT_FEATURES[release]
    assert lib.has_cipher_details is (release != V102)


@pytest.mark.parametrize("release", ALL)
def test_option_constants_per_release(release):
    lib, world = bind(release)
    options = dict(lib.option_constants)
    assert options["OP_NO_TICKET"] == 0x4000
    # Python 3.11 defines OP_NO_TLSv1_3 as 0 where OpenSSL lacks TLS 1.3.
    assert options["OP_NO_TLSv1_3"] == (
        0x20000000 if release in (V111, V300) else 0)
    assert ("OP_ENABLE_MIDDLEBOX_COMPAT" in options) is \
        (release in (V111, V300))
    assert ("OP_NO_RENEGOTIATION" in options) is (release != V102)
    assert ("OP_IGNORE_UNEXPECTED_EOF" in options) is (release == V300)


@pytest.mark.parametrize("release", [V110, V111, V300])
def test_protocol_bounds_are_ssl_ctx_ctrl_calls(release):
    lib, world = bind(release)
    lib.ctx_set_proto_version(7, False, 0x303)
    lib.ctx_set_proto_version(7, True, 0)
    lib.ctx_get_proto_version(7, False)
    lib.ctx_get_proto_version(7, True)
    assert world.calls("SSL_CTX_ctrl") == [
        (7, SSL_CTRL_SET_MIN_PROTO_VERSION, 0x303, None),
        (7, SSL_CTRL_SET_MAX_PROTO_VERSION, 0, None),
        (7, SSL_CTRL_GET_MIN_PROTO_VERSION, 0, None),
        (7, SSL_CTRL_GET_MAX_PROTO_VERSION, 0, None)]


class CipherWorld(FakeOpenSSL):
    """A release whose one cipher answers the get_ciphers() queries."""

    def _SSL_CIPHER_get_name(self, cipher):
        return b"ECDHE-RSA-AES128-GCM-SHA256"

    def _SSL_CIPHER_get_version(self, cipher):
        return b"TLSv1.2"

    def _SSL_CIPHER_description(self, cipher, buf, size):
        return b"ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH\n"

    def _SSL_CIPHER_get_bits(self, cipher, alg_bits):
        return 128

    def _SSL_CIPHER_get_cipher_nid(self, cipher):
        return 895

    def _OBJ_nid2ln(self, nid):
        return b"aes-128-gcm"


@pytest.mark.parametrize("release", ALL)
def test_context_backend_per_release(release):
    from sslbio._engines.ctypes.context import CtypesContextBackend
    world = CipherWorld(release)
    lib = Binding(world)
    backend = CtypesContextBackend(lib, None, {})
    assert backend.absent == set(CONTEXT_FEATURES[V300]) - \
        CONTEXT_FEATURES[release]
    assert backend.features == CONTEXT_FEATURES[release] | {
        "protocol_tls_client_server", "sni_callback", "get_ciphers"}
    cipher = backend._cipher_dict(1)
    basic = {"id", "name", "protocol", "description", "strength_bits",
             "alg_bits"}
    if release == V102:
        # As Python 3.6 built against 1.0.2: no nid-based keys.
        assert set(cipher) == basic
    else:
        assert set(cipher) == basic | {"aead", "symmetric", "digest", "kea",
                                       "auth"}
        assert cipher["symmetric"] == "aes-128-gcm"
        assert cipher["digest"] is None  # NID_undef
    assert cipher["description"] == \
        "ECDHE-RSA-AES128-GCM-SHA256 TLSv1.2 Kx=ECDH"

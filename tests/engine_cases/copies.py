"""Two copies of sslbio in one process, driven through every order.

Run as ``python copies.py VENDORED_PACKAGE OPENING`` in a fresh interpreter
that can import both ``sslbio`` (the copy under test) and the vendored copy
(e.g. ``myproj._vendor.sslbio``).  ``OPENING`` says in which order they are
imported and whether one is injected while the other is imported (see
``OPENINGS``).  Then every order of "A injects, B injects, A extracts, B
extracts" runs, plus repeated calls; after each step ``ssl`` must show
exactly the expected copy (or exactly what it held before any injection),
and each copy must complete handshakes and exchange data on its own, with
the other's BIOs and sessions, and with a user's ``sslobject_class``.
urllib3 (imported first, or while both copies are injected) must build its
TLS-in-TLS layer with the stand-in of the copy ``ssl`` shows, and be
exactly itself again once neither is injected.
Prints one JSON line with what was checked; any failure exits non-zero.
"""

from __future__ import print_function

import importlib
import itertools
import json
import os
import ssl
import sys

CERTS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(
    __file__))), "certs")

# Each opening is a list of steps: "import A", "inject B", ...
OPENINGS = {
    "A-then-B": ["import A", "import B"],
    "B-then-A": ["import B", "import A"],
    # The second copy is imported while the first one is injected.
    "B-under-A": ["import A", "inject A", "import B", "extract A"],
    "A-under-B": ["import B", "inject B", "import A", "extract B"],
    # urllib3 is imported while both are injected (the other openings
    # import it first).
    "urllib3-under-both": ["import A", "import B", "inject A", "inject B",
                           "import urllib3", "extract A", "extract B"],
}
MODULE_NAMES = ["MemoryBIO", "SSLObject", "SSLSession",
                "SSLCertVerificationError", "CertificateError",
                "TLSVersion", "Options", "OP_ALL", "CERT_REQUIRED",
                "PROTOCOL_TLS_CLIENT", "PROTOCOL_SSLv23"]
CLASS_NAMES = ["wrap_bio", "sslobject_class", "set_servername_callback",
               "__new__", "__init__", "_wrap_socket", "options",
               "minimum_version", "sni_callback", "keylog_filename"]
MISSING = "<missing>"


def ssl_state():
    """What ``ssl`` holds under every name injection may replace."""
    return ([ssl.__dict__.get(n, MISSING) for n in MODULE_NAMES] +
            [ssl.SSLContext.__dict__.get(n, MISSING) for n in CLASS_NAMES])


def contexts(cls=ssl.SSLContext, tls12=False):
    """(client, server) contexts: plain 2.7 ones, or of class ``cls``."""
    client = cls(ssl.PROTOCOL_SSLv23)
    client.verify_mode = ssl.CERT_REQUIRED
    client.check_hostname = True
    client.load_verify_locations(os.path.join(CERTS, "ca.pem"))
    server = cls(ssl.PROTOCOL_SSLv23)
    server.load_cert_chain(os.path.join(CERTS, "server.pem"),
                           os.path.join(CERTS, "server.key"))
    if tls12:
        client.options |= ssl.OP_NO_TLSv1_3
    return client, server


def wants_read(call):
    try:
        call()
    except ssl.SSLWantReadError:
        return False
    return True


class Connection(object):
    """A client and a server made by ``wrap`` over BIOs from ``bios``."""

    def __init__(self, wrap, bios, client_ctx, server_ctx,
                 hostname="localhost", session=None):
        self.cin, self.cout, self.sin, self.sout = [bios() for _ in range(4)]
        self.client = wrap(client_ctx, self.cin, self.cout,
                           server_hostname=hostname, session=session)
        self.server = wrap(server_ctx, self.sin, self.sout, server_side=True)

    def move(self):
        for source, target in ((self.cout, self.sin), (self.sout, self.cin)):
            data = source.read()
            if data:
                target.write(data)

    def handshake(self):
        done = [False, False]
        for _ in range(10):
            for i, side in enumerate((self.client, self.server)):
                if not done[i]:
                    done[i] = wants_read(side.do_handshake)
                self.move()
            if all(done):
                return self
        raise AssertionError("handshake did not complete")

    def exchange(self):
        """Data both ways; the client also takes in the TLS 1.3 tickets."""
        self.server.write(b"from server")
        self.move()
        assert self.client.read(100) == b"from server"
        self.client.write(b"from client")
        self.move()
        assert self.server.read(100) == b"from client"
        return self


def function_wrap(copy):
    return copy.wrap_bio


def method_wrap(context, *args, **kwargs):
    return context.wrap_bio(*args, **kwargs)


def check_copy(name, copy, other, injected):
    """Everything one copy must do whatever the other copy did."""
    # Its own wrap_bio() with plain contexts: its own objects.
    conn = Connection(copy.wrap_bio, copy.MemoryBIO, *contexts())
    assert type(conn.client) is copy.SSLObject, (name, type(conn.client))
    conn.handshake().exchange()
    # Its own SSLContext.wrap_bio().
    conn = Connection(method_wrap, copy.MemoryBIO, *contexts(copy.SSLContext))
    assert type(conn.server) is copy.SSLObject
    conn.handshake().exchange()
    # The other copy's BIOs: one MemoryBIO type, as on Python 3.
    conn = Connection(copy.wrap_bio, other.MemoryBIO, *contexts(other.SSLContext))
    assert type(conn.client) is copy.SSLObject
    conn.handshake().exchange()
    # A session taken from one copy's object resumes through the other's
    # (where the engine resumes sessions at all: the portable engine cannot,
    # and says so).
    client_ctx, server_ctx = contexts(tls12=True)
    first = Connection(copy.wrap_bio, copy.MemoryBIO, client_ctx,
                       server_ctx).handshake().exchange()
    session = first.client.session
    if session is not None or copy._engine.ENGINE_LIMITS.resumes_sessions:
        again = Connection(other.wrap_bio, copy.MemoryBIO, client_ctx,
                           server_ctx, session=session).handshake().exchange()
        assert again.client.session_reused
        assert again.client.session == session
    # A user's sslobject_class (a subclass of this copy's SSLObject) is
    # honoured by either copy's wrap_bio(), as Python 3 honours it.

    class Custom(copy.SSLObject):
        pass

    class CustomContext(copy.SSLContext):
        sslobject_class = Custom

    conn = Connection(other.wrap_bio, other.MemoryBIO,
                      *contexts(CustomContext))
    assert type(conn.client) is Custom
    conn.handshake().exchange()
    # Certificate failures are the one shared class.
    bad = Connection(copy.wrap_bio, copy.MemoryBIO, *contexts(),
                     hostname="wrong.example")
    try:
        bad.handshake()
    except other.SSLCertVerificationError as exc:
        assert isinstance(exc, copy.SSLCertVerificationError)
        if injected:
            assert isinstance(exc, ssl.CertificateError)
    else:
        raise AssertionError("no certificate error")
    # The SNI callback (the injected setter on a plain context when
    # injected) receives this copy's object and the A-label.
    seen = []
    client_ctx, server_ctx = contexts(ssl.SSLContext if injected
                                      else copy.SSLContext)
    server_ctx.set_servername_callback(
        lambda sslobj, server_name, context: seen.append((sslobj,
                                                          server_name)))
    conn = Connection(copy.wrap_bio, other.MemoryBIO, client_ctx, server_ctx,
                      hostname=u"b\xfccher.example")
    try:
        conn.handshake()
    except ssl.CertificateError:  # the name is not the certificate's
        pass
    assert seen == [(conn.server, "xn--bcher-kva.example")], seen
    # What is not a MemoryBIO of any copy is refused as 3.11 refuses it.
    try:
        copy.wrap_bio(contexts()[0], object(), copy.MemoryBIO())
    except TypeError as exc:
        assert str(exc) == ("_wrap_bio() argument 'incoming' must be "
                            "_ssl.MemoryBIO, not object"), exc
    else:
        raise AssertionError("object() accepted as a MemoryBIO")


def check_ssl(copies, stack, pristine):
    """``ssl`` shows the most recent injected copy, or what it held."""
    check_urllib3(copies, stack)
    if not stack:
        assert ssl_state() == pristine, "ssl not restored"
        return
    top = copies[stack[-1]]
    assert ssl.MemoryBIO is top.MemoryBIO
    assert ssl.SSLObject is top.SSLObject
    assert ssl.SSLSession is top.SSLSession
    assert ssl.SSLCertVerificationError is top.SSLCertVerificationError
    assert ssl.CertificateError is top.SSLCertVerificationError
    assert ssl.SSLContext.sslobject_class is top.SSLObject
    # Python-3-style code through the injected names.
    conn = Connection(method_wrap, ssl.MemoryBIO, *contexts())
    assert type(conn.client) is top.SSLObject
    conn.handshake().exchange()
    check_context_surface(copies)


def check_urllib3(copies, stack):
    """urllib3's TLS-in-TLS class is the stand-in of the copy ``ssl`` shows,
    with the injected copies' import hooks, or urllib3's own and no hook."""
    urllib3 = sys.modules.get("urllib3")
    if urllib3 is None:
        return
    from urllib3.util import ssl_, ssltransport
    hooks = sorted(type(hook).__module__ for hook in sys.meta_path
                   if "sslbio" in type(hook).__module__)
    if not stack:
        assert ssl_.SSLTransport is ssltransport.SSLTransport
        assert [name for name in vars(urllib3) if "sslbio" in name] == []
        assert hooks == []
        return
    top = importlib.import_module(copies[stack[-1]].__name__ + "._urllib3")
    assert issubclass(ssl_.SSLTransport, top.TLSInTLS), ssl_.SSLTransport
    assert hooks == sorted(copies[which].__name__ + "._urllib3"
                           for which in stack)


def check_context_surface(copies):
    """Every copy sees one context surface: the enum classes are shared,
    and what is set through the injected attributes reads the same through
    each copy's own SSLContext class."""
    assert all(copy.TLSVersion is ssl.TLSVersion for copy in copies.values())
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    # Not every engine serves version bounds (see CONTEXT_FEATURES).
    bounds = all("minimum_version" in copy.CONTEXT_FEATURES
                 for copy in copies.values())
    if bounds:
        server.minimum_version = ssl.TLSVersion.TLSv1_3

    def callback(sslobj, name, context):
        pass

    server.sni_callback = callback
    for copy in copies.values():
        own = copy.SSLContext
        assert own.sni_callback.__get__(server) is callback
        if bounds:
            assert own.minimum_version.__get__(server) is \
                ssl.TLSVersion.TLSv1_3


def main(vendored, opening):
    names = {"A": "sslbio", "B": vendored}
    copies, stack, steps = {}, [], []
    pristine = ssl_state()

    def run(step):
        verb, which = step.split()
        if step == "import urllib3":
            importlib.import_module("urllib3")
        elif verb == "import":
            copies[which] = importlib.import_module(names[which])
            assert copies[which].ENGINE not in ("stdlib", "unavailable"), \
                copies[which].UNAVAILABLE_REASON
        elif verb == "inject":
            copies[which].inject_into_ssl()
            if which not in stack:
                stack.append(which)
        else:
            copies[which].extract_from_ssl()
            if which in stack:
                stack.remove(which)
        steps.append(step)
        if len(copies) == 2:
            check_ssl(copies, stack, pristine)
            for this, that in (("A", "B"), ("B", "A")):
                check_copy(this, copies[this], copies[that], bool(stack))

    if "import urllib3" not in OPENINGS[opening]:
        run("import urllib3")
    for step in OPENINGS[opening]:
        run(step)
    assert copies["A"] is not copies["B"]
    assert copies["A"].MemoryBIO is not copies["B"].MemoryBIO
    orders = list(itertools.permutations(
        ["inject A", "inject B", "extract A", "extract B"]))
    # Repeated calls are no-ops, whichever copy is on top.
    orders.append(["inject A", "inject B", "inject A", "inject B",
                   "extract B", "extract B", "inject B", "extract A",
                   "extract A", "extract B"])
    for order in orders:
        for step in order:
            run(step)
        for which in list(stack):  # what the order left injected
            run("extract " + which)
        assert not stack
    check_ssl(copies, stack, pristine)
    print(json.dumps({"orders": len(orders), "steps": len(steps)}))


if __name__ == "__main__":
    main(*sys.argv[1:])

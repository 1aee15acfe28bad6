"""Object lifetime scenarios, each run in its own interpreter by
test_engine.py (a double free or a use after free must fail one test, not
kill the run).  Every function raises AssertionError on a wrong outcome and
prints a line per step, so a crash report shows how far it got.
"""

from __future__ import print_function

import gc
import itertools
import ssl
import sys

import sslbio

from engine_cases.biotrack import FreeTracker
from engine_cases.common import client_context, server_context, wants_read


def step(message):
    print(message)
    sys.stdout.flush()


def _attempt(call, *args):
    """``call``'s outcome as text.  Exceptions are caught here, in a frame
    of their own: on Python 2 a caught exception (and through its traceback
    every object of the failing frames) stays alive until the function that
    caught it returns, which would keep deleted objects alive."""
    try:
        call(*args)
    except ssl.SSLError as exc:
        return "%s %s" % (type(exc).__name__, exc.reason)
    return "completed"


def _exercise_bio(bio, name):
    """A MemoryBIO that no SSLObject uses any more is a plain buffer."""
    bio.read()
    assert bio.write(b"abc") == 3
    assert bio.pending == 3
    assert bio.read(2) == b"ab"
    assert bio.read() == b"c"
    assert not bio.eof
    step("  %s still works as a buffer" % name)


def _exercise_sslobject(obj, handshake_done):
    """An SSLObject whose BIOs' Python owners are gone keeps working on the
    BIOs it holds references to."""
    # Wanting more input, or a failed handshake, is fine: not a crash.
    if handshake_done:
        _attempt(obj.write, b"more")
        _attempt(obj.read)
    else:
        _attempt(obj.do_handshake)
    obj.pending()
    obj.version()
    obj.cipher()
    obj.context.options
    step("  sslobj still works")


def deletion_order(order, handshake_done):
    """Delete (sslobj, incoming, outgoing, context) in ``order`` with the
    client's handshake half done or complete; after each deletion the right
    BIOs, and only those, have been freed, and every survivor works."""
    tracker = FreeTracker()
    server_ctx = server_context()
    sin, sout = sslbio.MemoryBIO(), sslbio.MemoryBIO()
    server = sslbio.wrap_bio(server_ctx, sin, sout, server_side=True)
    objects = {"context": client_context(), "incoming": sslbio.MemoryBIO(),
               "outgoing": sslbio.MemoryBIO()}
    objects["sslobj"] = sslbio.wrap_bio(
        objects["context"], objects["incoming"], objects["outgoing"],
        server_hostname="localhost")
    pointers = dict((name, tracker.track(objects[name]))
                    for name in ("incoming", "outgoing"))
    client = objects["sslobj"]

    assert not wants_read(client.do_handshake)
    sin.write(objects["outgoing"].read())
    assert not wants_read(server.do_handshake)
    objects["incoming"].write(sout.read())
    if handshake_done:
        # One more round trip (two with TLS 1.2) until both are done.
        done = {}
        for _ in range(2):
            done["client"] = done.get("client") or wants_read(client.do_handshake)
            sin.write(objects["outgoing"].read())
            done["server"] = done.get("server") or wants_read(server.do_handshake)
            objects["incoming"].write(sout.read())
        assert done == {"client": True, "server": True}
        client.write(b"unsent")            # left in the outgoing BIO
        server.write(b"unread")
        objects["incoming"].write(sout.read())  # left in the incoming BIO
        assert objects["outgoing"].pending and objects["incoming"].pending
    # else: the server's first flight waits, unread, in the incoming BIO
    del client
    step("order %s, handshake %s" % (
        ",".join(order), "done" if handshake_done else "half done"))

    for name in order:
        del objects[name]
        gc.collect()
        step(" deleted %s" % name)
        gone = "sslobj" not in objects
        tracker.check([pointers[bio] for bio in ("incoming", "outgoing")
                       if gone and bio not in objects])
        if "sslobj" in objects:
            _exercise_sslobject(objects["sslobj"], handshake_done)
        else:
            for bio in ("incoming", "outgoing"):
                if bio in objects:
                    _exercise_bio(objects[bio], bio)
    tracker.check(pointers.values())
    step("ok")


def one_bio_both_ways(first):
    """One MemoryBIO as incoming and outgoing of one SSLObject: the client
    reads its own ClientHello back.  Returns how the handshake failed."""
    tracker = FreeTracker()
    context = client_context()
    bio = sslbio.MemoryBIO()
    pointer = tracker.track(bio)
    obj = sslbio.wrap_bio(context, bio, bio, server_hostname="localhost")
    outcome = [_attempt(obj.do_handshake) for _ in range(3)]
    if first == "sslobj":
        del obj
        gc.collect()
        tracker.check([])
        _exercise_bio(bio, "bio")
        del bio
    else:
        del bio
        gc.collect()
        tracker.check([])
        obj.pending()
        _attempt(obj.do_handshake)
        del obj
    gc.collect()
    tracker.check([pointer])
    step("ok")
    return outcome


def shared_bios():
    """Two client SSLObjects share one incoming and one outgoing MemoryBIO;
    in every deletion order of the four, each BIO is freed once, after its
    MemoryBIO and both SSLObjects are gone."""
    tracker = FreeTracker()
    context = client_context()
    names = ["first", "second", "incoming", "outgoing"]
    for order in itertools.permutations(names):
        objects = {"incoming": sslbio.MemoryBIO(),
                   "outgoing": sslbio.MemoryBIO()}
        pointers = dict((bio, tracker.track(objects[bio]))
                        for bio in ("incoming", "outgoing"))
        for name in ("first", "second"):
            objects[name] = sslbio.wrap_bio(
                context, objects["incoming"], objects["outgoing"],
                server_hostname="localhost")
            assert not wants_read(objects[name].do_handshake)
        # Two ClientHellos, one after the other, in the shared BIO.
        hellos = objects["outgoing"].pending
        assert hellos > 0 and objects["outgoing"].read(5)[:1] == b"\x16"
        step("order %s" % ",".join(order))
        del tracker.freed[:]
        for name in order:
            del objects[name]
            gc.collect()
            users_left = "first" in objects or "second" in objects
            tracker.check([pointers[bio] for bio in ("incoming", "outgoing")
                           if bio not in objects and not users_left])
            for survivor in ("first", "second"):
                if survivor in objects:
                    _exercise_sslobject(objects[survivor], False)
            if not users_left:
                for bio in ("incoming", "outgoing"):
                    if bio in objects:
                        _exercise_bio(objects[bio], bio)
        tracker.check(pointers.values())
    step("ok")

"""SSLSession: attributes, equality, resumption on TLS 1.2 and 1.3, and the
rules for setting ``SSLObject.session``."""

from __future__ import print_function

import ssl

from conformance import tls
from conformance.recorder import failed, integer_types
from conformance.scenarios import scenario

# 2.7's ssl module does not export it; the value is OpenSSL's SSL_OP_NO_TICKET.
OP_NO_TICKET = getattr(ssl, "OP_NO_TICKET", 0x4000)


def _first_connection(rec, cctx, sctx, version):
    """Handshake, exchange a little data, return the client's session.

    On TLS 1.3 the tickets arrive after the handshake: the client only sees
    them on a read(), so a read is part of every first connection."""
    pair = tls.Pair(cctx, sctx)
    pair.handshake(rec, label="first")
    pair.send(rec, "server", b"hi", label="first")
    return pair, pair.client.session


def _attributes(rec, session, prefix):
    p = prefix + " "
    rec.call(p + "type", lambda: type(session).__name__)
    rec.shape(p + "id", getattr, session, "id")
    rec.call(p + "time > 0", lambda: session.time > 0)
    rec.call(p + "time is an integer",
             lambda: isinstance(session.time, integer_types))
    rec.call(p + "timeout", getattr, session, "timeout")
    rec.call(p + "ticket_lifetime_hint", getattr, session, "ticket_lifetime_hint")
    rec.call(p + "has_ticket", getattr, session, "has_ticket")
    rec.call(p + "set id", setattr, session, "id", b"x")
    rec.call(p + "set timeout", setattr, session, "timeout", 5)
    rec.call(p + "new attribute", setattr, session, "spam", 1)


def _register(version, no_ticket):
    name = "session.resume" + ("" if version is None else
                               "." + version.replace(".", ""))
    if no_ticket:
        name += ".session_id"
    v = version

    @scenario(name)
    def resume(rec):
        cctx = tls.client_context(tls=v)
        sctx = tls.server_context(tls=v)
        if no_ticket:
            sctx.options |= OP_NO_TICKET
        pair, session = _first_connection(rec, cctx, sctx, v)
        _attributes(rec, session, "session")
        rec.call("session_reused first", getattr, pair.client, "session_reused")
        rec.call("server session type",
                 lambda: type(pair.server.session).__name__)
        rec.call("client session == itself", lambda: session == session)
        rec.call("client session == re-read",
                 lambda: pair.client.session == session)
        rec.call("client session != server session",
                 lambda: session != pair.server.session)
        rec.call("session == None", lambda: session == None)  # noqa: E711
        rec.call("session == 'x'", lambda: session == "x")
        rec.call("session < session", lambda: session < session)
        rec.call("hash(session)", lambda: isinstance(hash(session), int))

        second = tls.Pair(cctx, sctx, session=session)
        rec.call("second session is given", lambda: second.client.session == session)
        second.handshake(rec, label="second")
        rec.call("client session_reused", getattr, second.client, "session_reused")
        rec.call("server session_reused", getattr, second.server, "session_reused")
        rec.call("version", second.client.version)
        rec.call("client session equals first",
                 lambda: second.client.session == session)
        second.send(rec, "client", b"again", label="second")

        third = tls.Pair(cctx, sctx)
        rec.call("set session before handshake", setattr, third.client,
                 "session", session)
        third.handshake(rec, label="third")
        rec.call("third session_reused", getattr, third.client, "session_reused")


for _version in (None, "1.2"):
    for _no_ticket in (False, True):
        _register(_version, _no_ticket)


@scenario("session.tls13_before_read", tags=("tls13",))
def tls13_before_read(rec):
    # Right after the handshake the TLS 1.3 client has no ticket yet.
    pair = tls.connect(rec, tls="1.3")
    session = pair.client.session
    rec.call("has_ticket before read", getattr, session, "has_ticket")
    rec.call("read (ticket only)", pair.client.read)
    rec.call("has_ticket after read", lambda: pair.client.session.has_ticket)
    rec.call("old object has_ticket", getattr, session, "has_ticket")


@scenario("session.setter_rules")
def setter_rules(rec):
    cctx = tls.client_context()
    sctx = tls.server_context()
    pair, session = _first_connection(rec, cctx, sctx, None)
    rec.call("set session after handshake", setattr, pair.client, "session",
             session)
    rec.call("set session on server", setattr, pair.server, "session", session)
    fresh = tls.Pair(cctx, sctx)
    rec.call("set session to None", setattr, fresh.client, "session", None)
    rec.call("set session to 'x'", setattr, fresh.client, "session", "x")
    rec.call("set session to server session", setattr, fresh.client,
             "session", pair.server.session)
    server_fresh = tls.Pair(cctx, sctx)
    rec.call("set session on fresh server", setattr, server_fresh.server,
             "session", session)
    other = tls.client_context()
    foreign = tls.Pair(other, sctx)
    rec.call("set session from another context", setattr, foreign.client,
             "session", session)
    rec.call("wrap_bio with session from another context", other.wrap_bio,
             ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname="localhost",
             session=session)
    rec.call("server wrap_bio with session", sctx.wrap_bio, ssl.MemoryBIO(),
             ssl.MemoryBIO(), server_side=True, session=session)
    rec.call("delete session", delattr, fresh.client, "session")


@scenario("session.before_handshake")
def before_handshake(rec):
    pair = tls.Pair(tls.client_context(), tls.server_context())
    rec.call("client session", getattr, pair.client, "session")
    rec.call("server session", getattr, pair.server, "session")
    rec.call("client session_reused", getattr, pair.client, "session_reused")
    rec.call("server session_reused", getattr, pair.server, "session_reused")


@scenario("session.resume_after_failure")
def resume_after_failure(rec):
    # A session from a failed handshake cannot be resumed.
    cctx = tls.client_context()
    pair = tls.Pair(cctx, tls.server_context(), server_hostname="wrong.example")
    pair.handshake(rec, label="failing")
    session = rec.call("session after failure", getattr, pair.client, "session")
    if not failed(session) and session is not None:
        rec.call("has_ticket", getattr, session, "has_ticket")
        again = tls.Pair(cctx, tls.server_context(), session=session)
        again.handshake(rec, label="again")
        rec.call("session_reused", getattr, again.client, "session_reused")


@scenario("session.stats")
def stats(rec):
    # Context statistics move with resumption the same way.
    cctx = tls.client_context(tls="1.2")
    sctx = tls.server_context(tls="1.2")
    pair, session = _first_connection(rec, cctx, sctx, "1.2")
    second = tls.Pair(cctx, sctx, session=session)
    second.handshake(rec, label="second")
    stats_c = cctx.session_stats()
    stats_s = sctx.session_stats()
    rec.value("client hits", stats_c["hits"])
    rec.value("server hits", stats_s["hits"])
    rec.value("server accept_good", stats_s["accept_good"])
    rec.value("client connect_good", stats_c["connect_good"])


def _register_dropped(version):
    v = version

    @scenario("session.resume_after_dropped_connections"
              + ("" if v is None else "." + v.replace(".", "")))
    def resume_after_dropped(rec):
        # Each resumed connection is thrown away without close_notify.
        # OpenSSL then marks the session *it* holds unresumable, which must
        # not be the SSLSession object: Python 3 hands OpenSSL a copy, so
        # one SSLSession resumes any number of connections.
        import gc
        cctx = tls.client_context(tls=v)
        sctx = tls.server_context(tls=v)
        pair, session = _first_connection(rec, cctx, sctx, v)
        del pair
        gc.collect()
        for attempt in range(4):
            again = tls.Pair(cctx, sctx, session=session)
            again.handshake(rec, label="attempt %d" % attempt)
            rec.call("attempt %d session_reused" % attempt, getattr,
                     again.client, "session_reused")
            del again
            gc.collect()


for _version in (None, "1.2"):
    _register_dropped(_version)

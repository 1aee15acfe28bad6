"""Stateful programs: a small interpreter of portable operations.

An operation is a JSON list (``["wrap", 3, ["bio", 0], ...]``; the forms
are listed at ``Program._execute``).  ``Program.run(op)`` makes the call,
records its outcome (``outcomes.py``) and judges any exception against the
table of what Python 3.11 raises (``spec.py``).  The hypothesis state
machine (``stateful.py``) generates operations and runs them here; the
resulting list of ``[op, outcome]`` is a complete reproducer that
``replay()`` runs again, on this interpreter or on Python 3.11 (the
differential mode).

Objects the program makes (``MemoryBIO``, ``SSLObject``, ``SSLSession``)
get ids in creation order, so the ids in a program mean the same objects
on every interpreter.  Contexts are a fixed pool made once per process.
"""

import copy
import gc
import json
import pickle
import ssl
import traceback
import warnings

import sslbio

from . import known, outcomes, profiles, spec
from . import values as v

tls = profiles.tls  # tests/conformance/tls.py

# The context pool: (name, side, factory).  Client contexts only make
# client objects and server contexts server objects, because 3.x's
# PROTOCOL_TLS_CLIENT/SERVER refuse the other side and 2.7 has no such
# protocols: that is the context's business, not the objects'.
_POOL = (
    ("client", "client", lambda: tls.client_context(cls=sslbio.SSLContext)),
    ("client-cert-tls1.2", "client",
     lambda: tls.client_context(tls="1.2", cert_name="client",
                                cls=sslbio.SSLContext)),
    ("client-noverify", "client",
     lambda: tls.client_context(check_hostname=False, verify_mode=0,
                                cls=sslbio.SSLContext)),
    ("server", "server", lambda: tls.server_context(cls=sslbio.SSLContext)),
    ("server-require-cert", "server",
     lambda: tls.server_context(verify_mode=2, ca="ca",
                                cls=sslbio.SSLContext)),
    ("server-tls1.2", "server",
     lambda: tls.server_context(tls="1.2", cls=sslbio.SSLContext)),
    ("any-side", "any", lambda: _any_side()),
    ("server-sni-switch", "server", lambda: _sni_switching()),
    # RSA, not ECDSA: ECDSA signatures vary in length, and so would every
    # byte count the differential mode compares.
    ("server-wildcard", "server",
     lambda: tls.server_context(cert_name="wildcard", cls=sslbio.SSLContext)),
)
CLIENT_CONTEXTS = [i for i, c in enumerate(_POOL) if c[1] in ("client", "any")]
SERVER_CONTEXTS = [i for i, c in enumerate(_POOL) if c[1] in ("server", "any")]
_contexts = []


def _any_side():
    """A PROTOCOL_TLS context with a certificate, for either side,
    configured like the others (tls.py's any_side_context() is a plain
    ssl.SSLContext with each line's default ciphers)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # 3.10+: PROTOCOL_TLS, OP_NO_*
        context = sslbio.SSLContext(getattr(ssl, "PROTOCOL_TLS",
                                            ssl.PROTOCOL_SSLv23))
        context.options |= (ssl.OP_NO_SSLv2 | ssl.OP_NO_SSLv3 |
                            ssl.OP_NO_TLSv1 | ssl.OP_NO_TLSv1_1 |
                            ssl.OP_NO_COMPRESSION)
        context.set_ciphers(tls.CIPHERS)
        context.load_cert_chain(tls.cert("server"), tls.key("server"))
    return context


def _sni_switching():
    """A server context whose SNI callback moves the connection to the
    wildcard certificate's context (context switching in the middle of a
    handshake; the client then rejects the certificate for 'localhost')."""
    context = tls.server_context(cls=sslbio.SSLContext)

    def switch(sslobj, server_name, initial):
        sslobj.context = contexts()[8]

    context.set_servername_callback(switch)
    return context


def contexts():
    if not _contexts:
        _contexts.extend(factory() for _, _, factory in _POOL)
    return _contexts


# Calls that return data (see outcomes.normalise): 2.7's str is bytes there.
_BINARY_METHODS = ("read", "get_channel_binding")


class Program(object):
    """The objects of one program and the record of what it did."""

    KINDS = ("bio", "sslobject", "session")

    def __init__(self, journal=None):
        self.contexts = contexts()
        self.objects = dict((kind, {}) for kind in self.KINDS)
        self.links = {}  # sslobject id -> (incoming bio id, outgoing bio id)
        self.deviants = set()
        self.next_id = 0
        self.steps = []  # [[op, outcome], ...]
        self.violations = []
        # Index of the first step that involved a deviant object (see
        # spec.py): the differential mode compares only the steps before.
        self.cutoff = None
        self.journal = journal
        self._allowed = ()
        self._op = None

    # -- facts for spec.py -------------------------------------------------------
    def deviant(self, oid):
        return oid in self.deviants

    def ids(self, kind):
        return sorted(self.objects[kind])

    # -- running -------------------------------------------------------------------
    def run(self, op):
        """Run one operation; returns its outcome."""
        if self.journal is not None:
            self.journal.line(json.dumps(op))
        self._op = op
        self._allowed = spec.allowed(op, self)
        if op[0] == "call":  # a method this engine declares it refuses
            self._allowed += known.refusals(op[2])
        if self.cutoff is None and self.deviants & set(spec.objects_of(op)):
            self.cutoff = len(self.steps)
        try:
            outcome = self._execute(op)
        except _Missing:
            outcome = ["missing"]
        self.steps.append([op, outcome])
        return outcome

    def _call(self, function, *args, **kwargs):
        """One call under the oracle; ``(ok, value, outcome)``."""
        binary = kwargs.pop("binary_result", False)
        try:
            value = function(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            if not isinstance(exc, self._allowed):
                self.violations.append({
                    "kind": "disallowed-exception", "step": len(self.steps),
                    "op": self._op, "exception": type(exc).__name__,
                    "message": "%s" % (exc,),
                    "allowed": sorted(c.__name__ for c in self._allowed),
                    "traceback": traceback.format_exc()})
            return False, exc, outcomes.exception_outcome(exc)
        return True, value, outcomes.value_outcome(value, binary)

    def _get(self, kind, oid):
        try:
            return self.objects[kind][oid]
        except KeyError:
            raise _Missing()

    def _make(self, token):
        return v.make(token, self._get)

    def _add(self, kind, obj):
        oid = self.next_id
        self.next_id += 1
        self.objects[kind][oid] = obj
        return oid

    def _execute(self, op):
        name = op[0]
        handler = getattr(self, "_op_" + name)
        return handler(*op[1:])

    # -- operations ------------------------------------------------------------------
    def _op_bio_new(self, *arg):
        """["bio_new"] or ["bio_new", token]: MemoryBIO(), MemoryBIO(x)."""
        ok, bio, outcome = self._call(sslbio.MemoryBIO,
                                      *[self._make(t) for t in arg])
        if ok:
            self._add("bio", bio)
        return outcome

    def _op_wrap(self, ctx, incoming, outgoing, side, host, session):
        """["wrap", context, in, out, server_side, server_hostname,
        session]: ``context.wrap_bio(...)`` with tokens as arguments."""
        context = self.contexts[ctx]
        side_value = self._make(side)
        host_value = self._make(host)
        ok, obj, outcome = self._call(
            context.wrap_bio, self._make(incoming), self._make(outgoing),
            server_side=side_value, server_hostname=host_value,
            session=self._make(session))
        if ok:
            oid = self._add("sslobject", obj)
            if incoming[0] == outgoing[0] == "bio":
                self.links[oid] = (incoming[1], outgoing[1])
            if not obj.server_side and host_value is None and \
                    context.check_hostname:
                self.deviants.add(oid)
        return outcome

    def _op_construct(self, what):
        """["construct", "SSLObject"|"SSLSession"]: no public constructor."""
        cls = getattr(sslbio, what)
        return self._call(cls)[2]

    def _op_pair(self, client_ctx, server_ctx, session):
        """["pair", client context, server context, session token]: four
        BIOs, a client (server_hostname 'localhost') and a server."""
        bios = [sslbio.MemoryBIO() for _ in range(4)]
        ids = [self._add("bio", bio) for bio in bios]
        results = []
        ok, client, outcome = self._call(
            self.contexts[client_ctx].wrap_bio, bios[0], bios[1],
            server_hostname=profiles.HOSTNAME, session=self._make(session))
        results.append(outcome)
        if ok:
            self.links[self._add("sslobject", client)] = (ids[0], ids[1])
        ok, server, outcome = self._call(
            self.contexts[server_ctx].wrap_bio, bios[2], bios[3],
            server_side=True)
        results.append(outcome)
        if ok:
            self.links[self._add("sslobject", server)] = (ids[2], ids[3])
        return results

    def _transfer(self, source, target):
        """Move what ``source`` wrote into ``target``'s incoming BIO."""
        if source not in self.links or target not in self.links:
            raise _Missing()
        outgoing = self._get("bio", self.links[source][1])
        incoming = self._get("bio", self.links[target][0])
        data = outgoing.read()
        if not data:
            return ["ok", 0]
        return self._call(incoming.write, data)[2]

    def _op_transfer(self, source, target):
        """["transfer", sslobject, sslobject]."""
        self._get("sslobject", source)
        self._get("sslobject", target)
        return self._transfer(source, target)

    def _op_exchange(self, a, b, rounds):
        """["exchange", sslobject, sslobject, rounds]: handshake rounds
        (each side's do_handshake(), then what it wrote to the other)."""
        first, second = self._get("sslobject", a), self._get("sslobject", b)
        results = []
        for _ in range(rounds):
            results.append(self._call(first.do_handshake)[2])
            results.append(self._transfer(a, b))
            results.append(self._call(second.do_handshake)[2])
            results.append(self._transfer(b, a))
        return results

    def _op_pump(self, source, target, size):
        """["pump", bio, bio, size token or None]: read() from one BIO,
        write() into another."""
        src, dst = self._get("bio", source), self._get("bio", target)
        args = [self._make(size)] if size else []
        ok, data, outcome = self._call(src.read, *args, binary_result=True)
        if not ok or not data:
            return [outcome]
        return [outcome, self._call(dst.write, data)[2]]

    def _op_call(self, oid, name, args, kwargs):
        """["call", sslobject, method, [tokens], {name: token}]."""
        obj = self._get("sslobject", oid)
        method = getattr(obj, name)
        arguments = [self._make(t) for t in args]
        keywords = dict((str(k), self._make(t)) for k, t in kwargs.items())
        binary = name in _BINARY_METHODS or (
            name == "getpeercert" and bool(arguments and arguments[0]))
        return self._call(method, *arguments, binary_result=binary,
                          **keywords)[2]

    def _op_get(self, kind, oid, attr):
        """["get", kind, id, attribute] (``__hash__``: hash(obj))."""
        obj = self._get(kind, oid)
        if attr == "__hash__":
            ok, _, outcome = self._call(hash, obj)
            return ["ok", "int"] if ok else outcome
        ok, value, outcome = self._call(getattr, obj, attr,
                                        binary_result=(attr == "id"))
        if ok and kind == "session" and attr == "time":
            return ["ok", "int"]  # a clock reading: only its type compares
        return outcome

    def _op_set(self, kind, oid, attr, token):
        """["set", kind, id, attribute, token]."""
        obj = self._get(kind, oid)
        return self._call(setattr, obj, attr, self._make(token))[2]

    def _op_bio_call(self, bid, name, args):
        """["bio_call", bio, "read"|"write"|"write_eof", [tokens]]."""
        bio = self._get("bio", bid)
        return self._call(getattr(bio, name), *[self._make(t) for t in args],
                          binary_result=(name == "read"))[2]

    def _op_copy(self, kind, oid, how):
        """["copy", kind, id, "copy"|"deepcopy"|"pickle"]."""
        obj = self._get(kind, oid)
        function = {"copy": copy.copy, "deepcopy": copy.deepcopy,
                    "pickle": lambda o: pickle.dumps(o, 2)}[how]
        ok, twin, outcome = self._call(function, obj)
        if ok and kind == "sslobject" and how == "copy":
            twin_id = self._add("sslobject", twin)
            if oid in self.links:
                self.links[twin_id] = self.links[oid]
            if oid in self.deviants:
                self.deviants.add(twin_id)
        elif ok:
            outcome = ["ok", {"object": type(twin).__name__}]
        return outcome

    def _op_session_of(self, oid):
        """["session_of", sslobject]: keep its ``session`` for later use."""
        ok, session, outcome = self._call(getattr, self._get("sslobject", oid),
                                          "session")
        if ok and session is not None:
            self._add("session", session)
        return outcome

    def _op_compare(self, a, b, how):
        """["compare", session, session, "=="|"!="|"<"|"hash"]."""
        first, second = self._get("session", a), self._get("session", b)
        function = {"==": lambda: first == second,
                    "!=": lambda: first != second,
                    "<": lambda: first < second,
                    "hash": lambda: hash(first)}[how]
        ok, value, outcome = self._call(function)
        return ["ok", "int"] if ok and how == "hash" else outcome

    def _op_del(self, kind, oid):
        """["del", kind, id]: drop the program's reference."""
        self.objects[kind].pop(oid, None)
        if kind == "sslobject":
            self.links.pop(oid, None)
        return ["ok", None]

    def _op_gc(self):
        """["gc"]: collect the young generations, where this program's
        cyclic garbage is (a full collection costs tens of milliseconds
        next to hypothesis's heap)."""
        gc.collect(1)
        return ["ok", None]


class _Missing(Exception):
    """An operation refers to an object this run does not have (it was
    made on another interpreter, where its creation succeeded)."""


class Replay(object):
    def __init__(self, outcomes, violations, cutoff):
        self.outcomes = outcomes
        self.violations = violations
        self.cutoff = cutoff


def replay(steps, journal=None):
    """Run the operations of ``steps`` (``[[op, outcome], ...]``) again;
    returns their new outcomes and violations."""
    program = Program(journal)
    for op, _ in steps:
        program.run(op)
    result = Replay([outcome for _, outcome in program.steps],
                    program.violations, program.cutoff)
    del program
    gc.collect()
    return result

"""The stateful API fuzzer: hypothesis generates programs of API calls.

``ApiMachine`` is a ``RuleBasedStateMachine``.  Hypothesis chooses which
rule runs at each step (and, with its "swarm" feature flags, which rules a
program uses at all); each rule builds one operation (``program.py``) on
the objects the program has made so far and runs it.  Arguments come from
menus of good and bad values (``values.py`` tokens: text where bytes
belong, integer boundaries, buffers of every kind, wrong objects), picked
by a ``Rng`` seeded from one integer hypothesis draws for the step.

Why one drawn integer rather than a hypothesis strategy per argument:
hypothesis 4.57 on 2.7 spends several milliseconds per drawn strategy in
its own bookkeeping (and far more describing the strategies of rules it has
switched off): it made the fuzzer about 25 times slower than the calls under
test.
The menus hold the boundary values a strategy would have favoured anyway.

The program's oracle (``spec.py``) records violations instead of raising:
a campaign must go on after a finding, and the recorded program is itself
the reproducer, so hypothesis never needs to shrink anything.

``run_seed()`` runs one seed's worth of examples (programs).  It sets the
global ``random`` state that hypothesis draws its own seed from, so a seed
replays the same programs on the same interpreter and hypothesis version;
across versions the recorded program is what reproduces a case
(``repro.py``).
"""

import random
import sys

from hypothesis import HealthCheck, Phase, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, rule,
                                 run_state_machine_as_test)

from . import program as prog
from . import values as v
from .rng import Rng

# -- argument menus ---------------------------------------------------------------

# Boundaries of C int, Py_ssize_t and 3.x's largest bytes object.  Sizes
# between about 2**35 and sys.maxsize - 33 are left out: 3.x's read()
# allocates the whole buffer first and raises MemoryError or not depending
# on the machine's memory, which no oracle can predict.
_INTEGERS = [0, 1, 2, 5, 7, 40, 1024, -1, -2, 16383, 16384, 16385, 65536,
             2 ** 31 - 1, 2 ** 31, 2 ** 32, -2 ** 31, -2 ** 31 - 1,
             sys.maxsize - 32, sys.maxsize, sys.maxsize + 1, 2 ** 64,
             -sys.maxsize - 1, -sys.maxsize - 2]
_INT_TOKENS = ([["int", n] for n in _INTEGERS] +
               [["bool", True], ["bool", False], ["index", 0], ["index", 5],
                ["index", -1], ["index", 2 ** 64]])
_TEXTS = [u"", u"x", u"\u00e9t\u00e9", u"\0", u"tls-unique", u"a" * 300]
_JUNK_TOKENS = [["none"], ["list"], ["dict"], ["object"], ["float", 1.5],
                ["float", -0.0], ["float", 1e300]] + \
               [["text", t] for t in _TEXTS]
_HOSTNAMES = [u"localhost", u"server.example", u"b\u00fccher.example",
              u"xn--bcher-kva.example", u"127.0.0.1", u"::1", u"LOCALHOST",
              u"other.example", u"", u".localhost", u"a" * 64 + u".example",
              u"local\0host", u"a." * 130 + u"example", u"*.wild.example",
              u"localhost."]
_HOSTNAME_TOKENS = ([["none"]] * 3 + [["text", h] for h in _HOSTNAMES] +
                    [["bytes", v.hexlify(b)] for b in
                     (b"localhost", b"b\xc3\xbccher.example", b"")] +
                    [["bytearray", 3], ["memoryview", "6c6f"], ["int", 1]])
_SIDE_TOKENS = [["bool", False], ["bool", True], ["int", 0], ["int", 1],
                ["int", -1], ["int", 2 ** 40], ["index", 1], ["index", 0],
                ["none"], ["text", u"yes"], ["float", 1.0]]
_CB_TOKENS = [["text", u"tls-unique"], ["text", u"tls-server-end-point"],
              ["text", u"nope"], ["text", u"tls-unique\0"], ["none"],
              ["int", 1], ["bytes", v.hexlify(b"tls-unique")]]
_QUERIES = ["cipher", "shared_ciphers", "compression", "version", "pending",
            "selected_alpn_protocol", "selected_npn_protocol", "do_handshake",
            "unwrap", "verify_client_post_handshake"]
_OBJECT_ATTRIBUTES = ["context", "server_side", "server_hostname", "session",
                      "session_reused"]
_SETTABLE = _OBJECT_ATTRIBUTES + ["user_data"]
_SESSION_ATTRIBUTES = ["id", "time", "timeout", "ticket_lifetime_hint",
                       "has_ticket", "__hash__"]


def _integer(rng):
    if rng.chance(40):
        return ["int", rng.between(-3, 40)]
    return rng.choice(_INT_TOKENS)


def _data(rng):
    """A bytes-like value of some kind."""
    kind = rng.below(7)
    if kind == 0:
        return ["bytes", v.hexlify(rng.bytes(rng.below(65)))]
    if kind == 1:
        return ["bytes_n", rng.choice((0, 1, 16384, 16385, 40000))]
    if kind == 2:
        return ["bytearray", rng.below(101)]
    if kind == 3:
        return ["memoryview", v.hexlify(rng.bytes(rng.below(33)))]
    if kind == 4:
        return ["memoryview_rw", rng.below(101)]
    if kind == 5:
        return ["array", rng.choice(("B", "b", "i")), rng.below(51)]
    return ["bytes", ""]


def _junk(rng):
    return rng.choice(_JUNK_TOKENS) if rng.chance(70) else _integer(rng)


def _any(rng):
    return rng.choice((_integer, _data, _junk))(rng)


_CHOICE = st.integers(min_value=0, max_value=2 ** 32 - 1)
# Health checks judge test functions, not fuzzers; listed by name because
# list(HealthCheck) includes checks hypothesis 4.57 warns are deprecated.
_HEALTH_CHECKS = [getattr(HealthCheck, name) for name in
                  ("data_too_large", "filter_too_much", "too_slow",
                   "large_base_example") if hasattr(HealthCheck, name)]


class ApiMachine(RuleBasedStateMachine):
    """Random programs over MemoryBIOs, SSLObjects and SSLSessions."""

    # Set by run_seed() for each run: where examples report.
    hooks = None

    def __init__(self):
        super(ApiMachine, self).__init__()
        hooks = type(self).hooks
        self.program = prog.Program(hooks.journal)
        hooks.begin_example()

    def teardown(self):
        type(self).hooks.end_example(self.program)

    # -- helpers ------------------------------------------------------------------
    def run(self, *op):
        self.program.run(list(op))

    def ids(self, kind):
        return self.program.ids(kind)

    def one(self, kind, rng):
        """An id of ``kind``; a BIO or a pair of objects is made first when
        there is none (rules have no preconditions: hypothesis 4 filters
        rules by them at great cost)."""
        ids = self.ids(kind)
        if not ids:
            if kind == "bio":
                self.run("bio_new")
            elif kind == "sslobject":
                self.run("pair", prog.CLIENT_CONTEXTS[0],
                         prog.SERVER_CONTEXTS[0], ["none"])
            ids = self.ids(kind)
        return rng.choice(ids) if ids else None

    def ref(self, kind, rng):
        """A reference token to an object of ``kind``, or ``["none"]``."""
        ids = self.ids(kind)
        return [kind, rng.choice(ids)] if ids else ["none"]

    # -- rules ------------------------------------------------------------------
    #
    # Six rules, one per area, each dispatching on its drawn integer: few
    # rules keep hypothesis's cost per step down (it describes the whole
    # rule list whenever it skips a rule its feature flags switched off).

    def _dispatch(self, choice, menu):
        """Run one operation from ``menu``, then up to three from any area:
        hypothesis's cost is per step, so a step makes a short burst of
        calls (hypothesis also ends many programs after a few steps)."""
        rng = Rng(choice)
        rng.weighted(menu)(self, rng)
        for _ in range(rng.weighted([(40, 0), (30, 1), (20, 2), (10, 3)])):
            rng.weighted(_ALL_AREAS)(self, rng)

    @initialize(choice=_CHOICE)
    def start(self, choice):
        """Every program starts with a connected pair, half the time past
        some handshake rounds, so short programs reach interesting states."""
        rng = Rng(choice)
        self._pair(rng)
        if rng.chance(50):
            ids = self.ids("sslobject")
            if len(ids) == 2:
                self.run("exchange", ids[0], ids[1], rng.between(1, 3))

    @rule(choice=_CHOICE)
    def make(self, choice):
        """New BIOs, connected pairs, wrap_bio() with any arguments."""
        self._dispatch(choice, _MAKE)

    @rule(choice=_CHOICE)
    def move(self, choice):
        """Bytes between objects: handshake rounds, transfers, BIO pumps."""
        self._dispatch(choice, _MOVE)

    @rule(choice=_CHOICE)
    def call(self, choice):
        """SSLObject methods."""
        self._dispatch(choice, _CALL)

    @rule(choice=_CHOICE)
    def attributes(self, choice):
        """SSLObject properties and SSLSession objects."""
        self._dispatch(choice, _ATTRIBUTES)

    @rule(choice=_CHOICE)
    def bio(self, choice):
        """MemoryBIO methods and properties."""
        self._dispatch(choice, _BIO)

    @rule(choice=_CHOICE)
    def lifetime(self, choice):
        """Copying, pickling, dropping references, collecting garbage."""
        self._dispatch(choice, _LIFETIME)

    # -- making objects -------------------------------------------------------------
    def _new_bio(self, rng):
        if rng.chance(85):
            self.run("bio_new")
        else:
            self.run("bio_new", _any(rng))

    def _pair(self, rng):
        session = self.ref("session", rng) if rng.chance(40) else ["none"]
        self.run("pair", rng.choice(prog.CLIENT_CONTEXTS),
                 rng.choice(prog.SERVER_CONTEXTS), session)

    def _wrap(self, rng):
        if rng.chance(3):
            self.run("construct", rng.choice(("SSLObject", "SSLSession")))
            return
        self.one("bio", rng)
        bios = [self.ref("bio", rng), self.ref("bio", rng)]
        if rng.chance(10):
            bios[rng.below(2)] = _junk(rng)
        side = rng.choice(_SIDE_TOKENS)
        host = rng.choice(_HOSTNAME_TOKENS)
        session = rng.weighted([(60, ["none"]), (30, None), (10, "junk")])
        if session is None:
            session = self.ref("session", rng)
        elif session == "junk":
            session = _junk(rng)
        # A context of the side server_side asks for (see program._POOL).
        value = v.int_value(side)
        if value is None:
            context = rng.below(len(prog.contexts()))
        else:
            context = rng.choice(prog.SERVER_CONTEXTS if value
                                 else prog.CLIENT_CONTEXTS)
        self.run("wrap", context, bios[0], bios[1], side, host, session)

    # -- moving bytes ------------------------------------------------------------------
    def _exchange(self, rng):
        first = self.one("sslobject", rng)
        ids = self.ids("sslobject")
        # Mostly the two halves of one pair (consecutive ids).
        if first + 1 in ids and rng.chance(75):
            second = first + 1
        else:
            second = rng.choice(ids)
        self.run("exchange", first, second, rng.between(1, 4))

    def _transfer(self, rng):
        first = self.one("sslobject", rng)
        self.run("transfer", first, rng.choice(self.ids("sslobject")))

    def _pump(self, rng):
        source = self.one("bio", rng)
        size = None if rng.chance(50) else _integer(rng)
        self.run("pump", source, rng.choice(self.ids("bio")), size)

    # -- SSLObject calls ------------------------------------------------------------------
    def _read(self, rng):
        oid = self.one("sslobject", rng)
        size = _integer(rng) if rng.chance(85) else _junk(rng)
        buffer = rng.weighted([(50, None), (35, "data"), (15, "junk")])
        if buffer is not None:
            buffer = _data(rng) if buffer == "data" else _junk(rng)
        if rng.chance(30):
            kwargs = {"len": size}
            if buffer is not None:
                kwargs["buffer"] = buffer
            self.run("call", oid, "read", [], kwargs)
        else:
            args = [size] if buffer is None else [size, buffer]
            self.run("call", oid, "read", args, {})

    def _write(self, rng):
        data = _data(rng) if rng.chance(80) else _junk(rng)
        self.run("call", self.one("sslobject", rng), "write", [data], {})

    def _query(self, rng):
        oid = self.one("sslobject", rng)
        what = rng.below(4)
        if what == 0:
            binary = rng.choice([None, ["bool", True], ["bool", False],
                                 ["int", 2], ["text", u""], ["none"],
                                 ["list"]])
            self.run("call", oid, "getpeercert",
                     [] if binary is None else [binary], {})
        elif what == 1:
            cb_type = rng.choice([None] + _CB_TOKENS)
            self.run("call", oid, "get_channel_binding",
                     [] if cb_type is None else [cb_type], {})
        else:
            self.run("call", oid, rng.choice(_QUERIES), [], {})

    def _attribute(self, rng):
        oid = self.one("sslobject", rng)
        if rng.chance(50):
            self.run("get", "sslobject", oid, rng.choice(_OBJECT_ATTRIBUTES))
            return
        what = rng.below(3)
        if what == 0:
            value = ["context", rng.below(len(prog.contexts()))]
        elif what == 1:
            value = self.ref("session", rng)
        else:
            value = _junk(rng)
        self.run("set", "sslobject", oid, rng.choice(_SETTABLE), value)

    def _take_session(self, rng):
        self.run("session_of", self.one("sslobject", rng))

    # -- MemoryBIO calls --------------------------------------------------------------------
    def _bio_call(self, rng):
        bid = self.one("bio", rng)
        what = rng.below(6)
        if what == 0:
            self.run("bio_call", bid, "read", [])
        elif what == 1:
            self.run("bio_call", bid, "read",
                     [_integer(rng) if rng.chance(80) else _junk(rng)])
        elif what == 2:
            self.run("bio_call", bid, "write",
                     [_data(rng) if rng.chance(80) else _junk(rng)])
        elif what == 3:
            self.run("bio_call", bid, "write_eof", [])
        elif what == 4:
            self.run("get", "bio", bid, rng.choice(("pending", "eof")))
        else:
            self.run("set", "bio", bid,
                     rng.choice(("pending", "eof", "extra")), _integer(rng))

    # -- sessions ------------------------------------------------------------------------------
    def _session_call(self, rng):
        ids = self.ids("session")
        if not ids:
            self.run("session_of", self.one("sslobject", rng))
            return
        sid = rng.choice(ids)
        what = rng.below(3)
        if what == 0:
            self.run("get", "session", sid, rng.choice(_SESSION_ATTRIBUTES))
        elif what == 1:
            self.run("set", "session", sid,
                     rng.choice(_SESSION_ATTRIBUTES[:-1]), ["int", 5])
        else:
            self.run("compare", sid, rng.choice(ids),
                     rng.choice(("==", "!=", "<", "hash")))

    # -- copying and deleting ------------------------------------------------------------------
    def _copy_object(self, rng):
        kind = rng.choice(("bio", "sslobject", "session"))
        ids = self.ids(kind)
        if ids:
            self.run("copy", kind, rng.choice(ids),
                     rng.choice(("copy", "deepcopy", "pickle")))

    def _delete(self, rng):
        kind = rng.choice(("bio", "sslobject", "session"))
        ids = self.ids(kind)
        if ids:
            self.run("del", kind, rng.choice(ids))
        if rng.chance(30):
            self.run("gc")


_MAKE = [(3, ApiMachine._new_bio), (4, ApiMachine._pair),
         (4, ApiMachine._wrap)]
_MOVE = [(5, ApiMachine._exchange), (2, ApiMachine._transfer),
         (2, ApiMachine._pump)]
_CALL = [(3, ApiMachine._read), (2, ApiMachine._write),
         (4, ApiMachine._query)]
_ATTRIBUTES = [(3, ApiMachine._attribute), (1, ApiMachine._take_session),
               (2, ApiMachine._session_call)]
_BIO = [(1, ApiMachine._bio_call)]
_LIFETIME = [(1, ApiMachine._copy_object), (2, ApiMachine._delete)]
_ALL_AREAS = [(2, ApiMachine._new_bio), (2, ApiMachine._pair),
              (3, ApiMachine._wrap), (5, ApiMachine._exchange),
              (2, ApiMachine._transfer), (2, ApiMachine._pump),
              (4, ApiMachine._read), (3, ApiMachine._write),
              (5, ApiMachine._query), (3, ApiMachine._attribute),
              (1, ApiMachine._take_session), (2, ApiMachine._session_call),
              (3, ApiMachine._bio_call), (1, ApiMachine._copy_object),
              (2, ApiMachine._delete)]


class _Hooks(object):
    """What one run_seed() call does with each example."""

    def __init__(self, seed, journal, on_example):
        self.seed = seed
        self.journal = journal
        self.on_example = on_example
        self.index = 0

    def begin_example(self):
        if self.journal is not None:
            self.journal.begin("stateful seed %d example %d"
                               % (self.seed, self.index))

    def end_example(self, program):
        # Drop the program's objects before the worker checks stderr, so
        # that anything their destruction prints is charged to this example.
        program.objects.clear()
        self.on_example(self.index, program)
        self.index += 1


def run_seed(seed, examples, steps, journal, on_example):
    """Run ``examples`` programs of up to ``steps`` hypothesis steps;
    ``on_example(index, program)`` gets each finished ``Program``.
    Returns the number of programs run (hypothesis runs a few more than
    ``examples``: it does not count the ones it abandons)."""
    ApiMachine.hooks = _Hooks(seed, journal, on_example)
    random.seed(seed)  # hypothesis takes its seed from the global random
    run_state_machine_as_test(ApiMachine, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None,
        database=None, phases=[Phase.generate],
        suppress_health_check=_HEALTH_CHECKS))
    return ApiMachine.hooks.index

"""The record/flight mutation fuzzer: one case per seed.

A case is a real conversation (``conversation.py``) for one profile in
which one or two chosen deliveries are mutated (``mutators.py``) on their
way from one side's outgoing ``MemoryBIO`` to the other's incoming one,
followed by a battery of further calls on both sides (``battery.py``).
The chosen delivery can be any send step of the script: a handshake
flight in either direction, the TLS 1.3 session tickets, application data,
a close_notify, or a step where the honest peer sends nothing (then the
mutation inserts).

Everything the case does is drawn from ``Rng(seed)``, and the flights of
each profile have the same structure on 2.7 and 3.x, so a seed names the
same case on both lines: that is what ``--differential`` compares.  The
bytes themselves differ from run to run (keys, randoms, signatures); a
mutation that lands in them behaves alike anyway, since the peer's checks
fail in the same way whatever the random bytes were.
"""

import binascii
import json
import os
import time

from conformance import engine_limits

from . import CORPUS_VARIABLE
from . import battery, conversation, mutators, outcomes, profiles, records
from .rng import Rng

# A corpus file recorded once (save_corpus()) and named by
# $SSLBIO_FUZZ_CORPUS is shared by every worker of a campaign, on both
# interpreters: spliced-in donor records are then the same bytes
# everywhere, so a seed is one case wherever and whenever it runs.
# Without it each process records its own.

# A cached session is refreshed well within the shortest default lifetime
# (OpenSSL's 300 s for TLS 1.2), so resumption keeps working in long runs.
_SESSION_MAX_AGE = 60.0

# "resumes": whether the interpreter that recorded the corpus resumes
# sessions.  An engine that declares it cannot (the portable engine) makes
# full handshakes in the resumption profiles; every interpreter running that
# corpus then does the same, so that a seed stays one case for all of them.
_state = {"corpus": None, "structure": None, "resumes": True}
_sessions = {}


def session_for(profile):
    """A fresh client session for a resumption profile (None otherwise).

    Every case gets its own copy: the getter returns a new ``SSLSession``
    each time, taken from one honest connection kept for the purpose.  A
    session shared between cases would let one case change the next (on
    2.7 a failed connection marks the very ``SSL_SESSION`` it used as not
    resumable), and a seed must be a whole reproducer."""
    if not profile.resume or not _state["resumes"]:
        return None
    cached = _sessions.get(profile.name)
    now = time.time()
    if cached is None or now - cached[1] > _SESSION_MAX_AGE:
        cached = _sessions[profile.name] = (_session_source(profile), now)
    return cached[0].objects["client"].session


def forget_sessions():
    """Make the next resumption cases start from new honest connections:
    a rerun meant to tell deterministic outcomes from ones that depend on
    random bytes must not reuse the same session ticket every time."""
    _sessions.clear()


def _session_source(profile):
    """An honest connection of ``profile`` (without resumption), kept
    alive: its client's ``session`` is where cases take theirs from."""
    talk = conversation.Conversation(profile._replace(resume=False),
                                     outcomes.Transcript())
    cut = conversation.SCRIPT.index(("write", "client",
                                     conversation.CLIENT_DATA))
    talk.run(None, 0, cut)  # the handshake and the TLS 1.3 tickets
    return talk


def _record_corpus():
    """Honest flights of every profile: the donors for splicing, and the
    send steps that carry data in each profile (where mutations aim)."""
    corpus = []
    structure = {}
    _state["resumes"] = engine_limits.current().resumes_sessions
    for profile in profiles.PROFILES:
        _, flights, _ = conversation.honest_run(profile, session_for(profile))
        structure[profile.name] = [index for index, _, _ in flights]
        for index, side, data in flights:
            corpus.append(("%s/%d%s" % (profile.name, index, side[0]), data))
    _state["corpus"], _state["structure"] = corpus, structure


def corpus():
    """``(donor flights, structure)``: from $SSLBIO_FUZZ_CORPUS when set,
    else recorded now."""
    if _state["corpus"] is None:
        path = os.environ.get(CORPUS_VARIABLE)
        if path:
            _load_corpus(path)
        else:
            _record_corpus()
    return _state["corpus"], _state["structure"]


def save_corpus(path):
    """Record the corpus and write it to ``path`` (JSON, flights in hex)."""
    _record_corpus()
    data = {"structure": _state["structure"], "resumes": _state["resumes"],
            "flights": [[origin, binascii.hexlify(flight).decode("ascii")]
                        for origin, flight in _state["corpus"]]}
    temporary = path + ".tmp"
    with open(temporary, "w") as f:
        json.dump(data, f)
    os.rename(temporary, path)


def _load_corpus(path):
    with open(path) as f:
        data = json.load(f)
    _state["structure"] = dict((str(k), v)
                               for k, v in data["structure"].items())
    _state["corpus"] = [(str(origin), binascii.unhexlify(flight))
                        for origin, flight in data["flights"]]
    _state["resumes"] = data.get("resumes", True)


class Plan(object):
    """What a seed decides before anything runs."""

    def __init__(self, seed, structure):
        rng = Rng(seed)
        self.seed = seed
        self.profile = rng.choice(profiles.PROFILES)
        flights = structure[self.profile.name]
        targets = set()
        for _ in range(rng.weighted([(88, 1), (12, 2)])):
            if rng.chance(80):
                targets.add(rng.choice(flights))
            else:
                targets.add(rng.choice(conversation.SEND_STEPS))
        self.targets = sorted(targets)
        self.mutation_rng = rng.fork("mutation")
        self.battery_rng = rng.fork("battery")

    def describe(self):
        return "seed %d: %s, mutate send steps %s" % (
            self.seed, self.profile.name, self.targets)


def run_case(seed):
    """Run one case; returns its ``Transcript`` (whose notes say what was
    mutated where)."""
    donor_flights, structure = corpus()
    plan = Plan(seed, structure)
    transcript = outcomes.Transcript()
    transcript.note(plan.describe())
    donors = mutators.Donors(donor_flights)
    rng = plan.mutation_rng

    def tamper(index, side, data):
        before = records.describe(data)
        data, notes = mutators.mutate(rng, data, donors)
        pieces = mutators.chunks(rng, data)
        text = "step %s %s->: %s => %s => %s in %d piece(s)" % (
            index, side, before, " + ".join(notes), records.describe(data),
            len(pieces))
        transcript.note(text)
        return pieces

    def tap(index, side, data):
        if index in plan.targets:
            return tamper(index, side, data)
        donors.seen("this/%d%s" % (index, side[0]), data)
        return [data]

    talk = conversation.Conversation(plan.profile, transcript,
                                     session=session_for(plan.profile))
    talk.run(tap)
    battery.run(talk, plan.battery_rng, tamper)
    return transcript

"""Differences from the reference the fuzzers accept because they are
declared elsewhere, never listed here a second time:

* the limitations of the engine under test (its ``Limits``, read by
  ``conformance.engine_limits``): a method it refuses
  with NotImplementedError, ``session`` reading None where it has no
  sessions, a TLS 1.3 host name failure whose peer gets no alert, a client
  failing the host name check having read the rest of the peer's flight,
  and ``getpeercert()``/``version()`` still answering after a fatal alert
  received inside ``unwrap()``;
* Python 3's own changes when the reference is older than 3.11
  (``conformance.older_reference``: the rules of the conformance suite,
  applied to the fuzzers' outcomes).

``refusals()`` widens the oracle of the process under test; ``Judge``
finds the first difference between two transcripts (flight) or two runs
of a program (stateful) that none of these explains.  Where an explained
difference changes the connection or what the peer sees from then on (the
withheld TLS 1.3 flight, the rest of the flight read by a client failing
its host name check, a read or write the lines handle apart), the comparison
stops there, as the rest follows from it.
"""

import re

from conformance import engine_limits, older_reference

from . import differential

_LIMITS = engine_limits.current()
_RECORD_LAYER = ("do_handshake", "read", "write", "unwrap")
# "12 client.read", "battery server.read(7, buffer)": the side and the call.
_FLIGHT_CALL = re.compile(r"\b(client|server)\.(\w+)")


def refusals(method):
    """``(NotImplementedError,)`` where this process's engine declares
    ``method`` refused, else ``()``."""
    return (NotImplementedError,) if method in _LIMITS.refused() else ()


def _raises(outcome, name=None):
    return bool(outcome) and outcome[0] == "raise" and (
        name is None or outcome[1] == name)


def _as_observation(outcome):
    """A fuzzer outcome in the conformance suite's form (for its rules)."""
    if _raises(outcome):
        return {"raises": outcome[1], "errno": outcome[2],
                "library": outcome[3], "reason": outcome[4]}
    return {"returns": outcome[1] if outcome and len(outcome) > 1 else None}


# What an outcome difference is, for Judge: nothing to explain, explained
# (compare on), explained and the end of the comparison, unexplained.
SAME, EXPLAINED, STOP, UNEXPLAINED = range(4)


class Judge(object):
    """Comparison of a target whose engine declared ``limitations`` with a
    reference of version ``reference_version`` ("3.9.2")."""

    def __init__(self, limitations, reference_version):
        self.limits = engine_limits.declared(limitations)
        # Whether the last comparison set a difference aside.
        self.set_aside = False
        self.older_reference = reference_version is not None and tuple(
            int(n) for n in reference_version.split(".")[:2]) < (3, 11)

    # -- flight transcripts: [[label, outcome], ...] ---------------------------
    def flight(self, target, reference):
        """``(index, label, target outcome, reference outcome)`` of the
        first unexplained difference, or None."""
        state = self._start()
        for index, (mine, theirs) in enumerate(zip(target, reference)):
            label = mine[0]
            side, call = _FLIGHT_CALL.search(label).groups()
            verdict = self._note(self._entry(call, side, mine[1], theirs[1],
                                             state))
            if verdict == STOP:
                return None
            if verdict == UNEXPLAINED or label != theirs[0]:
                return index, label, mine[1], theirs[1]
        common = min(len(target), len(reference))
        found = differential.first_difference(target[common:],
                                              reference[common:])
        return found and (common + found[0],) + found[1:]

    # -- stateful programs: [[op, outcome], ...] and the reference's outcomes --
    def program(self, steps, outcomes, cutoffs, comparable):
        """``(index, op, target outcome, reference outcome)`` of the first
        unexplained difference among the compared steps, or None."""
        limit = min([len(steps), len(outcomes)] +
                    [c for c in cutoffs if c is not None])
        state = self._start()
        for index in range(limit):
            op, mine = steps[index]
            theirs = outcomes[index]
            if not comparable(op):
                continue
            verdict = self._note(self._step(op, mine, theirs, state))
            if verdict == STOP:
                return None
            if verdict == UNEXPLAINED:
                return index, op, mine, theirs
        return None

    def _start(self):
        self.set_aside = False
        return {"unwrapped": set(), "failed": set()}

    def _note(self, verdict):
        if verdict in (EXPLAINED, STOP):
            self.set_aside = True
        return verdict

    def _after_failed_check(self, mine, theirs, state):
        # A client failed its certificate check: what it left unread in its
        # incoming BIO differs from then on, and so may whatever reads that
        # BIO (objects may share BIOs) or answers the client.
        return mine != theirs and bool(state["failed"]) and \
            self.limits.hostname_failure_reads_flight

    def _step(self, op, mine, theirs, state):
        if self._after_failed_check(mine, theirs, state):
            return STOP
        name = op[0]
        if name == "call":
            return self._entry(op[2], op[1], mine, theirs, state)
        if name == "get" and op[1:4:2] == ["sslobject", "session"]:
            return self._entry("session", None, mine, theirs, state)
        if name == "session_of":
            verdict = self._entry("session", None, mine, theirs, state)
            # The reference kept a session where the target had none (or
            # refused to copy one): the ids of the objects made later no
            # longer name the same ones.
            if verdict == EXPLAINED and (mine == ["ok", None] or
                                         _raises(mine)) and \
                    theirs[0] == "ok" and theirs[1] is not None:
                return STOP
            return verdict
        if name == "exchange":
            return self._exchange(op, mine, theirs, state)
        if name == "transfer":
            return self._transfer(op[1], mine, theirs, state)
        return self._plain(mine, theirs)

    def _exchange(self, op, mine, theirs, state):
        # Rounds of [do_handshake, transfer] for one side, then the other.
        verdicts = set()
        for position, (a, b) in enumerate(zip(mine, theirs)):
            sender = op[1] if position % 4 < 2 else op[2]
            if self._after_failed_check(a, b, state):
                return STOP
            if position % 2 == 0:
                verdict = self._entry("do_handshake", sender, a, b, state)
            else:
                verdict = self._transfer(sender, a, b, state)
            if verdict in (STOP, UNEXPLAINED):
                return verdict
            verdicts.add(verdict)
        if len(mine) != len(theirs):
            return UNEXPLAINED
        return EXPLAINED if EXPLAINED in verdicts else SAME

    def _transfer(self, sender, mine, theirs, state):
        # A TLS 1.3 host name failure: the sender's alert (3.11) against the
        # withheld flight (nothing to send).
        if mine != theirs and self.limits.hostname_checked_late and \
                sender in state["failed"] and mine == ["ok", 0] and \
                theirs[0] == "ok" and theirs[1] > 0:
            return STOP
        return self._plain(mine, theirs)

    # -- one call ----------------------------------------------------------------
    def _entry(self, call, who, mine, theirs, state):
        """``call`` (a method or attribute name) made on ``who`` (a side or
        an object id)."""
        if call in _RECORD_LAYER and _raises(mine, "SSLCertVerificationError") \
                and _raises(theirs, "SSLCertVerificationError"):
            state["failed"].add(who)
        if call == "unwrap":
            state["unwrapped"].add(who)
        if mine == theirs:
            return SAME
        limits = self.limits
        if call in limits.refused() and _raises(mine, "NotImplementedError"):
            return EXPLAINED
        if call == "session" and not limits.resumes_sessions and \
                mine == ["ok", None]:
            return EXPLAINED
        if call in ("getpeercert", "version") and \
                limits.answers_after_unwrap_alert and \
                who in state["unwrapped"] and mine[0] == "ok" and \
                theirs in (["ok", None], ["raise", "ValueError", None, None,
                                          None]):
            return EXPLAINED
        return self._plain(mine, theirs, call)

    def _plain(self, mine, theirs, call=""):
        if mine == theirs:
            return SAME
        if self.older_reference and _older_explains(call, mine, theirs):
            if call in _RECORD_LAYER:
                # The two lines' calls did different things (3.9 refused a
                # length the other read with, or wrote where 3.10+ does
                # not): the connections may differ from then on.
                return STOP
            return EXPLAINED
        return UNEXPLAINED


def _older_explains(call, mine, theirs):
    if _is_multi(mine) or _is_multi(theirs):
        return len(mine) == len(theirs) and all(
            a == b or _older_explains(call, a, b) for a, b in zip(mine, theirs))
    return not older_reference.unexplained(
        [(call, _as_observation(mine), _as_observation(theirs))])


def _is_multi(outcome):
    return bool(outcome) and isinstance(outcome[0], list)

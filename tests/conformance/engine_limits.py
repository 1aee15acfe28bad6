"""The differences from Python 3.11 an engine documents, recognised one by
one in a transcript comparison.

An engine that cannot do something says so (its ``LIMITATIONS``); the
conformance tests run under it accept exactly those differences and fail on
any other.  Only the portable engine has any (docs/portable-engine.md):

* no sessions: ``session`` is None, setting one is refused, nothing resumes
  (so ``session.*`` scenarios and the resumed half of others differ
  throughout);
* ``shared_ciphers()`` and ``verify_client_post_handshake()`` raise
  NotImplementedError;
* certificate chain failures carry no ``verify_code``/``verify_message``;
* a TLS 1.3 host name mismatch sends no alert, so the peer's handshake stays
  pending where 3.11's fails, with what follows from that on the peer's side;
* of Python 3.11's context attributes (``context.*`` scenarios) it serves
  only ``sni_callback`` and TLS_CLIENT/TLS_SERVER contexts, whose TLS 1.2
  floor shows in ``options`` as OP_NO_TLSv1|OP_NO_TLSv1_1: the others raise
  NotImplementedError, and what a scenario observes after such a refusal
  follows from it (a version bound not set, no key log).
"""

import collections
import re

import sslbio

__all__ = ["declared", "unexplained"]

# What an engine's LIMITATIONS declare, as facts the comparisons act on (the
# conformance transcripts here, the fuzzers' differential in fuzz/known.py).
Limits = collections.namedtuple("Limits", [
    "resumes_sessions",  # False: no sessions, ``session`` reads None
    "refused_calls",  # methods that raise NotImplementedError
    "silent_tls13_hostname_failure",  # the peer of a TLS 1.3 mismatch waits
    "hostname_failure_reads_flight",  # the failing client's incoming differs
    "answers_after_unwrap_alert",  # see the engine's text
])


def declared(limitations):
    """The ``Limits`` that ``limitations`` (an engine's ``LIMITATIONS``, as
    ``sslbio.ENGINE_LIMITATIONS`` lists them) declare."""
    text = " ".join(limitations)
    return Limits(
        resumes_sessions="no session resumption" not in text,
        refused_calls=frozenset(re.findall(
            r"(\w+)\(\) raises NotImplementedError", text)),
        silent_tls13_hostname_failure="the peer gets no alert" in text,
        hostname_failure_reads_flight="fails the host name check has read "
        "the rest of the peer's flight" in text,
        answers_after_unwrap_alert="fatal alert received inside unwrap()"
        in text)


_ENGINE_LIMITS = declared(sslbio.ENGINE_LIMITATIONS)

_SESSION_SCENARIOS = re.compile(r"^(session\.|object\.channel_binding$)")
_PEER_LABEL = re.compile(r"(^|\W)server\b|^hs outcome$|^failing outcome$")


def _raises(outcome, cls=None):
    if not isinstance(outcome, dict) or "raises" not in outcome:
        return False
    return cls is None or outcome["raises"] == cls


def _chain_failure_without_code(mine, theirs):
    return (_raises(mine, "SSLCertVerificationError") and
            _raises(theirs, "SSLCertVerificationError") and
            mine.get("verify_code") is None and
            mine.get("reason") == theirs.get("reason"))


def _missing_alert(mine, theirs):
    return (_raises(mine, "SSLWantReadError") and _raises(theirs) and
            theirs.get("reason") == "SSLV3_ALERT_BAD_CERTIFICATE")


def _explained(label, mine, theirs, state):
    if "session" in label:
        return True
    if any(name in label for name in _ENGINE_LIMITS.refused_calls) \
            or label in ("client", "server"):
        return _raises(mine, "NotImplementedError")
    if _chain_failure_without_code(mine, theirs):
        return True
    if _missing_alert(mine, theirs):
        state["peer_pending"] = True
        return True
    # Once the peer missed the alert, its side of the story differs.
    return state.get("peer_pending", False) and bool(_PEER_LABEL.search(label))


def _floor_as_options(label, mine, theirs):
    # The TLS 1.2 floor of a TLS_CLIENT/TLS_SERVER context as options.
    if not label.endswith(" options") or "returns" not in mine:
        return False
    return mine["returns"] == {"str": theirs["returns"].replace(
        "OP_NO_SSLv3|", "OP_NO_SSLv3|OP_NO_TLSv1|OP_NO_TLSv1_1|").replace(
        ": 2186412112>", ": 2521956432>")}


def _context_explained(label, mine, theirs, state):
    # A refusal outside a recorded call ends the scenario ("!escaped").
    escaped = isinstance(mine, dict) and mine.get("label") == "!escaped"
    if _raises(mine, "NotImplementedError") or (
            escaped and _raises(mine["outcome"], "NotImplementedError")):
        state["refused"] = True
        return True
    if label == "HAS_NEVER_CHECK_COMMON_NAME":
        return mine == {"returns": False}
    return _floor_as_options(label, mine, theirs) or \
        state.get("refused", False) or _explained(label, mine, theirs, state)


def unexplained(engine, scenario, diffs):
    """The entries of ``compare.differences()`` output that ``engine``'s
    documented limitations do not explain."""
    if engine != "portable":
        return diffs
    if _SESSION_SCENARIOS.match(scenario):
        return []
    explained = _context_explained if scenario.startswith("context.") \
        else _explained
    state = {}
    return [(label, mine, theirs) for label, mine, theirs in diffs
            if not explained(label, mine, theirs, state)]

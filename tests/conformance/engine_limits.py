"""The differences from Python 3.11 an engine documents, recognised one by
one in a transcript comparison.

An engine that cannot do something says so, as data (its ``Limits``, see
``sslbio._engines.limits``); the conformance tests run under it accept
exactly those differences and fail on any other.  Only the portable engine
has any (docs/portable-engine.md):

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

import re

import sslbio
from sslbio._engines.limits import NO_LIMITS, Limits

__all__ = ["current", "declared", "unexplained"]


def current():
    """The ``Limits`` of the engine serving this interpreter (none on
    Python 3, where the standard library serves)."""
    if sslbio.ENGINE == "stdlib":
        return NO_LIMITS
    from sslbio import _engine
    return _engine.ENGINE_LIMITS


def declared(limits):
    """An engine's ``Limits``, given as the record or as its ``as_dict()``
    (which a child interpreter sends as JSON)."""
    if isinstance(limits, Limits):
        return limits
    return Limits.from_dict(limits) if limits else NO_LIMITS


_ENGINE_LIMITS = current()

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
    limits = _ENGINE_LIMITS
    if "session" in label and not limits.resumes_sessions:
        return True
    if any(name in label for name in limits.refused()) \
            or label in ("client", "server"):
        return _raises(mine, "NotImplementedError")
    if limits.chain_failure_without_verify_code and \
            _chain_failure_without_code(mine, theirs):
        return True
    if limits.hostname_checked_late and _missing_alert(mine, theirs):
        state["peer_pending"] = True
        return True
    # Once the peer missed the alert, its side of the story differs.
    return state.get("peer_pending", False) and bool(_PEER_LABEL.search(label))


def _floor_as_options(label, mine, theirs):
    # The TLS 1.2 floor of a TLS_CLIENT/TLS_SERVER context as options.
    if not _ENGINE_LIMITS.tls12_floor_as_options or \
            not label.endswith(" options") or "returns" not in mine:
        return False
    return mine["returns"] == {"str": theirs["returns"].replace(
        "OP_NO_SSLv3|", "OP_NO_SSLv3|OP_NO_TLSv1|OP_NO_TLSv1_1|").replace(
        ": 2186412112>", ": 2521956432>")}


def _context_explained(label, mine, theirs, state):
    unserved = _ENGINE_LIMITS.unserved_context_attributes
    # A refusal outside a recorded call ends the scenario ("!escaped").
    escaped = isinstance(mine, dict) and mine.get("label") == "!escaped"
    if unserved and (_raises(mine, "NotImplementedError") or (
            escaped and _raises(mine["outcome"], "NotImplementedError"))):
        state["refused"] = True
        return True
    if label == "HAS_NEVER_CHECK_COMMON_NAME" and \
            "hostname_checks_common_name" in unserved:
        return mine == {"returns": False}
    return _floor_as_options(label, mine, theirs) or \
        state.get("refused", False) or _explained(label, mine, theirs, state)


def unexplained(engine, scenario, diffs):
    """The entries of ``compare.differences()`` output that ``engine``'s
    declared limitations (this interpreter's engine's) do not explain."""
    if _ENGINE_LIMITS == NO_LIMITS:
        return diffs
    if _SESSION_SCENARIOS.match(scenario) and \
            not _ENGINE_LIMITS.resumes_sessions:
        return []
    explained = _context_explained if scenario.startswith("context.") \
        else _explained
    state = {}
    return [(label, mine, theirs) for label, mine, theirs in diffs
            if not explained(label, mine, theirs, state)]

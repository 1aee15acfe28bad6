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
  pending where 3.11's fails, with what follows from that on the peer's side.
"""

import re

__all__ = ["unexplained"]

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
    if "shared_ciphers" in label or "verify_client_post_handshake" in label \
            or label in ("client", "server"):
        return _raises(mine, "NotImplementedError")
    if _chain_failure_without_code(mine, theirs):
        return True
    if _missing_alert(mine, theirs):
        state["peer_pending"] = True
        return True
    # Once the peer missed the alert, its side of the story differs.
    return state.get("peer_pending", False) and bool(_PEER_LABEL.search(label))


def unexplained(engine, scenario, diffs):
    """The entries of ``compare.differences()`` output that ``engine``'s
    documented limitations do not explain."""
    if engine != "portable":
        return diffs
    if _SESSION_SCENARIOS.match(scenario):
        return []
    state = {}
    return [(label, mine, theirs) for label, mine, theirs in diffs
            if not _explained(label, mine, theirs, state)]

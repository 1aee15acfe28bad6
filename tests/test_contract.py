"""The contract between the fronts and the engines (``sslbio._contract``):
what docs/design.md lists is what the fronts declare, every engine that
serves this interpreter implements all of it with the fronts' docstrings
and exports one record (``_engines.Engine``) from which sslbio's names come,
and a class that leaves a declared method out is refused.  An engine's
limitations are data (``_engines.limits.Limits``), rendered to sentences.

The fronts and ``_contract`` are plain Python: the first and last tests run
on Python 3 as well.  The engines are checked in child interpreters, one per
engine forced, with a deadline.
"""

import json
import re

import pytest

from sslbio import _bio, _contract, _session, _sslobject
from sslbio._engines.limits import NO_LIMITS, Limits

from engine_cases.common import last_json, run_clean
from support import documents, engines

FRONTS = {"MemoryBIO": _bio.MemoryBIO, "SSLObject": _sslobject.SSLObject,
          "SSLSession": _session.SSLSession}


def documented_contract():
    """{front: sorted method names} from docs/design.md's table."""
    text = documents.section(documents.document("docs/design.md"),
                             "The engine contract")
    table = {}
    for line in text.splitlines():
        row = re.match(r"\| `(\w+)` \| (.*) \|\s*$", line)
        if row:
            table[row.group(1)] = sorted(re.findall(r"`(\w+)`", row.group(2)))
    return table


def test_design_doc_lists_what_the_fronts_declare():
    declared = dict((name, _contract.declared(front))
                    for name, front in FRONTS.items())
    assert documented_contract() == declared


def test_fronts_declare_the_engine_operations():
    # The connection's primitives (handshake, reads, writes, shutdown,
    # queries, sessions, channel binding, context) are all declared.
    for name in ("_handshake", "read", "_read_for_buffer", "write", "unwrap",
                 "pending", "getpeercert", "version", "_get_session",
                 "_set_session", "_tls_unique", "_get_context",
                 "_set_context", "verify_client_post_handshake"):
        assert name in _contract.declared(_sslobject.SSLObject), name


CHECK_ENGINE = """
    import json, sslbio
    from sslbio import _bio, _contract, _context_features, _engine, \\
        _session, _sslobject
    record = _engine.ENGINE_RECORD
    result = {"engine": sslbio.ENGINE, "record": [
        record.name, record.memory_bio is sslbio.MemoryBIO,
        record.sslobject is sslbio.SSLObject,
        record.session is sslbio.SSLSession,
        isinstance(record.context_backend, _context_features.ContextBackend),
        record.limits is _engine.ENGINE_LIMITS,
        record.limits.lines() == sslbio.ENGINE_LIMITATIONS]}
    for concrete, front in ((sslbio.MemoryBIO, _bio.MemoryBIO),
                            (sslbio.SSLObject, _sslobject.SSLObject),
                            (sslbio.SSLSession, _session.SSLSession)):
        result[front.__name__] = {
            "missing": _contract.unimplemented(concrete, front),
            "other docstrings": sorted(
                name for name in _contract.declared(front)
                if getattr(concrete, name).__doc__ !=
                getattr(front, name).__doc__)}
    print(json.dumps(result))
"""


@pytest.mark.parametrize("engine", [name for name in engines.serving()
                                    if name != engines.STDLIB] or
                         [pytest.param("none", marks=pytest.mark.skip(
                             reason="no sslbio engine serves Python 3"))])
def test_engine_implements_the_contract_with_the_fronts_docstrings(engine):
    result = last_json(run_clean(CHECK_ENGINE, env=engines.forced(engine),
                                 timeout=120))
    assert result.pop("engine") == engine
    assert result.pop("record") == [engine, True, True, True, True, True,
                                    True]
    for front in FRONTS:
        assert result[front] == {"missing": [], "other docstrings": []}, front


class _Incomplete(_sslobject.SSLObject):
    __slots__ = ()

    def read(self, len=1024, buffer=None):
        return b""


def test_class_leaving_a_declared_method_out_is_refused():
    front = _sslobject.SSLObject
    left_out = [name for name in _contract.declared(front) if name != "read"]
    assert _contract.unimplemented(_Incomplete, front) == left_out
    with pytest.raises(TypeError) as caught:
        _contract.complete(_Incomplete, front)
    assert ", ".join(left_out) in str(caught.value)


def test_limits_are_data_rendered_to_sentences():
    limits = Limits(resumes_sessions=False,
                    refused_calls=[("shared_ciphers", "on the server side")])
    # Through JSON (as a fuzz worker sends them) and back, unchanged.
    assert Limits.from_dict(json.loads(json.dumps(limits.as_dict()))) == \
        limits
    assert limits.refused() == frozenset(["shared_ciphers"])
    assert limits.lines() == [
        "no session resumption: SSLObject.session is None; setting a "
        "session or wrap_bio(session=...) raises NotImplementedError",
        "shared_ciphers() raises NotImplementedError on the server side"]
    assert NO_LIMITS.lines() == []
    with pytest.raises(TypeError):
        Limits(sessions=False)

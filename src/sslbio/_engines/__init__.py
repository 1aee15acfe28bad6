"""The engines that serve Python 3's in-memory TLS API on Python 2.7.

An engine is a module (or package) here that, when imported, either raises
``EngineUnavailable`` (any other exception means the same, with its text as
the reason) or defines ``NAME``, its concrete ``MemoryBIO``, ``SSLObject``
and ``SSLSession`` (subclasses of the fronts in ``sslbio._bio``,
``sslbio._sslobject`` and ``sslbio._session``), ``describe()`` and
``LIMITATIONS``.  ``sslbio._engine`` tries them in the order of ``NAMES``:
fastest first.
"""

__all__ = ["EngineUnavailable", "NAMES", "first_flight", "fulfil_contract"]

# The order in which the engines are tried when none is forced.
NAMES = ("ctypes", "pypy", "portable")


class EngineUnavailable(Exception):
    """This engine cannot serve this interpreter; the message says why."""


def fulfil_contract(memory_bio_class, sslobject_class, session_class):
    """Check an engine's concrete classes against what the fronts declare
    (``sslbio._contract``), giving their methods the fronts' docstrings;
    ``TypeError`` naming what a class leaves out."""
    from .. import _bio, _contract, _session, _sslobject
    for cls, front in ((memory_bio_class, _bio.MemoryBIO),
                       (sslobject_class, _sslobject.SSLObject),
                       (session_class, _session.SSLSession)):
        _contract.complete(cls, front)


def first_flight(memory_bio_class, sslobject_class):
    """An engine's self-test: build one client object and check that its
    first flight (a ClientHello) comes out of the outgoing ``MemoryBIO``.
    Returns its size; ``RuntimeError`` if it does not come."""
    import ssl
    context = ssl.SSLContext(ssl.PROTOCOL_SSLv23)
    incoming, outgoing = memory_bio_class(), memory_bio_class()
    obj = sslobject_class._create(incoming, outgoing, context=context)
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    hello = outgoing.read()
    if not hello.startswith(b"\x16\x03"):
        raise RuntimeError("self-test: no ClientHello in the outgoing BIO")
    return len(hello)

"""The engines that serve Python 3's in-memory TLS API on Python 2.7.

An engine is a module (or package) here that, when imported, either raises
``EngineUnavailable`` (any other exception means the same, with its text as
the reason) or exports one record, ``ENGINE``, that ``serve()`` made.
``sslbio._engine`` chooses one and builds on its record.
"""

import collections

__all__ = ["Engine", "EngineUnavailable", "NAMES", "first_flight",
           "fulfil_contract", "serve"]

# The order in which the engines are tried when none is forced.
NAMES = ("ctypes", "pypy", "portable")


class EngineUnavailable(Exception):
    """This engine cannot serve this interpreter; the message says why."""


class Engine(collections.namedtuple("Engine", [
        "name", "memory_bio", "sslobject", "session", "context_backend",
        "limits", "describe", "rand", "hello_size"])):
    """An engine's record: its concrete ``MemoryBIO``, ``SSLObject`` and
    ``SSLSession`` (subclasses of the fronts in ``sslbio._bio``,
    ``sslbio._sslobject`` and ``sslbio._session``), its
    ``_context_features.ContextBackend`` and ``Limits``; ``describe()``
    gives what the engine bound to and checked, ``[(what, what was found),
    ...]``, for ``python -m sslbio check``; ``rand`` is OpenSSL's random
    generator, ``rand(count, pseudo)``, or None; ``hello_size`` the size of
    the self-test's ClientHello."""

    __slots__ = ()

    def details(self):
        """``describe()`` and the self-test's result."""
        return self.describe() + [
            ("self-test", "a ClientHello (%d bytes) came out of the outgoing "
                          "MemoryBIO" % self.hello_size)]


def serve(name, identity, memory_bio, sslobject, session, context_backend,
          describe, limits=None, rand=None):
    """An engine's ``ENGINE`` record, once its classes are proved: they
    fulfil the contract, are marked for the other copies of sslbio in the
    process (``_shared.mark``, with ``identity``: the loaded OpenSSL and the
    private attributes the classes promise) and pass the self-test
    (``first_flight``).  ``limits`` are the ``Limits`` fields of what the
    engine cannot do, the context backend's added."""
    from .. import _shared
    from .._context_features import ContextBackend
    from .limits import Limits
    fulfil_contract(memory_bio, sslobject, session)
    if not isinstance(context_backend, ContextBackend):
        raise TypeError("%r is no ContextBackend" % (context_backend,))
    fields = dict(limits or {})
    fields.update(context_backend.context_limits())
    _shared.mark(identity, memory_bio, sslobject, session)
    hello_size = first_flight(memory_bio, sslobject)
    return Engine(name, memory_bio, sslobject, session, context_backend,
                  Limits(**fields), describe, rand, hello_size)


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

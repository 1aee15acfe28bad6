"""``SSLContext.wrap_bio()`` for 2.7 contexts, as Python 3.7+ has it, and
the ``SSLContext`` class that carries it with 3.11's context surface."""

import ssl

from ._shared import is_engine_class
from ._hostname import encode_hostname

__all__ = ["context_class"]

_CONTEXT_DOC = """``ssl.SSLContext`` with Python 3.11's context surface:
``wrap_bio()`` and ``sslobject_class``, and the attributes of
``_context_features`` (``PROTOCOL_TLS_CLIENT``, ``minimum_version``,
``sni_callback``, ``keylog_filename``, ...)."""


def context_class(own, surface):
    """A new ``SSLContext`` class whose ``wrap_bio()`` makes ``own`` (this
    copy's ``SSLObject``) by default and whose 3.11 attributes ``surface``
    (a ``_context_features.ContextSurface``) serves."""

    def wrap_bio(self, incoming, outgoing, server_side=False,
                 server_hostname=None, session=None):
        """Create an ``SSLObject`` over two ``MemoryBIO``\\ s (Python 3.7+).

        As on Python 3 the object is made by the context's
        ``sslobject_class`` when one was set (a subclass of any copy's
        ``SSLObject``, say).  Where that is some copy's ``SSLObject`` itself
        (put there by ``inject_into_ssl()`` or by that copy's
        ``SSLContext``), it is this copy's ``SSLObject`` that is made: each
        copy's ``wrap_bio()`` returns its own objects, whichever copy
        injected.  The host name is IDNA-encoded, checked inside the
        handshake when the context has ``check_hostname``, and sent as SNI
        unless it is an IP address.
        """
        cls = getattr(self, "sslobject_class", None)
        if cls is not own and (cls is None or is_engine_class(cls)):
            cls = own
        if server_hostname is not None:
            server_hostname = encode_hostname(server_hostname)
        return cls._create(incoming, outgoing, server_side, server_hostname,
                           session, self)

    namespace = dict(surface.attributes())
    namespace.update(
        __doc__=_CONTEXT_DOC, __module__=__name__,
        sslobject_class=own, wrap_bio=wrap_bio)
    return type("SSLContext", (ssl.SSLContext,), namespace)

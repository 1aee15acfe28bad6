"""``SSLContext.wrap_bio()`` for 2.7 contexts, as Python 3.7+ has it."""

from . import _context_features
from ._shared import is_engine_class
from ._hostname import encode_hostname

__all__ = ["SSLContext", "wrap_bio", "wrap_bio_method",
           "bind_sslobject_class"]

_default = {"sslobject_class": None}


def _stdlib_context_class():
    import ssl
    return ssl.SSLContext


_stdlib_context = _stdlib_context_class()


def bind_sslobject_class(cls):
    """Make ``cls`` the ``sslobject_class`` of ``SSLContext``."""
    _default["sslobject_class"] = cls
    SSLContext.sslobject_class = cls


def wrap_bio(context, incoming, outgoing, server_side=False,
             server_hostname=None, session=None):
    """Create an ``SSLObject`` for ``context`` over two ``MemoryBIO``\\ s.

    Python 3's ``SSLContext.wrap_bio()`` for any ``ssl.SSLContext``: the
    host name is IDNA-encoded, checked inside the handshake when the
    context has ``check_hostname``, and sent as SNI unless it is an IP
    address.
    """
    return wrap_bio_method(context, incoming, outgoing, server_side,
                           server_hostname, session)


def wrap_bio_method(self, incoming, outgoing, server_side=False,
                    server_hostname=None, session=None):
    """Create an ``SSLObject`` over two ``MemoryBIO``\\ s (Python 3.7+).

    As on Python 3 the object is made by the context's ``sslobject_class``
    when one was set (a subclass of any copy's ``SSLObject``, say).  Where
    that is some copy's ``SSLObject`` itself (put there by
    ``inject_into_ssl()`` or by that copy's ``SSLContext``), it is this
    copy's ``SSLObject`` that is made: each copy's ``wrap_bio()`` returns
    its own objects, whichever copy injected.
    """
    cls = getattr(self, "sslobject_class", None)
    own = _default["sslobject_class"]
    if cls is not own and (cls is None or is_engine_class(cls)):
        cls = own
    if server_hostname is not None:
        server_hostname = encode_hostname(server_hostname)
    return cls._create(incoming, outgoing, server_side, server_hostname,
                       session, self)


class SSLContext(_stdlib_context):
    """``ssl.SSLContext`` with Python 3.11's context surface: ``wrap_bio()``
    and ``sslobject_class``, and the attributes of ``_context_features``
    (``PROTOCOL_TLS_CLIENT``, ``minimum_version``, ``sni_callback``,
    ``keylog_filename``, ...)."""

    sslobject_class = None
    wrap_bio = wrap_bio_method


def bind_context_features(backend):
    """Serve the context attributes through the engine's ``backend``."""
    _context_features.bind_backend(backend)
    for name, value in _context_features.context_attributes():
        setattr(SSLContext, name, value)

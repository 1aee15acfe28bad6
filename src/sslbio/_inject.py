"""``inject_into_ssl()`` / ``extract_from_ssl()``: the API inside ``ssl``.

After injection, Python-3-style code that looks for ``ssl.MemoryBIO``,
``ssl.SSLObject``, ``ssl.SSLSession``, ``ssl.SSLCertVerificationError`` or
``ssl.SSLContext.wrap_bio`` finds sslbio's, ``ssl.SSLContext`` gains
Python 3.11's context surface (``PROTOCOL_TLS_CLIENT``, ``TLSVersion``,
``minimum_version``, ``sni_callback``, ``keylog_filename``, ... see
``_context_features``), and ``ssl.CertificateError`` is
``SSLCertVerificationError`` as in Python 3.7+ (a subclass of 2.7's own
``CertificateError``, so existing ``except`` clauses still match).

Several copies of sslbio in one process (an installed one, vendored ones)
inject as a stack, recorded in state they share (see ``_shared``): ``ssl``
shows the names of the most recent copy that is still injected, a copy's
``extract_from_ssl()`` takes out its own injection only, and once no copy
is injected ``ssl`` holds exactly what it held before the first one.  Each
copy's calls are idempotent.  Since every copy accepts the others'
``MemoryBIO`` and ``SSLSession`` objects and raises the one shared
``SSLCertVerificationError``, which copy ``ssl`` shows makes no difference
to code that uses it.

The one change outside ``ssl``: while a copy is injected, every urllib3
1.26 in the process builds its TLS-in-TLS layer with sslbio (see
``_urllib3`` for why).
"""

import ssl

from . import _engine, _shared, _urllib3

__all__ = ["inject_into_ssl", "extract_from_ssl"]

# Names this copy in the shared record: "sslbio", or the vendored package's
# full name ("yourproject._vendor.sslbio").
_COPY = __name__.rpartition(".")[0]


def _replacements():
    return [
        (ssl, "MemoryBIO", _engine.MemoryBIO),
        (ssl, "SSLObject", _engine.SSLObject),
        (ssl, "SSLSession", _engine.SSLSession),
        (ssl, "SSLCertVerificationError", _engine.SSLCertVerificationError),
        (ssl, "CertificateError", _engine.SSLCertVerificationError),
        (ssl.SSLContext, "wrap_bio", _engine.wrap_bio),
        (ssl.SSLContext, "sslobject_class", _engine.SSLObject),
        # Not in ssl: what urllib3 1.26 runs TLS in TLS with (see _urllib3).
        (_urllib3.ssl_holder(), "tls_in_tls", _urllib3.TLSInTLS),
    ] + [
        (ssl.SSLContext, name, value)
        for name, value in _engine.CONTEXT_SURFACE.attributes()
    ] + [
        (ssl, name, value) for name, value in
        _engine.CONTEXT_SURFACE.module_names() + _engine.RAND_NAMES
    ]


def inject_into_ssl():
    """Put sslbio's in-memory TLS API into the standard ``ssl`` module.

    Does nothing when this copy is injected already, and nothing when no
    engine can serve this interpreter: code that tests ``hasattr(ssl,
    "MemoryBIO")`` must then take its path for Pythons without the API.
    With several copies of sslbio in the process, ``ssl`` shows the one
    that injected last.
    """
    if _engine.ENGINE_RECORD is None:
        return
    shared = _shared.state()
    with shared["lock"]:
        layers = shared["layers"]
        if any(copy == _COPY for copy, _ in layers):
            return
        replacements = _replacements()
        saved = shared["saved"]
        for owner, name, _ in replacements:
            if (owner, name) not in saved:
                saved[(owner, name)] = (name in owner.__dict__,
                                        owner.__dict__.get(name))
        layers.append((_COPY, replacements))
        _show_top_layer(shared)
        _urllib3.follow_ssl_injection(True)


def extract_from_ssl():
    """Undo this copy's ``inject_into_ssl()``; does nothing when it was not
    injected.  ``ssl`` goes back to what it held before, or to the most
    recent other copy that is still injected."""
    shared = _shared.state()
    with shared["lock"]:
        layers = shared["layers"]
        remaining = [layer for layer in layers if layer[0] != _COPY]
        if len(remaining) == len(layers):
            return
        layers[:] = remaining
        _show_top_layer(shared)
        if not layers:
            shared["saved"].clear()
        _urllib3.follow_ssl_injection(False)


def _show_top_layer(shared):
    # Every name any copy replaced gets the top layer's value, or what ssl
    # held before; each is set once, so no reader sees a gap.
    layers = shared["layers"]
    top = {}
    for owner, name, value in (layers[-1][1] if layers else ()):
        top[(owner, name)] = (True, value)
    for (owner, name), before in shared["saved"].items():
        present, value = top.get((owner, name), before)
        if present:
            setattr(owner, name, value)
        elif name in owner.__dict__:
            delattr(owner, name)

"""HTTPS proxies for urllib3 1.26 on Python 2.7: ``inject_into_urllib3()``,
and urllib3 kept working under ``inject_into_ssl()``.

urllib3 1.26 reaches an HTTPS destination through an HTTPS proxy by TLS in
TLS: TLS to the proxy (2.7's own ``ssl.SSLSocket``), a CONNECT tunnel, and TLS
to the origin inside it, built by ``util.ssltransport.SSLTransport`` on
``SSLContext.wrap_bio()``.  On Python 2.7 that path is closed in two places,
and these are the only two patched, following urllib3's own
``contrib.pyopenssl.inject_into_urllib3()`` convention:

1. ``PoolManager._validate_proxy_scheme_url_selection`` refuses every HTTPS
   destination behind an HTTPS proxy when ``six.PY2``.  Its other branches
   only return, so the replacement accepts, as the method does on Python 3.
   (``ProxyManager.connection_from_url()``, which requests calls, never
   asks it.)
2. ``util.ssl_.SSLTransport``, the class ``ssl_wrap_socket(...,
   tls_in_tls=True)`` builds the inner layer with, checks for ``wrap_bio``
   on the context, and its ``sendall()`` and ``makefile()`` use
   Python-3-only calls.  It is replaced by a stand-in (``TLSInTLS``) that
   builds an ``sslbio.SSLSocket`` with the same context and host name
   instead, so both layers stay verified exactly as urllib3 configured them
   (urllib3 still checks host names itself on the certificate
   ``getpeercert()`` returns).  Like urllib3 on Python 3, it refuses a
   context that is not an ``ssl.SSLContext`` (``contrib.pyopenssl``'s)
   with urllib3's ``ProxySchemeUnsupported``.

``inject_into_ssl()`` gives ``ssl.SSLContext`` a ``wrap_bio()``, which
opens urllib3's own ``SSLTransport`` path on 2.7 (for requests, which skips
the check of 1.): that class would then fail inside ``sendall()``.  So
while any copy of sslbio is injected into ``ssl``, every urllib3 1.26 in
the process -- imported already, or later (an import hook) -- gets the
stand-in of 2. as well, and only that: the scheme check of 1. stays as it
is, a clear refusal.  ``util.ssl_.SSLTransport`` shows, in order: the
stand-in of the copy that called ``inject_into_urllib3()`` on that urllib3,
that of the copy whose names ``ssl`` shows, urllib3's own class.  When
neither injection remains, urllib3 holds exactly what it held before.

Everything else -- plain HTTPS, HTTP proxies, forwarding mode -- is untouched.
"""

import importlib
import sys

import _ssl

from . import _shared
from ._args import TEXT_TYPES
from ._sslsocket import wrap_socket

__all__ = ["inject_into_urllib3", "extract_from_urllib3", "TLSInTLS",
           "ssl_holder", "follow_ssl_injection"]

# Attributes on a urllib3 package, part of the contract between copies of
# sslbio: what inject_into_urllib3() replaced ({"validate": PoolManager's
# method, "stand_in": the injecting copy's TLSInTLS}), and urllib3's own
# util.ssl_.SSLTransport while a stand-in shows there.  Kept on the package
# itself, so each copy (urllib3, pip._vendor.urllib3, ...) is restored on
# its own.
_SAVED = "_sslbio_saved"
_ORIGINAL = "_sslbio_original_transport"
_SSL_UTIL = ".util.ssl_"
_MESSAGE = ("TLS in TLS requires SSLContext.wrap_bio() which isn't available "
            "on non-native SSLContext")


class TLSInTLS(object):
    """Stands in for urllib3's ``SSLTransport`` where urllib3 builds the TLS
    layer that runs inside the proxy's (one subclass per urllib3 package,
    carrying its ``ProxySchemeUnsupported``)."""

    _unsupported = None

    @classmethod
    def _validate_ssl_context_for_tls_in_tls(cls, ssl_context):
        """Refuse, as urllib3 does on Python 3, a context that cannot run
        TLS in TLS: sslbio runs it over any ``ssl.SSLContext``, with or
        without a ``wrap_bio`` method, and over nothing else."""
        if not isinstance(ssl_context, _ssl._SSLContext):
            raise cls._unsupported(_MESSAGE)

    def __new__(cls, socket, ssl_context, server_hostname=None,
                suppress_ragged_eofs=True):
        return wrap_socket(socket, ssl_context, server_hostname=server_hostname,
                           suppress_ragged_eofs=suppress_ragged_eofs)


def _serving(stand_in, urllib3):
    return type("SSLTransport", (stand_in,), {
        "__module__": stand_in.__module__,
        "_unsupported": _submodule(urllib3, ".exceptions").ProxySchemeUnsupported})


def _accept_https_proxy_for_https(self, url_scheme):
    """PoolManager's scheme check as on Python 3, where it refuses nothing:
    the Python 2 refusal is the only thing 1.26 checks here."""


def ssl_holder():
    """The object whose ``tls_in_tls`` is the stand-in of the copy whose
    names ``ssl`` shows (absent when none is injected): ``inject_into_ssl()``
    sets it like the names it puts in ``ssl``.  One for every copy."""
    return _shared.shared_class("urllib3 stand-in", lambda: type(
        "InjectedIntoSSL", (object,), {"__doc__": ssl_holder.__doc__}))


def _submodule(urllib3, suffix):
    # By its name: a package still being imported lacks the attribute.
    return sys.modules[urllib3.__name__ + suffix]


def _show(urllib3):
    """Put in ``util.ssl_.SSLTransport`` the class that applies now (see the
    module's docstring)."""
    ssl_util = _submodule(urllib3, _SSL_UTIL)
    explicit = urllib3.__dict__.get(_SAVED)
    stand_in = explicit["stand_in"] if explicit else \
        getattr(ssl_holder(), "tls_in_tls", None)
    if stand_in is None:
        if _ORIGINAL in urllib3.__dict__:
            ssl_util.SSLTransport = urllib3.__dict__[_ORIGINAL]
            delattr(urllib3, _ORIGINAL)
        return
    if _ORIGINAL not in urllib3.__dict__:
        setattr(urllib3, _ORIGINAL, ssl_util.SSLTransport)
    ssl_util.SSLTransport = _serving(stand_in, urllib3)


def _is_126(urllib3):
    return getattr(urllib3, "__version__", "").startswith("1.26.")


def _loaded_packages():
    """Every urllib3 1.26 whose ``util.ssl_`` is imported, once each (a
    package may be in ``sys.modules`` under several names)."""
    found = {}
    for name, module in list(sys.modules.items()):
        if module is None or not name.endswith(_SSL_UTIL):
            continue
        package = sys.modules.get(name[:-len(_SSL_UTIL)])
        if package is not None and _is_126(package) and \
                package.__name__ + _SSL_UTIL in sys.modules:
            found[id(package)] = package
    return list(found.values())


class _ImportWatch(object):
    """An import hook (PEP 302, ``sys.meta_path``) that finds nothing
    itself: when the ``util.ssl_`` of a package named ``urllib3`` is
    imported, it lets the import run, then shows the stand-in there."""

    def __init__(self):
        self._importing = set()

    def find_module(self, fullname, path=None):
        if fullname.endswith(_SSL_UTIL) and fullname not in self._importing \
                and fullname[:-len(_SSL_UTIL)].rpartition(".")[2] == "urllib3":
            return self
        return None

    def load_module(self, fullname):
        self._importing.add(fullname)
        try:
            module = importlib.import_module(fullname)
        finally:
            self._importing.discard(fullname)
        package = sys.modules.get(fullname[:-len(_SSL_UTIL)])
        if package is not None and _is_126(package):
            _show(package)
        return module


# This copy's hook, in sys.meta_path while this copy is injected into ssl.
_watch = _ImportWatch()


def follow_ssl_injection(injected):
    """Called by this copy's ``inject_into_ssl()`` (``injected`` True) and
    ``extract_from_ssl()`` (False) once ``ssl_holder()`` shows the new
    state: install or remove this copy's import hook and show it in every
    urllib3 1.26 loaded."""
    if injected and _watch not in sys.meta_path:
        sys.meta_path.insert(0, _watch)
    elif not injected and _watch in sys.meta_path:
        sys.meta_path.remove(_watch)
    for urllib3 in _loaded_packages():
        _show(urllib3)


def _package(module):
    if module is None:
        module = "urllib3"
    if isinstance(module, TEXT_TYPES):
        module = importlib.import_module(module)
    # The submodules, imported by name so a vendored copy gets its own.
    for name in ("poolmanager", "util.ssl_", "exceptions"):
        importlib.import_module(module.__name__ + "." + name)
    return module


def inject_into_urllib3(module=None):
    """Let urllib3 1.26 (``module``: the ``urllib3`` package, the default, or
    a vendored copy such as ``pip._vendor.urllib3``, given as a module or its
    name) reach HTTPS destinations through HTTPS proxies on Python 2.7.

    Idempotent; ``extract_from_urllib3()`` undoes it.  Nothing to do on
    Python 3, where urllib3 already does this itself.
    """
    if sys.version_info[0] >= 3:
        return
    urllib3 = _package(module)
    if urllib3.__dict__.get(_SAVED) is not None:
        return
    if not _is_126(urllib3):
        raise ValueError("sslbio.inject_into_urllib3() supports urllib3 1.26, "
                         "not %s %s" % (urllib3.__name__, getattr(
                             urllib3, "__version__", "") or "(unknown)"))
    pool_manager = urllib3.poolmanager.PoolManager
    setattr(urllib3, _SAVED, {
        "validate": pool_manager.__dict__["_validate_proxy_scheme_url_selection"],
        "stand_in": TLSInTLS,
    })
    pool_manager._validate_proxy_scheme_url_selection = _accept_https_proxy_for_https
    _show(urllib3)


def extract_from_urllib3(module=None):
    """Undo ``inject_into_urllib3(module)``; nothing to undo is no error."""
    if sys.version_info[0] >= 3:
        return
    urllib3 = _package(module)
    saved = urllib3.__dict__.get(_SAVED)
    if saved is None:
        return
    urllib3.poolmanager.PoolManager._validate_proxy_scheme_url_selection = \
        saved["validate"]
    delattr(urllib3, _SAVED)
    _show(urllib3)

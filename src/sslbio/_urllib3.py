"""HTTPS proxies for urllib3 1.26 on Python 2.7: ``inject_into_urllib3()``.

urllib3 1.26 reaches an HTTPS destination through an HTTPS proxy by TLS in
TLS: TLS to the proxy (2.7's own ``ssl.SSLSocket``), a CONNECT tunnel, and TLS
to the origin inside it, built by ``util.ssltransport.SSLTransport`` on
``SSLContext.wrap_bio()``.  On Python 2.7 that path is closed in two places,
and these are the only two patched, following urllib3's own
``contrib.pyopenssl.inject_into_urllib3()`` convention:

1. ``PoolManager._validate_proxy_scheme_url_selection`` refuses every HTTPS
   destination behind an HTTPS proxy when ``six.PY2``.  Its other branches
   only return, so the replacement accepts, as the method does on Python 3.
2. ``util.ssl_.SSLTransport``, the class ``ssl_wrap_socket(...,
   tls_in_tls=True)`` builds the inner layer with, needs ``wrap_bio`` on the
   context, and its ``sendall()`` and ``makefile()`` use Python-3-only
   calls.  It is replaced by a stand-in that builds an ``sslbio.SSLSocket``
   with the same context and host name instead, so both layers stay
   verified exactly as urllib3 configured them (urllib3 still checks host
   names itself on the certificate ``getpeercert()`` returns).

Everything else -- plain HTTPS, HTTP proxies, forwarding mode -- is untouched.
"""

import importlib
import sys

from ._sslsocket import wrap_socket

__all__ = ["inject_into_urllib3", "extract_from_urllib3"]

# The attribute on the urllib3 package that holds what was replaced: kept on
# the patched package itself, so each copy (urllib3, pip._vendor.urllib3...)
# is restored on its own, and injecting twice replaces nothing twice.
_SAVED = "_sslbio_saved"


class _TLSInTLS(object):
    """Stands in for urllib3's ``SSLTransport`` where urllib3 builds the TLS
    layer that runs inside the proxy's."""

    @staticmethod
    def _validate_ssl_context_for_tls_in_tls(ssl_context):
        """Accept any context: sslbio runs TLS over any ``ssl.SSLContext``,
        with or without a ``wrap_bio`` method."""

    def __new__(cls, socket, ssl_context, server_hostname=None,
                suppress_ragged_eofs=True):
        return wrap_socket(socket, ssl_context, server_hostname=server_hostname,
                           suppress_ragged_eofs=suppress_ragged_eofs)


def _accept_https_proxy_for_https(self, url_scheme):
    """PoolManager's scheme check as on Python 3, where it refuses nothing:
    the Python 2 refusal is the only thing 1.26 checks here."""


def _package(module):
    if module is None:
        module = "urllib3"
    if isinstance(module, (str, type(u""))):
        module = importlib.import_module(module)
    # The submodules, imported by name so a vendored copy gets its own.
    for name in ("poolmanager", "util.ssl_"):
        importlib.import_module(module.__name__ + "." + name)
    return module


def _supported(urllib3):
    version = getattr(urllib3, "__version__", "")
    if not version.startswith("1.26."):
        raise ValueError("sslbio.inject_into_urllib3() supports urllib3 1.26, "
                         "not %s %s" % (urllib3.__name__, version or "(unknown)"))


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
    if getattr(urllib3, _SAVED, None) is not None:
        return
    _supported(urllib3)
    pool_manager = urllib3.poolmanager.PoolManager
    ssl_util = urllib3.util.ssl_
    saved = {
        "validate": pool_manager.__dict__["_validate_proxy_scheme_url_selection"],
        "transport": ssl_util.SSLTransport,
    }
    pool_manager._validate_proxy_scheme_url_selection = _accept_https_proxy_for_https
    ssl_util.SSLTransport = _TLSInTLS
    setattr(urllib3, _SAVED, saved)


def extract_from_urllib3(module=None):
    """Undo ``inject_into_urllib3(module)``; nothing to undo is no error."""
    if sys.version_info[0] >= 3:
        return
    urllib3 = _package(module)
    saved = getattr(urllib3, _SAVED, None)
    if saved is None:
        return
    urllib3.poolmanager.PoolManager._validate_proxy_scheme_url_selection = \
        saved["validate"]
    urllib3.util.ssl_.SSLTransport = saved["transport"]
    setattr(urllib3, _SAVED, None)

"""``python -m sslbio pip ARGS``: pip, with HTTPS proxies that work on 2.7.

pip has no plugin hook, so this launcher runs pip's own entry point after
``inject_into_urllib3("pip._vendor.urllib3")``: ``--proxy https://...`` (or
``https_proxy``) then reaches HTTPS indexes through the proxy with TLS inside
TLS, both layers verified as pip configures them (``--cert`` for both).

One more difference from plain pip, on every Python: pip's ``--cert`` (or
``PIP_CERT``, or ``cert`` in its configuration) wins over
``REQUESTS_CA_BUNDLE`` and ``CURL_CA_BUNDLE``.  pip puts the bundle on its
requests ``Session`` (``verify``), and requests takes those variables for
every request that passes no ``verify`` of its own -- pip's never do -- so
plain pip silently verifies with the variable's bundle instead, and a proxy
or index that only ``--cert`` trusts fails as "no matching distribution".
Without ``--cert`` the variables apply as before.  Everything else is pip
unchanged.
"""

import importlib

from ._urllib3 import inject_into_urllib3

# Where pip defines its requests Session subclass: 19.3 and later, then
# pip 10 to 19.2.
_SESSION_MODULES = ("pip._internal.network.session", "pip._internal.download")


def main(argv, out=None):
    """Run pip with ``argv``; returns pip's exit status."""
    inject_into_urllib3("pip._vendor.urllib3")
    _let_cert_win()
    try:
        from pip._internal.cli.main import main as pip_main  # pip 19.3 and later
    except ImportError:
        from pip._internal import main as pip_main  # pip 10 to 19.2
    return pip_main(list(argv))


def _let_cert_win():
    for name in _SESSION_MODULES:
        try:
            session_class = importlib.import_module(name).PipSession
        except (ImportError, AttributeError):
            continue
        merge = session_class.merge_environment_settings

        def merge_environment_settings(self, url, proxies, stream, verify,
                                       cert):
            # The session's own bundle (pip's --cert) counts as this
            # request's: requests then leaves the environment's aside.
            if verify is None and not isinstance(self.verify, bool):
                verify = self.verify
            return merge(self, url, proxies, stream, verify, cert)

        session_class.merge_environment_settings = merge_environment_settings
        return

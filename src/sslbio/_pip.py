"""``python -m sslbio pip ARGS``: pip, with HTTPS proxies that work on 2.7.

pip has no plugin hook, so this launcher runs pip's own entry point after
``inject_into_urllib3("pip._vendor.urllib3")``: ``--proxy https://...`` (or
``https_proxy``) then reaches HTTPS indexes through the proxy with TLS inside
TLS, both layers verified as pip configures them (``--cert`` for both).
Everything else is pip unchanged.  On Python 3 it is plain pip.
"""

from ._urllib3 import inject_into_urllib3


def main(argv, out=None):
    """Run pip with ``argv``; returns pip's exit status."""
    inject_into_urllib3("pip._vendor.urllib3")
    try:
        from pip._internal.cli.main import main as pip_main  # pip 19.3 and later
    except ImportError:
        from pip._internal import main as pip_main  # pip 10 to 19.2
    return pip_main(list(argv))

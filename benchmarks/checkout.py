"""Where things are: the checkout the bench runs from, the sslbio it
measures, and where it writes.

The bench runs from a source checkout (``python3 -m benchmarks`` in its
root) and measures that checkout's ``src/sslbio`` unless told otherwise
(``--sslbio-src``).  Its output -- results and the virtual environments it
makes, a few hundred MB -- goes outside the working tree, to
``$SSLBIO_BENCH_DIR``, else ``${XDG_CACHE_HOME:-~/.cache}/sslbio-bench``.
Python 2.7 and 3 compatible.
"""

import os

__all__ = ["ROOT", "SSLBIO_SRC", "output_base", "worker_path"]

# The repository root: the directory holding this package.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The directory whose ``sslbio`` package is measured by default.
SSLBIO_SRC = os.path.join(ROOT, "src")


def output_base(environ=None):
    """The directory the bench writes under by default."""
    environ = os.environ if environ is None else environ
    if environ.get("SSLBIO_BENCH_DIR"):
        return environ["SSLBIO_BENCH_DIR"]
    cache = environ.get("XDG_CACHE_HOME") or os.path.join(
        os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "sslbio-bench")


def worker_path(sslbio_src, bench_root=ROOT):
    """PYTHONPATH for a process that imports ``sslbio`` from ``sslbio_src``
    and this package from ``bench_root``: the measured sslbio comes first."""
    return os.pathsep.join([sslbio_src, bench_root])

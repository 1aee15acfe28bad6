"""sslbio's benchmark suite, run from a source checkout: ``python3 -m
benchmarks`` in the repository root (README.md in this directory explains
every metric and option).  It is not part of the installed package.

``main(argv)`` runs it and returns an exit status; ``cli.py`` documents the
steps and options.  The modules, one job each:

``certs``        certificates made with the openssl CLI at bench time
``drivers``      the APIs under test (Python 3's ssl API, pyOpenSSL)   [2.7 + 3]
``workloads``    what one round of each measurement does              [2.7 + 3]
``worker``       the process that runs workloads on one interpreter   [2.7 + 3]
``contenders``   interpreter discovery, the bench's own environments
``chroot``       contenders run in the project's Debian chroot (PyPy)
``limit``        ``openssl speed``: the AEAD limit
``metrics``      the catalogue: measurements, rows, units
``runner``       worker processes, interleaved rounds, statistics
``machine``      where the figures came from
``report``       text tables and results.json
``chart``        chart.png, run in a matplotlib environment (Python 3)
``instructions`` valgrind instruction counts per operation, 2.7 vs 3.11:
                 ``python3 -m benchmarks.instructions``              [2.7 + 3]

Modules import each other relatively and sslbio by its name: the bench puts
the sslbio it measures (by default this checkout's ``src``) on the workers'
path.
"""


def main(argv=None, out=None):
    """Run the bench with ``argv`` (default ``sys.argv[1:]``)."""
    from .cli import main as run
    return run(argv, out)

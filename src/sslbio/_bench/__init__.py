"""The benchmark suite behind ``python -m sslbio bench`` (issue 3).

``main(argv)`` runs it and returns an exit status; ``cli.py`` documents the
steps and options.  The modules, one job each:

``certs``        certificates made with the openssl CLI at bench time
``drivers``      the APIs under test (Python 3's ssl API, pyOpenSSL)   [2.7 + 3]
``workloads``    what one round of each measurement does              [2.7 + 3]
``worker``       the process that runs workloads on one interpreter   [2.7 + 3]
``contenders``   interpreter discovery, the bench's own environments
``limit``        ``openssl speed``: the AEAD limit
``metrics``      the catalogue: measurements, rows, units, targets
``runner``       worker processes, interleaved rounds, statistics
``machine``      where the figures came from
``report``       text tables and results.json
``chart``        chart.png, run in a matplotlib environment (Python 3)
``instructions`` valgrind instruction counts per operation, 2.7 vs 3.11:
                 ``python -m sslbio._bench.instructions``        [2.7 + 3]

Only relative imports, like the rest of the package.
"""


def main(argv=None, out=None):
    """Run the bench; ``argv`` are the arguments after ``bench``."""
    # Imported on use: ``import sslbio`` never pays for the bench.
    from .cli import main as run
    return run(argv, out)

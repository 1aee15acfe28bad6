"""Concurrency: eight threads with their own connections, and connections
handed from thread to thread (tests/reliability/threadcheck.py).

Each run is a subprocess with a deadline: a crash, a deadlock (a thread
still running at the deadline; the script prints every stack) or a single
byte arriving other than as sent fails the test.  What is and is not safe
across threads is written down in docs/threads.md.

On Python 3 the same script runs against the standard library: the
reference behaviour, and a check of the script itself.
"""

import pytest

from reliability import run_script

THREADS = 8
CONNECTIONS = 4          # per thread, one after another
SIZE = 1024 * 1024       # each way, per connection
HANDOFFS = 128
DEADLINE = 300           # seconds; a healthy run takes a few


@pytest.mark.parametrize("switch", ["default", "stress"])
def test_threads_with_own_connections_and_handoffs(switch):
    result = run_script("threadcheck.py", [
        "--threads", THREADS, "--connections", CONNECTIONS,
        "--size", SIZE, "--handoffs", HANDOFFS, "--switch", switch,
        "--timeout", DEADLINE - 30], timeout=DEADLINE)
    assert not result.timed_out, result.describe()
    assert result.returncode != 3, "deadlock or hang:\n" + result.describe()
    result.check_clean()
    report = result.json()
    assert report["counts"]["own connections"] == THREADS * CONNECTIONS
    assert report["counts"]["own bytes verified"] == \
        THREADS * CONNECTIONS * 2 * SIZE
    assert report["counts"]["handed-off connections"] == HANDOFFS
    assert report["sni_calls"] > 0

"""valgrind memcheck over the core scenarios (bounded version of
``scripts/valgrind-check``; run that for the full set).

Skipped unless this is CPython 2.7 with sslbio's ctypes engine and valgrind
is installed (Debian: ``valgrind`` and ``libc6-dbg``).
"""

import sys

import pytest

from engine_cases.common import ON_CTYPES_ENGINE
from support import which

pytestmark = [
    pytest.mark.long,
    pytest.mark.skipif(not ON_CTYPES_ENGINE, reason="memcheck checks sslbio's ctypes "
                       "engine, which only runs on CPython 2.7"),
    pytest.mark.skipif(which("valgrind") is None,
                       reason="valgrind is not installed"),
]

from valgrind import vgcheck  # noqa: E402


def test_core_scenarios_have_no_memory_errors_in_sslbio_paths():
    report = vgcheck.run(sys.executable, quick=True)
    assert report["status"] != 2, report.get("problem")
    assert report["errors_in_sslbio_paths"] == 0, "\n\n".join(
        report["relevant"])
    assert report["status"] == 0
    assert set(report["scenarios"]) >= set([
        "handshakes", "data", "unwrap_both_orders", "errors", "sessions",
        "sni", "deletion_orders_sample", "copies_and_cycles", "threads"])


def test_the_checker_reports_an_invalid_read():
    """The control: a read of freed memory through ctypes is found, its
    stack is placed in sslbio's paths, and the run fails."""
    report = vgcheck.run(sys.executable, names=["_selftest_invalid_read"])
    assert report["status"] == 1, report
    assert report["errors_by_kind"].get("InvalidRead", 0) >= 1
    assert report["errors_in_sslbio_paths"] >= 1

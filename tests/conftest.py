"""Fixtures and options shared by every test module.

pytest puts ``tests/`` on ``sys.path`` (the directory has no
``__init__.py``), so ``support``, ``engine_cases``, ``conformance``,
``reliability``, ``fuzz`` and ``valgrind`` import as top-level packages,
here and in the child interpreters the tests start (``support.subproc``
gives them the same path).
"""

import pytest

from support import interpreters


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "long: a long-running suite (fuzzing at scale, valgrind, "
        "100,000-cycle leak checks); `-m 'not long'` leaves them out")
    config.addinivalue_line(
        "markers", "fuzz: the fuzzers' campaigns, sized by SSLBIO_FUZZ_SCALE: "
        "long at full size, run smaller in the other engines' rows "
        "(`-m 'not long or fuzz'`)")


@pytest.fixture(scope="session")
def reference_python():
    """Path of the reference Python 3 (``SSLBIO_REFERENCE_PYTHONS``), or
    the test is skipped."""
    python = interpreters.reference_python()
    if python is None:
        pytest.skip(interpreters.NO_REFERENCE)
    return python

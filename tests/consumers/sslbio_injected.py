"""pytest plugin for the consumer suites' injected run (``-p
sslbio_injected``): both injections, made when pytest loads its plugins,
before any conftest or test module imports ``ssl``, urllib3 or requests."""

import ssl

import sslbio

sslbio.inject_into_ssl()
sslbio.inject_into_urllib3()
assert ssl.MemoryBIO is sslbio.MemoryBIO, sslbio.UNAVAILABLE_REASON

# run.py looks for this line in the run's output.
HEADER = "sslbio: injected into ssl and urllib3 (%s engine)" % sslbio.ENGINE


def pytest_report_header(config):
    return HEADER

"""Several copies of sslbio in one process: the one under test (installed,
or the checkout's src) and a copy vendored as ``yourproject._vendor.sslbio``.

Each case is a fresh interpreter with a deadline (``engine_cases/copies.py``
does the work): the copies are imported in one order or the other, or one
while the other is injected; then every order of inject and extract runs,
and after each step ``ssl`` must show the expected copy (or exactly its own
names) and each copy must complete handshakes and exchange data, with its
own objects, the other copy's BIOs and sessions, the injected names and a
user's ``sslobject_class``.
"""

import os
import sys

import pytest

from engine_cases import copies
from engine_cases.common import ON_ENGINE, SRC
from support import subproc
from support.vendoring import vendor_copy

pytestmark = pytest.mark.skipif(
    not ON_ENGINE, reason="one copy is the standard library on Python 3")


@pytest.fixture(scope="module")
def vendored(tmpdir_factory):
    """(directory to put on sys.path, the vendored copy's package name)."""
    root = tmpdir_factory.mktemp("copies")
    return str(root), vendor_copy(root, "yourproject")


@pytest.mark.parametrize("opening", sorted(copies.OPENINGS))
def test_two_copies_coexist_in_every_order(vendored, opening):
    root, package = vendored
    script = os.path.splitext(os.path.abspath(copies.__file__))[0] + ".py"
    result = subproc.run(
        [sys.executable, script, package, opening], timeout=240,
        env=subproc.child_env(SRC, path=[root])).check_clean()
    report = result.json()
    assert report["orders"] == 25
    assert report["steps"] > 100


def test_objects_of_an_incompatible_copy_are_foreign_types():
    """A copy whose private attributes mean something else (another
    interop version) is refused as 3.11 refuses any non-MemoryBIO and
    non-SSLSession."""
    import sslbio
    from sslbio import _shared
    from engine_cases.common import client_context

    version, _, library = sslbio.MemoryBIO._sslbio_interop

    class MemoryBIO(object):
        _sslbio_interop = (version + 1, "MemoryBIO", library)

    class SSLSession(object):
        _sslbio_interop = (version + 1, "SSLSession", library)

    assert not _shared.is_counterpart(MemoryBIO(), sslbio.MemoryBIO)
    context = client_context()
    with pytest.raises(TypeError) as info:
        sslbio.wrap_bio(context, MemoryBIO(), sslbio.MemoryBIO())
    assert str(info.value) == ("_wrap_bio() argument 'incoming' must be "
                               "_ssl.MemoryBIO, not MemoryBIO")
    with pytest.raises(TypeError) as info:
        sslbio.wrap_bio(context, sslbio.MemoryBIO(), sslbio.MemoryBIO(),
                        server_hostname="localhost", session=SSLSession())
    assert str(info.value) == "Value is not a SSLSession."

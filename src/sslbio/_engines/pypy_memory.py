"""The OpenSSL memory behind the pypy engine's objects, told to PyPy's
garbage collector.

PyPy's collector sees a cdata as the few words it takes itself.  An ``SSL*``
holds 10-25 KiB of OpenSSL's memory, so dropped connections used to pile up
by the thousand before a major collection ran their destructors: 790 MB over
20,000 connections.  Each object the engine owns now says what it holds:

* ``ffi.gc(cdata, free, size)`` adds ``size`` to the pressure that brings
  PyPy's next major collection closer, and memory that grows later (a
  memory BIO keeps the largest buffer it has held; the engine notes the
  largest write a program gives it) is added with
  ``__pypy__.add_memory_pressure``;
* PyPy starts a major collection once what was allocated since the last one
  exceeds 0.82 of what survived it, but never before 8 nursery sizes, and
  it sizes its nursery from the cache size the processor reports: half of
  it.  Where that report is large (a virtual machine announcing a 480 MB
  cache gets a 240 MB nursery) that floor lets 1.9 GB of dropped
  connections pile up.  So ``Held`` also counts the memory the engine's
  live objects hold (declared at creation, given back by their
  destructors) and, once it has grown by more than PyPy's own rule allows
  for this memory alone (0.82 of what was held after the last collection,
  and of the collector's heap, at least 32 MiB), runs a collection itself.
  Where the nursery is small PyPy's collections come first and this one
  never runs.

Sizes measured with glibc's ``mallinfo`` on OpenSSL 1.1.1w (what freeing
one object gives back): an ``SSL*`` 9-10 KiB when new, 9-10 KiB for an
established server and up to 25 KiB for a TLS 1.3 client holding the
server's tickets; a peer certificate 3.5-4 KiB; a session copy about
6 KiB; a memory BIO 340 bytes plus its buffer.
"""

import gc

import __pypy__

__all__ = ["Held", "SSL_HELD", "PEER_CERT_HELD", "SESSION_HELD", "BIO_HELD",
           "add_memory_pressure"]

SSL_HELD = 16384
PEER_CERT_HELD = 4096
SESSION_HELD = 6144
BIO_HELD = 512

add_memory_pressure = __pypy__.add_memory_pressure

# Growth of the held memory that always waits for PyPy's own collections,
# and the share of what survived a collection that may be allocated again
# before the next one (PyPy's PYPY_GC_MAJOR_COLLECT, 1.82, less one).
_FLOOR = 32 << 20
_GROWTH = 0.82


def _gc_heap():
    """The bytes PyPy's collector holds outside its nursery, or 0 where
    this PyPy does not say."""
    stats = getattr(gc, "_get_stats", None)
    if stats is None:
        return 0
    found = stats()
    return found.total_arena_memory + found.total_rawmalloced_memory


class Held(object):
    """The OpenSSL memory the engine's live objects hold (``held``) and
    the level at which the engine collects (``limit``)."""

    def __init__(self):
        self.held = 0
        self.limit = _FLOOR

    def owned(self, ffi, cdata, free, size):
        """``cdata`` (a pointer to an OpenSSL object holding about
        ``size`` bytes) freed with ``free`` once unreachable, told to PyPy
        and counted here; ``free`` is one of ``destructor()``'s."""
        self.held += size
        if self.held > self.limit:
            self._collect()
        return ffi.gc(cdata, free, size)

    def destructor(self, free, size):
        """The destructor of objects ``owned(..., size)``: ``free`` and the
        count given back.  Made once per kind of object."""
        def destroy(cdata):
            free(cdata)
            self.held -= size
        return destroy

    def _collect(self):
        # The destructors of what was dropped run in this collection (a
        # race between threads may leave the count a little off; the next
        # limit starts from it, so no error accumulates).
        gc.collect()
        survived = max(self.held, _gc_heap())
        self.limit = self.held + max(_FLOOR, int(survived * _GROWTH))

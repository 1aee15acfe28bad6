"""What a process holds: resident memory, open descriptors, live objects.

Linux only (``/proc/self``); callers skip elsewhere.  RSS is read from
``/proc/self/statm`` rather than ``resource.getrusage``, which only reports
the peak and so can never show memory coming back.
"""

import ctypes
import ctypes.util
import gc
import os

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def available():
    return os.path.isfile("/proc/self/statm") and \
        os.path.isdir("/proc/self/fd")


def _load_malloc_trim():
    # glibc keeps freed memory in its arenas; malloc_trim(0) hands what it
    # can back to the system, so RSS follows live memory instead of the
    # allocator's high-water mark.  Leaked blocks stay live and still count.
    name = ctypes.util.find_library("c")
    if not name:
        return None
    try:
        trim = ctypes.CDLL(name).malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_malloc_trim = _load_malloc_trim()


def rss_kib():
    """Resident set size of this process, in KiB."""
    with open("/proc/self/statm") as f:
        resident_pages = int(f.read().split()[1])
    return resident_pages * _PAGE // 1024


def open_fds():
    """Number of open file descriptors (the listing's own is not counted:
    it is closed by the time the count is returned, but listed)."""
    return len(os.listdir("/proc/self/fd")) - 1


def settle(trim=True):
    """Collect garbage (all generations) and, with glibc, trim the heap, so
    that a sample measures what is still referenced."""
    gc.collect()
    if trim and _malloc_trim is not None:
        _malloc_trim(0)


def snapshot(trim=True, collect=True):
    """``{"rss_kib", "fds", "objects"}`` after ``settle()``; with
    ``collect`` False as the process stands, without settling (and without
    counting objects, which would walk the whole heap): ``{"rss_kib",
    "fds"}``."""
    if not collect:
        return {"rss_kib": rss_kib(), "fds": open_fds()}
    settle(trim)
    return {"rss_kib": rss_kib(), "fds": open_fds(),
            "objects": len(gc.get_objects())}


def can_trim():
    return _malloc_trim is not None

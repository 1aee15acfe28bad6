"""Watch OpenSSL free the BIOs behind MemoryBIO objects.

A BIO callback is called with ``BIO_CB_FREE`` exactly when ``BIO_free``
drops the last reference and really frees the BIO, so a test can assert
that each BIO is freed once, and only after its last owner (the MemoryBIO
and every SSL* using it) has gone: a missing reference shows up as a
premature free, an extra one as a leak, both without relying on a crash.
OpenSSL 1.1.1 and later set it with ``BIO_set_callback_ex``; 1.0.2's
``BIO_set_callback`` is a macro that stores the older kind of callback in
the public ``struct bio_st`` (the layout sslbio's binding describes).
"""

import ctypes

from engine_cases.real_library import symbol_table
from sslbio._engines.ctypes.binding import _Bio102

BIO_CB_FREE = 0x01
BIO_CB_RETURN = 0x80

# long (*)(BIO *b, int oper, const char *argp, size_t len, int argi,
#          long argl, int ret, size_t *processed); argp as a plain pointer:
# for reads and writes it is data, not a NUL-terminated string.
CALLBACK = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.c_int,
                            ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int,
                            ctypes.c_long, ctypes.c_int, ctypes.c_void_p)
# 1.0.2's: long (*)(BIO *b, int oper, const char *argp, int argi, long argl,
#                   long ret).
CALLBACK_102 = ctypes.CFUNCTYPE(ctypes.c_long, ctypes.c_void_p, ctypes.c_int,
                                ctypes.c_void_p, ctypes.c_int, ctypes.c_long,
                                ctypes.c_long)


class FreeTracker(object):

    def __init__(self):
        self.freed = []
        try:
            setter = symbol_table().lookup("BIO_set_callback_ex")
        except KeyError:  # 1.0.2
            self._set = self._set_field_102
            self._callback = CALLBACK_102(self._on_event_102)
            return
        setter.restype = None
        setter.argtypes = [ctypes.c_void_p, CALLBACK]
        self._set = setter
        self._callback = CALLBACK(self._on_event)  # must outlive the BIOs

    def _on_event(self, bio, oper, argp, length, argi, argl, ret,
                  processed):
        if oper == BIO_CB_FREE:
            self.freed.append(bio)
        if oper & BIO_CB_RETURN:
            return ret
        return 1

    def _on_event_102(self, bio, oper, argp, argi, argl, ret):
        return self._on_event(bio, oper, argp, 0, argi, argl, ret, None)

    def _set_field_102(self, pointer, callback):
        _Bio102.from_address(pointer).callback = ctypes.cast(
            callback, ctypes.c_void_p).value

    def track(self, memory_bio):
        """Start watching a MemoryBIO's BIO; returns its address."""
        pointer = memory_bio._bio
        self._set(pointer, self._callback)
        return pointer

    def check(self, expected):
        """The BIOs freed so far are exactly ``expected``, once each."""
        assert sorted(self.freed) == sorted(set(self.freed)), \
            "a BIO was freed twice: %r" % (self.freed,)
        assert set(self.freed) == set(expected), \
            "freed %r, expected %r" % (self.freed, sorted(expected))

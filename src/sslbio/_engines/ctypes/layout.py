"""CPython 2.7 object layout: finding and validating native pointers.

``_ssl._SSLContext`` holds its ``SSL_CTX*`` right after ``PyObject_HEAD``;
``_ssl._SSLSocket`` holds ``Socket``, ``ssl_sock``, then its ``SSL*``.  The
structures below mirror ``Modules/_ssl.c`` of 2.7.9+ so ctypes computes the
offsets with the platform's ABI.  Nothing is read through them until the
interpreter has shown that it agrees: the type sizes must match, the native
object must point back at its context, and OpenSSL must confirm that the
``SSL*`` belongs to that context's ``SSL_CTX*`` and that the ``SSL_CTX*``
carries the Python context's options and verify mode.
"""

import ctypes
import sys

import _ssl

from .binding import pointer_argument

__all__ = ["LayoutError", "Layout"]


class LayoutError(Exception):
    """This interpreter's objects are not laid out as sslbio expects."""


def _object_head():
    fields = []
    if hasattr(sys, "gettotalrefcount"):
        # Py_TRACE_REFS builds link every object into a list.
        fields += [("_ob_next", ctypes.c_void_p), ("_ob_prev", ctypes.c_void_p)]
    fields += [("ob_refcnt", ctypes.c_ssize_t), ("ob_type", ctypes.c_void_p)]
    return fields


class _PySSLContext(ctypes.Structure):
    # Only the first field is used; the rest of the struct varies with the
    # NPN/ALPN/SNI support compiled in.
    _fields_ = _object_head() + [("ctx", ctypes.c_void_p)]


class _PySSLSocket(ctypes.Structure):
    _fields_ = _object_head() + [
        ("Socket", ctypes.c_void_p),
        ("ssl_sock", ctypes.c_void_p),
        ("ssl", ctypes.c_void_p),
        ("ctx", ctypes.c_void_p),
        ("peer_cert", ctypes.c_void_p),
        ("shutdown_seen_zero", ctypes.c_char),
        ("handshake_done", ctypes.c_char),
        ("socket_type", ctypes.c_int),
    ]


class _PyStringHead(ctypes.Structure):
    _fields_ = _object_head() + [
        ("ob_size", ctypes.c_ssize_t),
        ("ob_shash", ctypes.c_long),
        ("ob_sstate", ctypes.c_int),
    ]


_SSL_CTX_OFFSET = _PySSLContext.ctx.offset
_from_address = ctypes.c_void_p.from_address


class Layout(object):
    """Validated accessors for the native objects of this interpreter."""

    def __init__(self, lib):
        self._lib = lib
        if _ssl._SSLSocket.__basicsize__ != ctypes.sizeof(_PySSLSocket):
            raise LayoutError(
                "_ssl._SSLSocket is %d bytes, expected %d"
                % (_ssl._SSLSocket.__basicsize__,
                   ctypes.sizeof(_PySSLSocket)))
        if _ssl._SSLContext.__basicsize__ < ctypes.sizeof(_PySSLContext):
            raise LayoutError("_ssl._SSLContext is smaller than expected")
        if str.__basicsize__ != ctypes.sizeof(_PyStringHead) + 1 and \
                str.__basicsize__ != _PyStringHead.ob_sstate.offset + \
                ctypes.sizeof(ctypes.c_int) + 1:
            raise LayoutError("str objects are not laid out as expected")
        self.string_data_offset = str.__basicsize__ - 1
        self._ssl_get_ssl_ctx = lib.raw("SSL_get_SSL_CTX", ctypes.c_void_p)

    def describe(self):
        """The offsets in use, for ``python -m sslbio check``."""
        return ("%d-bit: SSL_CTX* at +%d in _ssl._SSLContext, SSL* at +%d "
                "in _ssl._SSLSocket (%d bytes)"
                % (8 * ctypes.sizeof(ctypes.c_void_p), _SSL_CTX_OFFSET,
                   _PySSLSocket.ssl.offset, ctypes.sizeof(_PySSLSocket)))

    def ssl_ctx(self, context):
        """The ``SSL_CTX*`` of a Python ``SSLContext``.

        Read, not checked: ``validate_context()`` proves the offset once for
        the interpreter, and every object made from the pointer is
        cross-checked by ``ssl()``.
        """
        if not isinstance(context, _ssl._SSLContext):
            raise TypeError("not an SSLContext")
        ptr = _from_address(id(context) + _SSL_CTX_OFFSET).value
        if not ptr:
            raise LayoutError("SSLContext holds no SSL_CTX")
        return ptr

    def validate_context(self, context):
        """Prove that ``ssl_ctx()`` finds this interpreter's ``SSL_CTX*``:
        OpenSSL must report the Python context's options and verify mode,
        before and after they change."""
        ptr = self.ssl_ctx(context)
        lib = self._lib
        original = context.verify_mode
        try:
            for verify_mode in (original, 2 - original):
                context.verify_mode = verify_mode
                if lib.ctx_get_options(ptr) & 0xFFFFFFFF != \
                        context.options & 0xFFFFFFFF:
                    raise LayoutError("SSL_CTX options disagree with the "
                                      "context")
                if _verify_mode(lib.SSL_CTX_get_verify_mode(ptr)) != \
                        verify_mode:
                    raise LayoutError("SSL_CTX verify mode disagrees with "
                                      "the context")
        finally:
            context.verify_mode = original
        return ptr

    def ssl(self, native, context, ctx_ptr):
        """The ``SSL*`` of a native ``_ssl._SSLSocket`` made from context,
        as a foreign-call argument (``pointer_argument``)."""
        fields = _PySSLSocket.from_address(id(native))
        if fields.ctx != id(context):
            raise LayoutError("native object does not point at its context")
        address = fields.ssl
        if not address:
            raise LayoutError("native object holds no SSL*")
        ptr = pointer_argument(address)
        if self._ssl_get_ssl_ctx(ptr) != ctx_ptr:
            raise LayoutError("SSL* does not belong to the context's SSL_CTX")
        return ptr


def _verify_mode(flags):
    # SSL_VERIFY_PEER = 1, SSL_VERIFY_FAIL_IF_NO_PEER_CERT = 2; how _ssl maps
    # CERT_NONE/OPTIONAL/REQUIRED onto them.
    if not flags & 1:
        return 0
    if flags & 2:
        return 2
    return 1

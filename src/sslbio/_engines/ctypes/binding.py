"""The shared OpenSSL binding (``sslbio._engines.openssl_binding``) through
ctypes: the symbol table of the library 2.7's ``_ssl`` is linked to, the C
declarations as ctypes types, and what 1.0.2 keeps in structures ctypes
reads.  ``Binding`` here takes a symbol table: anything with ``lookup(name,
releases_gil)``.
"""

import ctypes

from .. import openssl_binding
from ..openssl_binding import (DECLARATIONS, RESTYPE_CHANGES,
                               UnsupportedOpenSSL, restype_in, version_tuple)
from .der import session_ticket_fields

__all__ = ["Binding", "DECLARATIONS", "RESTYPE_CHANGES", "SymbolTable",
           "UnsupportedOpenSSL", "ctype_of", "pointer_argument", "restype_in",
           "version_tuple"]

_P = ctypes.c_void_p
_INT = ctypes.c_int
_STR = ctypes.c_char_p

# The C types of the declarations as ctypes types: pointers to opaque
# structures are addresses (c_void_p), strings and buffers c_char_p.
_CTYPES = {
    "void": None,
    "int": ctypes.c_int,
    "long": ctypes.c_long,
    "unsigned int": ctypes.c_uint,
    "unsigned long": ctypes.c_ulong,
    "size_t": ctypes.c_size_t,
    "uint64_t": ctypes.c_uint64,
    "void *": ctypes.c_void_p,
    "const char *": ctypes.c_char_p,
    "char *": ctypes.c_char_p,
    "int *": ctypes.POINTER(ctypes.c_int),
    "unsigned int *": ctypes.POINTER(ctypes.c_uint),
    "size_t *": ctypes.POINTER(ctypes.c_size_t),
}


def ctype_of(c_type):
    """The ctypes type of a declared C type."""
    return _CTYPES[c_type]


# pointer_argument(address): a non-NULL C pointer as a ready foreign-call
# argument.  c_void_p.from_param() gives the argument object ctypes itself
# would build per call: passed as is, it needs no conversion, it is accepted
# wherever c_void_p is declared, and unlike a c_void_p instance it is not
# tracked by the garbage collector, so a connection's pointers add nothing to
# the collector's passes.  (It is true even for NULL: test the address, not
# the argument.)  Bound to the C method itself: no Python frame per call.
pointer_argument = ctypes.c_void_p.from_param

_CRYPTO_LOCK_BIO = 21
# struct bio_st of 1.0.2 (public in its bio.h) up to the reference count;
# described field by field so the offset follows the platform's ABI.


class _Bio102(ctypes.Structure):
    _fields_ = [
        ("method", _P),
        ("callback", _P),
        ("cb_arg", _P),
        ("init", _INT),
        ("shutdown", _INT),
        ("flags", _INT),
        ("retry_reason", _INT),
        ("num", _INT),
        ("ptr", _P),
        ("next_bio", _P),
        ("prev_bio", _P),
        ("references", _INT),
    ]


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", _STR), ("dli_fbase", _P),
                ("dli_sname", _STR), ("dli_saddr", _P)]


class SymbolTable(object):
    """Resolves names in a loaded library; ``lookup`` raises ``KeyError``."""

    def __init__(self, gil_holding, gil_releasing):
        self._holding = gil_holding
        self._releasing = gil_releasing

    def lookup(self, name, releases_gil=False):
        lib = self._releasing if releases_gil else self._holding
        try:
            return getattr(lib, name)
        except AttributeError:
            raise KeyError(name)

    def file_of(self, name):
        """Path of the shared object that defines ``name`` (what the
        dynamic linker resolved it to), or ``None`` where ``dladdr()`` is
        not available or does not know."""
        try:
            dladdr = ctypes.CDLL(None).dladdr
            address = ctypes.cast(self.lookup(name), _P)
        except (AttributeError, KeyError, OSError):
            return None
        dladdr.restype = _INT
        dladdr.argtypes = [_P, ctypes.POINTER(_DlInfo)]
        info = _DlInfo()
        if not dladdr(address, ctypes.byref(info)) or not info.dli_fname:
            return None
        return info.dli_fname

    def lookup_new(self, name):
        """A fresh, GIL-holding function object (not ctypes' cached one)."""
        try:
            return self._holding[name]
        except AttributeError:
            raise KeyError(name)


class Binding(openssl_binding.Binding):
    """The shared binding with its functions from a ctypes symbol table
    (``restype``/``argtypes`` set as declared), and the ctypes forms of
    what 1.0.2 keeps in its structures."""

    def _functions(self, declarations):
        found = {}
        for name, restype, argtypes, releases_gil in declarations:
            try:
                func = self._table.lookup(name, releases_gil)
            except KeyError:
                continue
            func.restype = ctype_of(restype)
            func.argtypes = [ctype_of(c_type) for c_type in argtypes]
            found[name] = func
        return found

    @staticmethod
    def address(pointer):
        """A pointer's address as an integer (NULL is 0): ctypes gives
        ``void *`` results as integers already."""
        return pointer or 0

    def callback(self, signature, function):
        """``(callback, pointer)``: ``function`` as a C function of
        ``signature`` (a ``(return type, argument types)`` pair as the
        declarations write them) and the ``void *`` to hand to OpenSSL.
        The callback must be kept alive as long as OpenSSL may call it."""
        restype, argtypes = signature
        callback = ctypes.CFUNCTYPE(ctype_of(restype),
                                    *[ctype_of(c_type)
                                      for c_type in argtypes])(function)
        return callback, ctypes.cast(callback, ctypes.c_void_p)

    def cipher_bits(self, cipher):
        """``SSL_CIPHER_get_bits()``: (secret bits, algorithm bits)."""
        alg_bits = ctypes.c_int(0)
        strength = self.SSL_CIPHER_get_bits(cipher, ctypes.byref(alg_bits))
        return strength, alg_bits.value

    def _bio_up_ref_102(self, bio):
        refs = ctypes.addressof(_Bio102.from_address(bio)) + \
            _Bio102.references.offset
        self.CRYPTO_add_lock(refs, 1, _CRYPTO_LOCK_BIO, b"sslbio", 0)
        return 1

    # Buffers OpenSSL fills, and their first bytes: ctypes' own functions,
    # no Python frame of their own.  c_char_p results already come back as
    # bytes.
    new_buffer = staticmethod(ctypes.create_string_buffer)
    buffer_bytes = staticmethod(ctypes.string_at)

    @staticmethod
    def c_chars(data):
        return data  # c_void_p takes a str as it is

    @staticmethod
    def new_size_out():
        return ctypes.byref(ctypes.c_size_t())

    def session_id(self, session):
        length = ctypes.c_uint()
        data = self.SSL_SESSION_get_id(session, ctypes.byref(length))
        return ctypes.string_at(data, length.value) if data else b""

    def session_from_der(self, der):
        cursor = ctypes.c_char_p(der)
        return self.d2i_SSL_SESSION(None, ctypes.byref(cursor), len(der))

    def session_der(self, session):
        length = self.i2d_SSL_SESSION(session, None)
        if length <= 0:
            return None
        der = ctypes.create_string_buffer(length)
        cursor = ctypes.c_void_p(ctypes.addressof(der))
        if self.i2d_SSL_SESSION(session, ctypes.byref(cursor)) != length:
            return None
        return der.raw

    def _ticket_hint_102(self, session):
        return session_ticket_fields(self.session_der(session))[0]

    def _has_ticket_102(self, session):
        return session_ticket_fields(self.session_der(session))[1]

    def raw(self, name, restype):
        """A second function object for a declared symbol, without
        ``argtypes``: the caller passes ctypes objects of the right types
        (pointers as ``c_void_p``) and ctypes converts nothing.  For the
        few calls on hot paths only."""
        if name not in DECLARATIONS:
            raise KeyError(name)
        func = self._table.lookup_new(name)
        func.restype = restype
        return func

    def raw_bio_up_ref(self):
        """``bio_up_ref`` for the hot path of object creation: a function
        taking the BIO as a ready pointer argument (``pointer_argument``).
        From 1.1.0 it is ``BIO_up_ref`` itself without ``argtypes`` (about
        500 instructions less per call than converting an address); 1.0.2
        has no such function."""
        if self.version_number >= openssl_binding.V110:
            return self.raw("BIO_up_ref", _INT)
        cast, void_p, up_ref = ctypes.cast, ctypes.c_void_p, self.bio_up_ref

        def bio_up_ref_102(bio):
            return up_ref(cast(bio, void_p).value)
        return bio_up_ref_102

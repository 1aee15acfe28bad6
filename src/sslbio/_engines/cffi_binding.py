"""The shared OpenSSL binding (``sslbio._engines.openssl_binding``) through
cffi's ABI mode, for the pypy engine.

PyPy's own ``_cffi_ssl`` binding is compiled and declares only what PyPy's
``ssl`` needs.  This one gives each function of ``openssl_binding`` that
the running release exports its declared C type and finds it in the file
PyPy's binding was loaded from: the loader hands back the handle it already
has for that file, and a lookup on it searches the libraries the file was
linked against, so the functions come from the very libssl and libcrypto
PyPy uses (the pypy engine checks it).

It does what ``cffi.FFI().cdef()`` and ``dlopen()`` do, with the parts of
cffi underneath them: ``_cffi_backend.FFI().typeof()`` reads a C type with
cffi's own parser in C, ``_cffi_backend.load_library()`` opens the file and
``load_function()`` looks a function up.  ``cdef()`` would parse with
pycparser instead, which costs PyPy 0.2 s at every start for these
declarations, three times what importing sslbio costs without it.

As through ctypes, a string result (``const char *``) comes back as bytes,
``None`` for NULL; pointers to OpenSSL's structures are ``void *`` cdata,
which PyPy's binding accepts wherever it takes a typed pointer.
"""

import _cffi_backend

from . import openssl_binding

__all__ = ["CffiBinding", "SymbolTable", "function_type"]


def function_type(restype, argtypes):
    """``"long(*)(void *, int, long, void *)"``: a declaration's C type."""
    return "%s(*)(%s)" % (restype, ", ".join(argtypes) or "void")


class SymbolTable(object):
    """The functions of the library at ``path``."""

    def __init__(self, path):
        self.path = path
        self.ffi = _cffi_backend.FFI()
        self._library = _cffi_backend.load_library(path)

    def functions(self, declarations):
        """``{name: callable}`` for those of ``declarations`` (tuples as
        ``openssl_binding.declarations_in()`` gives them) the library
        exports."""
        typeof, load = self.ffi.typeof, self._library.load_function
        found = {}
        for name, restype, argtypes, _ in declarations:
            try:
                func = load(typeof(function_type(restype, argtypes)), name)
            except AttributeError:  # not exported
                continue
            found[name] = _text_result(self.ffi, func) \
                if restype == "const char *" else func
        return found


def _text_result(ffi, func):
    """``func`` with its ``const char *`` result as bytes (None for NULL),
    as ctypes gives a ``c_char_p`` result."""
    null, string = ffi.NULL, ffi.string

    def call(*args):
        result = func(*args)
        return string(result) if result != null else None
    call.__name__ = func.__name__
    return call


class CffiBinding(openssl_binding.Binding):
    """The shared binding with its functions from a cffi ``SymbolTable``."""

    def __init__(self, table, version_number=None):
        self.ffi = ffi = table.ffi  # the cffi FFI that types the functions
        self.NULL = ffi.NULL
        self._new_raw = ffi.new_allocator(should_clear_after_alloc=False)
        self._unpack = ffi.buffer
        openssl_binding.Binding.__init__(self, table, version_number)

    def _functions(self, declarations):
        return self._table.functions(declarations)

    def callback(self, signature, function):
        """``(callback, pointer)``: ``function`` as a C function of
        ``signature`` (a ``(return type, argument types)`` pair as the
        declarations write them; string arguments arrive as bytes) and the
        ``void *`` to hand to OpenSSL.  The callback must be kept alive as
        long as OpenSSL may call it."""
        restype, argtypes = signature
        texts = [i for i, c_type in enumerate(argtypes)
                 if c_type == "const char *"]
        string = self.ffi.string

        def call(*args):
            args = list(args)
            for i in texts:
                args[i] = string(args[i])
            return function(*args)
        callback = self.ffi.callback(function_type(restype, argtypes), call)
        return callback, self.ffi.cast("void *", callback)

    def cipher_bits(self, cipher):
        """``SSL_CIPHER_get_bits()``: (secret bits, algorithm bits)."""
        alg_bits = self.ffi.new("int *")
        return self.SSL_CIPHER_get_bits(cipher, alg_bits), alg_bits[0]

    def new_buffer(self, size):
        # Not zeroed: OpenSSL writes before anything reads.
        return self._new_raw("char[]", size)

    def buffer_bytes(self, buffer, count):
        return self._unpack(buffer, count)[:]

    def c_chars(self, data):
        return self.ffi.new("char[]", data)

    def new_size_out(self):
        return self.ffi.new("size_t *")

    def session_id(self, session):
        length = self.ffi.new("unsigned int *")
        data = self.SSL_SESSION_get_id(session, length)
        if not data:
            return b""
        return self._unpack(self.ffi.cast("char *", data), length[0])[:]

    def session_der(self, session):
        length = self.i2d_SSL_SESSION(session, self.NULL)
        if length <= 0:
            return None
        der = self.ffi.new("char[]", length)
        if self.i2d_SSL_SESSION(session, self.ffi.new("char **", der)) \
                != length:
            return None
        return self._unpack(der, length)[:]

    def session_from_der(self, der):
        data = self.ffi.new("char[]", der)  # alive until d2i has read it
        return self.d2i_SSL_SESSION(self.NULL, self.ffi.new("char **", data),
                                    len(der))

    def address(self, pointer):
        """A pointer's address as an integer (NULL is 0)."""
        return int(self.ffi.cast("uintptr_t", pointer))

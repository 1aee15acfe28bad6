"""Python 3.11's ``SSLContext`` surface for 2.7 contexts (engine-neutral).

2.7's ``ssl.SSLContext`` stops at Python 3.4.  This module supplies what
3.5-3.11 added, as attributes that ``sslbio.SSLContext`` carries and that
``inject_into_ssl()`` puts on ``ssl.SSLContext`` itself:

* ``PROTOCOL_TLS_CLIENT`` / ``PROTOCOL_TLS_SERVER`` contexts with 3.11's
  defaults, refusing the other side's connections with 3.11's ``SSLError``;
* ``minimum_version`` / ``maximum_version``, ``num_tickets``,
  ``security_level``, ``hostname_checks_common_name``,
  ``post_handshake_auth``, ``keylog_filename``, ``sni_callback``,
  ``get_ciphers()``;
* ``protocol``, ``options``, ``verify_mode``, ``verify_flags`` as 3.11's
  enum members.

Settings live on the ``SSL_CTX`` (through the engine's backend), so 2.7's
own ``SSLSocket``\\ s made from the context inherit them.  What Python keeps
beside the ``SSL_CTX`` (callbacks, the key log file) lives in a weak-keyed
map shared by every copy of sslbio: 2.7's ``ssl.SSLContext`` has no
``__dict__``.

An engine that cannot do something says so: its backend's ``features``
lacks the name and the attribute raises ``EngineCannotServe``; where the
OpenSSL release itself lacks it (``absent``), the attribute is as on
Python 3 built against that release: it does not exist, or for
``hostname_checks_common_name`` and ``post_handshake_auth`` it is read-only
(True, and None).
"""

import struct
import warnings
import weakref

import _ssl

from . import _shared
from ._releases import (FEATURES, OPTION_NAMES, RELEASE_CONTEXT_FEATURES,
                        context_features, option_constants)
from ._tlsenums import TLS_VERSIONS, VERIFY_FLAG_EXTRAS, make_enum, make_flag
from ._args import INT_MAX, TEXT_TYPES, c_long_arg, integer_types
from ._keylog import KeylogWriter

# 2 ** (bits in a C long): 2.7 passes option masks as C longs.
_LONG_RANGE = 2 ** (8 * struct.calcsize("l"))

__all__ = ["FEATURES", "ContextBackend", "ContextSurface", "EngineCannotServe",
           "NoContextBackend", "check_side", "host_flags", "unserved"]

PROTOCOL_TLS = _ssl.PROTOCOL_SSLv23
PROTOCOL_TLS_CLIENT = 16
PROTOCOL_TLS_SERVER = 17

# Python 3.10+'s cipher string for new contexts (PY_SSL_DEFAULT_CIPHER_STRING):
# a security level, then the selection.
_SECURITY_LEVEL = "@SECLEVEL=2:"
_CIPHER_SELECTION = ("ECDH+AESGCM:ECDH+CHACHA20:ECDH+AES:DHE+AES:"
                     "!aNULL:!eNULL:!aDSS:!SHA1:!AESCCM")
DEFAULT_CIPHERS = _SECURITY_LEVEL + _CIPHER_SELECTION
# The key exchanges 1.1.0 removed, which "ECDH" also matches before it: the
# static ECDH suites (no forward secrecy).
_NO_STATIC_ECDH = ":!kECDHr:!kECDHe"
# X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, set on every Python 3.7+ context,
# and X509_CHECK_FLAG_NEVER_CHECK_SUBJECT (hostname_checks_common_name off).
HOSTFLAG_NO_PARTIAL_WILDCARDS = 0x4
HOSTFLAG_NEVER_CHECK_SUBJECT = 0x20

_native = _ssl._SSLContext
# (Python 3's native context has none; there this module only serves
# host_flags() to the engines' modules that the tests import.)
_native_set_servername_callback = getattr(_native, "set_servername_callback",
                                          None)


class ContextBackend(object):
    """What an engine's context backend is: the engine's ``name``, the names
    of ``FEATURES`` it serves (``features``), those the OpenSSL release
    itself lacks (``absent``: Python 3 built against it has no such
    attribute), the ``Options`` members of the release
    (``option_constants``) and why it serves no more (``missing_reason``).
    A backend that serves a feature implements its calls (see
    ``openssl_context.OpenSSLContextBackend``)."""

    name = None
    missing_reason = None
    features = frozenset()
    absent = frozenset()
    option_constants = ()

    def context_limits(self):
        """The ``Limits`` fields (``_engines.limits``) of what the engine
        cannot serve: the features neither it nor the interpreter's own
        ``_ssl`` provides, derived rather than written out per engine (those
        the OpenSSL release lacks are not the engine's doing)."""
        missing = unserved(self)
        if not missing:
            return {}
        return dict(
            unserved_context_attributes=missing,
            served_context_attributes=[
                name for name in FEATURES
                if name in self.features or name in native_features()],
            context_reason=self.missing_reason,
            tls12_floor_as_options="minimum_version" not in self.features)


class NoContextBackend(ContextBackend):
    """The backend of an engine that cannot reach the ``SSL_CTX``: it serves
    none of ``FEATURES`` but those given, which need no ``SSL_CTX``:
    "sni_callback" (2.7's own callback) and "protocol_tls_client_server"
    (with the TLS 1.2 floor as options)."""

    def __init__(self, name, missing_reason, features=()):
        self.name = name
        self.missing_reason = missing_reason
        # The loaded OpenSSL's number, as the interpreter's ssl reports it.
        import ssl
        number = getattr(ssl, "OPENSSL_VERSION_NUMBER", 0)
        self.option_constants = option_constants(number)
        self.absent = frozenset(RELEASE_CONTEXT_FEATURES) - \
            context_features(number)
        self.features = frozenset(features)


def unserved(backend):
    """The names of ``FEATURES`` that neither ``backend`` nor the
    interpreter's own ``_ssl`` serves, and that the OpenSSL release does
    not lack: each raises ``NotImplementedError``."""
    return [name for name in FEATURES if name not in backend.features
            and name not in native_features() and name not in backend.absent]


# -- the enumerations --------------------------------------------------------

def _prefixed(prefix, unsigned=False):
    """``_ssl``'s constants named ``prefix*``.  With ``unsigned``, as the
    unsigned bit masks they are: 2.7 exports them as C longs, so on a
    32-bit platform OP_ALL (0x80000854) reads as a negative number."""
    found = [(name, getattr(_ssl, name)) for name in dir(_ssl)
             if name.startswith(prefix)]
    if unsigned:
        found = [(name, _unsigned(value)) for name, value in found]
    return found


def _unsigned(value):
    return value + _LONG_RANGE if value < 0 else value


def _signed(value):
    """An unsigned C long as 2.7's ``"l"`` setters take it."""
    if _LONG_RANGE // 2 <= value < _LONG_RANGE:
        return value - _LONG_RANGE
    return value


# What PyPy's _ssl exports besides Python 3's SSL_ERROR_* numbers (Python
# 3's _ssl.c has PY_SSL_ERROR_NO_SOCKET too, but does not export it).
_NOT_ERROR_NUMBERS = ("SSL_ERROR_NONE", "SSL_ERROR_NO_SOCKET")


def _build_enums(backend):
    """``{name: class}``: 3.11's enum classes with this interpreter's values,
    shared by every copy in the process (the first copy's definition
    wins)."""
    own_options = dict(item for item in _prefixed("OP_", unsigned=True)
                       if item[0] in OPTION_NAMES)
    options = list(own_options.items()) + [
        item for item in backend.option_constants
        if item[0] not in own_options]
    methods = [item for item in _prefixed("PROTOCOL_")
               if item[0] != "PROTOCOL_SSLv23"] + [
        ("PROTOCOL_TLS_CLIENT", PROTOCOL_TLS_CLIENT),
        ("PROTOCOL_TLS_SERVER", PROTOCOL_TLS_SERVER)]

    def sorted_enum(name, members):
        return make_enum(
            name, sorted(members, key=lambda item: (item[1], item[0])))

    definitions = [
        ("TLSVersion", lambda: make_enum(
            "TLSVersion", TLS_VERSIONS)),
        ("Options", lambda: make_flag("Options", options)),
        ("VerifyFlags", lambda: make_flag(
            "VerifyFlags", _prefixed("VERIFY_", unsigned=True) +
            VERIFY_FLAG_EXTRAS)),
        ("VerifyMode", lambda: sorted_enum("VerifyMode", _prefixed("CERT_"))),
        ("AlertDescription", lambda: sorted_enum(
            "AlertDescription", _prefixed("ALERT_DESCRIPTION_"))),
        ("SSLErrorNumber", lambda: sorted_enum(
            "SSLErrorNumber", [item for item in _prefixed("SSL_ERROR_")
                               if item[0] not in _NOT_ERROR_NUMBERS])),
        ("_SSLMethod", lambda: sorted_enum("_SSLMethod", methods)),
    ]
    return dict((name, _shared.shared_class("enum:" + name, define))
                for name, define in definitions)


# The enumerations whose members 3.11's ssl also exports as module names
# (its _IntEnum._convert_() / _IntFlag._convert_() calls).  TLSVersion is a
# class of its own there: ssl.TLSv1_2 does not exist.
_CONVERTED = ("_SSLMethod", "Options", "AlertDescription", "SSLErrorNumber",
              "VerifyFlags", "VerifyMode")
# Python 3's HAS_<protocol> flags say whether the OpenSSL it was built with
# has the protocol (the OPENSSL_NO_* macros); 2.7's _ssl answers the same
# question by defining PROTOCOL_<protocol> or not.  (2.7 has HAS_TLSv1_3.)
_PROTOCOL_FLAGS = ("SSLv2", "SSLv3", "TLSv1", "TLSv1_1", "TLSv1_2")


# -- per-context state -------------------------------------------------------
# The map the module docstring speaks of, looked up once: the process-wide
# dict keeps it for good.
_STATES = _shared.shared_class("context_state", weakref.WeakKeyDictionary)


def _state(context):
    """The dict of what Python keeps for ``context`` beside its SSL_CTX
    (keys: sni_callback, a weak reference to the function the native
    context calls, whose ``callback`` is the user's; post_handshake_auth,
    keylog_filename, keylog, host_flags).  Part of the contract between
    copies of sslbio.  Nothing in it may refer to the context: the map's
    values are strong."""
    return _STATES.setdefault(context, {
        "sni_callback": None, "post_handshake_auth": False,
        "keylog_filename": None, "keylog": None,
        "host_flags": HOSTFLAG_NO_PARTIAL_WILDCARDS})


def host_flags(context):
    """The X509_CHECK_FLAG_* bits host name checks of ``context`` use."""
    found = _STATES.get(context)
    return found["host_flags"] if found else HOSTFLAG_NO_PARTIAL_WILDCARDS


# Read-only where the release lacks them; their getters answer without
# _require(), so only their setters reach it.
_READ_ONLY_WHEN_ABSENT = ("hostname_checks_common_name", "post_handshake_auth")


def _cannot_delete(self):
    raise AttributeError("cannot delete attribute")


class EngineCannotServe(NotImplementedError, AttributeError):
    """What an attribute the engine cannot serve raises.  A
    ``NotImplementedError`` naming the engine, and an ``AttributeError`` too:
    code that probes for the attribute (``getattr(ctx, name, None)``,
    ``except AttributeError``), as urllib3 does for ``post_handshake_auth``,
    finds it missing, as on a Python 3 built without the feature, instead
    of failing (``inject_into_ssl()`` puts these attributes on every
    ``ssl.SSLContext``)."""


def _protocol(context):
    return getattr(context, "protocol", PROTOCOL_TLS)


def check_side(context, server_side):
    """As 3.11 refuses a connection: a TLS_CLIENT context makes no server
    connection nor a TLS_SERVER context a client one (SSLError)."""
    import ssl
    from ._errors import plain_error
    protocol = _protocol(context)
    if protocol == PROTOCOL_TLS_CLIENT and server_side == 1:
        raise plain_error(ssl.SSLError, "Cannot create a server socket with "
                          "a PROTOCOL_TLS_CLIENT context")
    if protocol == PROTOCOL_TLS_SERVER and server_side == 0:
        raise plain_error(ssl.SSLError, "Cannot create a client socket with "
                          "a PROTOCOL_TLS_SERVER context")


def _get_sni_callback(self):
    found = _STATES.get(self)
    wrapper = found and found["sni_callback"] and found["sni_callback"]()
    return wrapper.callback if wrapper is not None else None


def set_servername_callback(self, server_name_callback):
    """3.4's form of ``sni_callback``, as 3.11 keeps it."""
    if server_name_callback is None:
        self.sni_callback = None
        return
    if not callable(server_name_callback):
        raise TypeError("not a callable object")

    def shim(sslobj, server_name, context):
        return server_name_callback(sslobj, server_name, context)

    self.sni_callback = shim


def _method(bound):
    """A function to put on a class, calling ``bound`` with the instance."""
    def method(self, *args, **kwargs):
        return bound(self, *args, **kwargs)
    method.__name__ = bound.__name__
    method.__doc__ = bound.__doc__
    return method


def native_features():
    """The names of ``FEATURES`` the interpreter's ``_ssl`` serves itself,
    as attributes with Python 3's meaning (PyPy's ``_ssl`` is a port of
    Python 3's): those are left alone."""
    return frozenset(name for name in FEATURES if hasattr(_native, name))


class ContextSurface(object):
    """Python 3.11's context surface served through one engine's
    ``backend`` (a ``ContextBackend``): the attributes for a 2.7
    ``SSLContext`` class (``attributes()``), the names for the ``ssl``
    module (``module_names()``) and 3.11's enum classes (``enum()``).  The
    engine choice builds one from the engine's record."""

    def __init__(self, backend):
        self.backend = backend
        self._enums = _build_enums(backend)

    def enum(self, name):
        return self._enums[name]

    def module_names(self):
        """``[(name, value)]`` for the ``ssl`` module: the enum classes, the
        members of those 3.11's ``ssl`` converts under their own names, and
        the ``HAS_*`` flags 2.7 lacks."""
        enums = self._enums
        names = [(name, cls) for name, cls in sorted(enums.items())
                 if not name.startswith("_")]
        for enum_name in _CONVERTED:
            names.extend(sorted(enums[enum_name].__members__.items()))
        names.append(("PROTOCOL_SSLv23", enums["_SSLMethod"].PROTOCOL_TLS))
        names.append(("HAS_NEVER_CHECK_COMMON_NAME",
                      "hostname_checks_common_name" in self.backend.features))
        for protocol in _PROTOCOL_FLAGS:
            names.append(("HAS_" + protocol,
                          hasattr(_ssl, "PROTOCOL_" + protocol)))
        return names

    def _require(self, context, feature):
        backend = self.backend
        if feature in backend.features:
            return backend
        if feature in backend.absent:  # as on Python 3 built against it
            if feature in _READ_ONLY_WHEN_ABSENT:
                raise AttributeError("can't set attribute")  # 3.x's form
            raise AttributeError("'%s' object has no attribute '%s'"
                                 % (type(context).__name__, feature))
        raise EngineCannotServe(
            "sslbio's %s engine cannot provide SSLContext.%s: %s"
            % (backend.name, feature, backend.missing_reason))

    def _as_member(self, enum_name, value):
        try:
            return self._enums[enum_name](value)
        except (KeyError, ValueError):
            return value

    # -- construction --------------------------------------------------------
    def context_new(self, cls, protocol=None, *args, **kwargs):
        """3.11's ``SSLContext.__new__``: no protocol means ``PROTOCOL_TLS``
        (with 3.11's DeprecationWarning); ``PROTOCOL_TLS_CLIENT`` verifies
        the server and its host name, both it and ``PROTOCOL_TLS_SERVER``
        start from 3.11's cipher string and a TLS 1.2 floor.  Other
        protocols are 2.7's."""
        if protocol is None:
            warnings.warn("ssl.SSLContext() without protocol argument is "
                          "deprecated.", DeprecationWarning, stacklevel=2)
            protocol = PROTOCOL_TLS
        if protocol not in (PROTOCOL_TLS_CLIENT, PROTOCOL_TLS_SERVER):
            self = _native.__new__(cls, protocol)
            if protocol != getattr(_ssl, "PROTOCOL_SSLv2", None):
                import ssl
                self.set_ciphers(ssl._DEFAULT_CIPHERS)
            return self
        surface = self
        surface._require(cls, "protocol_tls_client_server")
        self = _native.__new__(cls, PROTOCOL_TLS)
        self.set_ciphers(surface._default_ciphers())
        if "minimum_version" in surface.backend.features:
            surface.backend.set_proto_version(self, False, 0x0303)
        else:
            # No SSL_CTX to set a minimum on: the same floor as options.
            _native.options.__set__(self, _signed(
                _unsigned(_native.options.__get__(self)) | _ssl.OP_NO_SSLv3 |
                _ssl.OP_NO_TLSv1 | _ssl.OP_NO_TLSv1_1))
        if protocol == PROTOCOL_TLS_CLIENT:
            _native.verify_mode.__set__(self, _ssl.CERT_REQUIRED)
            _native.check_hostname.__set__(self, True)
        return self

    def _default_ciphers(self):
        """3.10+'s cipher string where OpenSSL knows security levels (1.1.0
        and later).  An older release knows no ``@SECLEVEL`` command: the
        whole string would select no cipher ("No cipher can be selected.",
        the context not made).  There the context has no ``security_level``
        either (as on Python 3 built against it), and the string makes the
        suites it selects on 1.1.x, less those the release lacks (ChaCha20):
        without the command, and without the static ECDH suites that "ECDH"
        also names there."""
        if "security_level" in self.backend.absent:
            return _CIPHER_SELECTION + _NO_STATIC_ECDH
        return DEFAULT_CIPHERS

    def context_init(self, context, protocol=None, *args, **kwargs):
        if protocol is None:
            protocol = PROTOCOL_TLS
        context.protocol = self._as_member("_SSLMethod", protocol)

    def _wrap_socket_checked(self):
        """``_wrap_socket`` as 3.11's: ``check_side()``, and
        ``post_handshake_auth`` applies to each new connection.  2.7's
        ``SSLSocket`` and the ``SSLObject`` of the engines that build on
        2.7's native object come through here (the pypy engine makes its
        ``SSL*`` itself, and checks the side itself).  A function of its own
        rather than ``_method()``'s: each connection made pays one frame."""
        require = self._require

        def _wrap_socket(self, sock, server_side, server_hostname=None,
                         ssl_sock=None):
            check_side(self, server_side)
            native = _native._wrap_socket(self, sock, server_side,
                                          server_hostname, ssl_sock)
            found = _STATES.get(self)
            if found is not None and found["post_handshake_auth"]:
                require(self, "post_handshake_auth").configure_connection(
                    self, native, server_side in (True, 1), True)
            return native
        return _wrap_socket

    # -- attributes ----------------------------------------------------------
    def _enum_property(self, attribute, enum_name, unsigned=False):
        """2.7's ``attribute`` read as a member of ``enum_name``.  With
        ``unsigned`` (a bit mask 2.7 reads and parses as a signed C long),
        the value is the unsigned mask Python 3 shows, and a mask beyond the
        signed range is handed to 2.7's setter as the C long it stands
        for."""
        descriptor = getattr(_native, attribute)
        as_member = self._as_member

        def get(self):
            value = descriptor.__get__(self)
            if unsigned:
                value = _unsigned(value)
            return as_member(enum_name, value)

        def set(self, value):
            if unsigned and isinstance(value, integer_types):
                value = _signed(int(value))
            descriptor.__set__(self, value)

        return property(get, set, None,
                        "As 3.11: an ssl.%s member." % enum_name)

    def _proto_bound(self, maximum):
        feature = "maximum_version" if maximum else "minimum_version"
        unbounded = -1 if maximum else -2
        require = self._require
        versions = self._enums["TLSVersion"]

        def get(self):
            value = require(self, feature).get_proto_version(self, maximum)
            return versions(value or unbounded)

        def set(self, value):
            backend = require(self, feature)
            if not maximum and value == 0x0300:
                self.options &= ~_ssl.OP_NO_SSLv3
            number = c_long_arg(value)
            if number > INT_MAX:
                raise OverflowError("Option is too long")
            if _protocol(self) not in (PROTOCOL_TLS, PROTOCOL_TLS_CLIENT,
                                       PROTOCOL_TLS_SERVER):
                raise ValueError("The context's protocol doesn't support "
                                 "modification of highest and lowest "
                                 "version.")
            if number in (0x0300, 0x0301, 0x0302):
                warnings.warn("ssl.TLSVersion.%s is deprecated"
                              % versions(number).name,
                              DeprecationWarning, stacklevel=2)
            elif number not in (-2, -1, 0x0303, 0x0304):
                raise ValueError("Unsupported TLS/SSL version 0x%x"
                                 % (number & 0xFFFFFFFF))
            if number == unbounded:
                number = 0
            elif number == -3 - unbounded:  # the other side's pseudo-version
                number = (0x0300 if hasattr(_ssl, "PROTOCOL_SSLv3")
                          else 0x0301) if maximum else 0x0304
            if not backend.set_proto_version(self, maximum, number):
                raise ValueError("Unsupported protocol version 0x%x" % number)

        return property(get, set, None, "As 3.11: a TLSVersion member.")

    def _get_security_level(self, context):
        return self._require(context, "security_level").security_level(
            context)

    def _get_num_tickets(self, context):
        return self._require(context, "num_tickets").get_num_tickets(context)

    def _set_num_tickets(self, context, value):
        backend = self._require(context, "num_tickets")
        number = c_long_arg(value)
        if number < 0:
            raise ValueError("value must be non-negative")
        if _protocol(context) != PROTOCOL_TLS_SERVER:
            raise ValueError("SSLContext is not a server context.")
        if not backend.set_num_tickets(context, number):
            raise ValueError("failed to set num tickets.")

    def _get_post_handshake_auth(self, context):
        if "post_handshake_auth" in self.backend.absent:
            return None  # as Python 3 built against a release without TLS 1.3
        self._require(context, "post_handshake_auth")
        return _state(context)["post_handshake_auth"]

    def _set_post_handshake_auth(self, context, value):
        self._require(context, "post_handshake_auth")
        _state(context)["post_handshake_auth"] = bool(value)

    def _get_hostname_checks_common_name(self, context):
        if "hostname_checks_common_name" not in self.backend.features:
            return True
        return not host_flags(context) & HOSTFLAG_NEVER_CHECK_SUBJECT

    def _set_hostname_checks_common_name(self, context, value):
        backend = self._require(context, "hostname_checks_common_name")
        state = _state(context)
        flags = state["host_flags"] & ~HOSTFLAG_NEVER_CHECK_SUBJECT
        if not value:
            flags |= HOSTFLAG_NEVER_CHECK_SUBJECT
        backend.set_host_flags(context, flags)
        state["host_flags"] = flags

    def _set_sni_callback(self, context, callback):
        """3.7+'s ``sni_callback``: called as ``callback(sslobj,
        server_name, context)`` with the name as the client sent it (an
        A-label; 2.7 decodes it to Unicode first, so it is encoded back)."""
        self._require(context, "sni_callback")
        if _protocol(context) == PROTOCOL_TLS_CLIENT:
            raise ValueError("sni_callback cannot be set on TLS_CLIENT "
                             "context")
        state = _state(context)
        state["sni_callback"] = None
        if callback is None:
            _native_set_servername_callback(context, None)
            return
        if not callable(callback):
            _native_set_servername_callback(context, None)
            raise TypeError("not a callable object")

        def a_label_callback(sslobj, server_name, context):
            if server_name is not None:
                server_name = server_name.encode("idna").decode("ascii")
            return callback(sslobj, server_name, context)

        # The native context holds the wrapper, and the wrapper the
        # callback: a callback that refers to its context makes a cycle the
        # collector sees through the native context.  The state keeps a
        # weak reference only; a strong one would keep such a context alive
        # for good.
        a_label_callback.callback = callback
        _native_set_servername_callback(context, a_label_callback)
        state["sni_callback"] = weakref.ref(a_label_callback)

    def _del_sni_callback(self, context):
        self._set_sni_callback(context, None)

    def _get_keylog_filename(self, context):
        self._require(context, "keylog_filename")
        return _state(context)["keylog_filename"]

    def _set_keylog_filename(self, context, path):
        """3.8+'s ``keylog_filename``: NSS key log lines of every connection
        of the context appended to ``path`` (None: stop)."""
        backend = self._require(context, "keylog_filename")
        state = _state(context)
        backend.set_keylog(context, None)
        state["keylog_filename"] = None
        old, state["keylog"] = state["keylog"], None
        if old is not None:
            old.close()
        if path is None:
            return
        if not isinstance(path, TEXT_TYPES):
            raise TypeError("expected str, bytes or os.PathLike object, not "
                            "%s" % type(path).__name__)
        writer = KeylogWriter(path)
        # Closed when the context goes: the weak map drops the state, and
        # this reference (held by the state itself) calls close.
        state["keylog"] = writer
        state["keylog_filename"] = path
        state["keylog_closer"] = weakref.ref(context,
                                             lambda ref: writer.close())
        backend.set_keylog(context, writer)

    def get_ciphers(self, context):
        """3.6+'s ``get_ciphers()``: a dict per enabled cipher, in order."""
        return self._require(context, "get_ciphers").get_ciphers(context)

    def attributes(self):
        """``[(name, value)]`` to set on a 2.7 SSLContext class: not those
        the interpreter's own context already serves, unless the engine's
        backend serves them too (PyPy 7.3's ``get_ciphers()`` gives cdata
        objects where Python 3 gives text)."""
        native = native_features() - self.backend.features
        return [(name, value) for name, value in [
            ("__new__", staticmethod(self.context_new)),
            ("__init__", _method(self.context_init)),
            ("_wrap_socket", self._wrap_socket_checked()),
            ("options", self._enum_property("options", "Options",
                                            unsigned=True)),
            ("verify_mode", self._enum_property("verify_mode", "VerifyMode")),
            ("verify_flags", self._enum_property("verify_flags",
                                                 "VerifyFlags")),
            ("minimum_version", self._proto_bound(False)),
            ("maximum_version", self._proto_bound(True)),
            ("security_level", property(self._get_security_level)),
            ("num_tickets", property(self._get_num_tickets,
                                     self._set_num_tickets)),
            ("post_handshake_auth", property(self._get_post_handshake_auth,
                                             self._set_post_handshake_auth,
                                             _cannot_delete)),
            ("hostname_checks_common_name", property(
                self._get_hostname_checks_common_name,
                self._set_hostname_checks_common_name)),
            ("sni_callback", property(_get_sni_callback,
                                      self._set_sni_callback,
                                      self._del_sni_callback)),
            ("set_servername_callback", set_servername_callback),
            ("keylog_filename", property(self._get_keylog_filename,
                                         self._set_keylog_filename,
                                         _cannot_delete)),
            ("get_ciphers", _method(self.get_ciphers)),
        ] if name not in native]

"""Observations of one scenario, normalised so that 2.7 and 3.x transcripts compare.

A transcript is a list of ``[label, outcome]`` pairs.  An outcome is
``{"returns": value}`` or ``{"raises": ClassName, "isa": [...], ...}``
(``isa``: which of CertificateError, OSError, SSLError, ValueError the
exception is an instance of; then errno, reason, library, verify_code,
verify_message where the exception has them; then ``str`` and ``repr``, see
below), plus ``"warnings": [...]`` when the call emitted warnings.

Values are made JSON-able and language-neutral:

* text (3.x ``str``, 2.7 ``unicode``) is a JSON string;
* 3.x ``bytes`` is ``{"bytes": latin-1 text}``;
* 2.7 ``str`` is ``{"str": ...}``: it is 3.x's bytes *or* text, the language's
  own difference, so ``compare.py`` lets it match either;
* ``long``/``int`` and ``IntEnum`` members are plain integers;
* a tuple is a JSON list, a list is ``{"list": [...]}`` (the two are not the
  same observable type); dicts have their keys as text, sorted when dumped;
* any other object is ``{"object": type name}``.

An exception's text is the language's own string on every version: 3.x
``str``, 2.7 ``str``.  Its text attributes are therefore recorded strictly:
2.7 ``unicode`` is ``{"unicode": ...}``, 3.x ``bytes`` is ``{"bytes": ...}``,
neither of which matches the other side's plain string.  ``str(exc)`` and
``repr(exc)`` are recorded as read, less what legitimately differs between
versions:

* the ``" (_ssl.c:NNNN)"`` source line Python 3's ``_ssl`` appends to its
  messages (sslbio has no C source to point to);
* 2.7's repr of a one-argument exception, ``Error('x',)``, is 3.x's
  ``Error('x')``, and the class name in the repr is the one ``raises`` gives
  (2.7's ``socket.error`` is 3.x's ``OSError``);
* the wording of exceptions other than ``ssl.SSLError``'s, which the
  interpreter itself often writes (argument counts, read-only attributes):
  of those only the form is kept, an ``[Errno N]`` prefix of ``str`` and the
  kind of each string in ``repr``, e.g. ``TypeError('...')``, where 2.7's
  ``str`` and 3.x's ``bytes`` both read ``'...'`` (as compare.py allows).

What remains shows a 2.7-only ``[Errno N]`` prefix or ``u'...'`` at once.
"""

from __future__ import print_function

import hashlib
import re
import ssl
import sys
import traceback
import warnings

PY2 = sys.version_info[0] == 2

if PY2:
    text_type = unicode  # noqa: F821  (2.7 only)
    integer_types = (int, long)  # noqa: F821
    OSErrorBase = EnvironmentError
else:
    text_type = str
    integer_types = (int,)
    OSErrorBase = OSError

# The ssl exception classes a transcript names, most specific first.
SSL_ERROR_NAMES = (
    "SSLCertVerificationError",
    "SSLZeroReturnError",
    "SSLWantReadError",
    "SSLWantWriteError",
    "SSLSyscallError",
    "SSLEOFError",
    "SSLError",
)

# 2.7 spells 3.x's OSError in several ways; they are one class on 3.x.
_OSERROR_ALIASES = ("IOError", "EnvironmentError", "WindowsError", "error")

ERROR_ATTRIBUTES = ("errno", "reason", "library", "verify_code",
                    "verify_message")


def normalise(value):
    """Return a JSON-able, interpreter-neutral form of ``value``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, integer_types):
        return int(value)  # also turns IntEnum members into plain numbers
    if isinstance(value, float):
        return value
    if isinstance(value, text_type):
        return value
    if PY2 and isinstance(value, str):
        return {"str": value.decode("latin-1")}
    if isinstance(value, bytes):
        return {"bytes": value.decode("latin-1")}
    if isinstance(value, bytearray):
        return {"bytearray": bytes(value).decode("latin-1")}
    if isinstance(value, tuple):
        return [normalise(v) for v in value]
    if isinstance(value, list):
        return {"list": [normalise(v) for v in value]}
    if isinstance(value, dict):
        return dict((_key(k), normalise(v)) for k, v in value.items())
    return {"object": type(value).__name__}


def _key(key):
    if isinstance(key, bytes) and not PY2:
        return "b:" + key.decode("latin-1")
    if isinstance(key, bytes):
        return key.decode("latin-1")
    return text_type(key)


def shape(value):
    """Kind and length of a string-like value whose content is random
    (session ids, tls-unique): ``{"bytes": 32}`` rather than the bytes."""
    norm = normalise(value)
    if isinstance(norm, dict) and len(norm) == 1:
        kind = list(norm)[0]
        if kind in ("str", "bytes", "bytearray"):
            return {kind: len(value)}
    if isinstance(value, text_type):
        return {"text": len(value)}
    return norm


def brief(value):
    """``value`` itself when short, else its shape and a digest: keeps
    transcripts readable when a scenario moves kilobytes."""
    if isinstance(value, (bytes, bytearray, text_type)) and len(value) > 64:
        data = value if not isinstance(value, text_type) else value.encode("utf-8")
        return (shape(value), hashlib.sha256(bytes(data)).hexdigest()[:16])
    return value


def exception_class_name(exc):
    """The most specific ssl or builtin class of ``exc``, by 3.x's name.

    A class called like one of ssl's but not *being* ssl's (after
    ``inject_into_ssl()`` on 2.7 they must be the same object) is reported as
    ``module.Name`` so that the difference shows.
    """
    for cls in type(exc).__mro__:
        name = cls.__name__
        if name in SSL_ERROR_NAMES:
            if getattr(ssl, name, None) is cls:
                return name
            return "%s.%s" % (cls.__module__, name)
        if name == "CertificateError" and getattr(ssl, name, None) is cls:
            return name
        if cls.__module__ in ("builtins", "exceptions", "socket"):
            if PY2 and name in _OSERROR_ALIASES:
                return "OSError"
            if cls.__module__ != "socket":
                return name
    return type(exc).__name__


def exception_text(value):
    """An exception attribute: the native ``str`` as a plain JSON string,
    any other string type marked with its kind (see the module docstring)."""
    if isinstance(value, str):
        return value if not PY2 else value.decode("latin-1")
    if isinstance(value, text_type):
        return {"unicode": value}
    return normalise(value)


# Python 3's _ssl names the C line that raised: " (_ssl.c:1006)".
_SSL_C_LINE = re.compile(r" \(_ssl\.c:\d+\)")
_ERRNO_PREFIX = re.compile(r"\[Errno [^\]]*\] ")
# A string literal in a repr, with its prefix.
_STRING_LITERAL = re.compile(
    r"""([bBuU]?)('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def exception_reading(exc, class_name):
    """``(str(exc), repr(exc))`` without what differs by version only (see
    the module docstring)."""
    try:
        text = str(exc)
    except UnicodeError as error:  # 2.7: str() of a non-ASCII unicode message
        text = "<str() raised %s>" % type(error).__name__
    shown = repr(exc)
    own_name = type(exc).__name__
    if shown.startswith(own_name + "("):
        shown = class_name + shown[len(own_name):]
        if PY2 and len(exc.args) == 1 and shown.endswith(",)"):
            shown = shown[:-2] + ")"
    if isinstance(exc, ssl.SSLError):
        text, shown = _SSL_C_LINE.sub("", text), _SSL_C_LINE.sub("", shown)
    else:
        prefix = _ERRNO_PREFIX.match(text)
        text = (prefix.group(0) if prefix else "") + "..."
        shown = _STRING_LITERAL.sub(_literal_form, shown)
    if PY2:
        text, shown = text.decode("latin-1"), shown.decode("latin-1")
    return text, shown


def _literal_form(match):
    return ("u" if match.group(1) in ("u", "U") else "") + "'...'"


def describe_exception(exc):
    out = {"raises": exception_class_name(exc)}
    # The classes code commonly catches, whichever class was raised.
    bases = (("CertificateError", getattr(ssl, "CertificateError", ())),
             ("OSError", OSErrorBase),
             ("SSLError", ssl.SSLError),
             ("ValueError", ValueError))
    out["isa"] = [name for name, cls in bases if cls and isinstance(exc, cls)]
    for attr in ERROR_ATTRIBUTES:
        if hasattr(exc, attr):
            out[attr] = exception_text(getattr(exc, attr))
    out["str"], out["repr"] = exception_reading(exc, out["raises"])
    return out


def _warning_names(caught):
    return sorted(set(w.category.__name__ for w in caught))


class Recorder(object):
    """Collects the observations of one scenario."""

    def __init__(self, verbose=False):
        self.observations = []
        self.verbose = verbose

    def _add(self, label, outcome):
        self.observations.append([label, outcome])

    def value(self, label, value):
        """Record a plain fact."""
        self._add(label, {"returns": normalise(value)})
        return value

    def call(self, label, fn, *args, **kwargs):
        """Run ``fn(*args, **kwargs)``; record and return its result, or
        record and *return* the exception it raised (see ``failed``)."""
        return self.call_via(label, None, fn, *args, **kwargs)

    def shape(self, label, fn, *args, **kwargs):
        """Like ``call`` but record only the kind and length of the result."""
        return self.call_via(label, shape, fn, *args, **kwargs)

    def call_via(self, label, post, fn, *args, **kwargs):
        """Like ``call`` but record ``post(result)`` instead of the result."""
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                result = fn(*args, **kwargs)
            except Exception as exc:  # every exception is an observation
                outcome = describe_exception(exc)
                result = exc
                if self.verbose:
                    traceback.print_exc()
            else:
                recorded = post(result) if post else result
                outcome = {"returns": normalise(recorded)}
        names = _warning_names(caught)
        if names:
            outcome["warnings"] = names
        self._add(label, outcome)
        return result


def failed(result):
    """True when a ``Recorder.call`` result is the exception it raised."""
    return isinstance(result, BaseException)

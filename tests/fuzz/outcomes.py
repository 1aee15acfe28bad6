"""What a call did, in a form that compares across interpreters, and the
oracle that judges it.

A case's transcript is a list of ``[label, outcome]``.  An outcome is
``["ok", value]`` with the value reduced to what is deterministic and
language-neutral (bytes become their length: TLS is full of random bytes,
and their length is what a caller observes about them), or
``["raise", class name, errno, library, reason]`` for an exception:
classes and the attributes Python 3.11's contract names, never messages.

``Transcript.call()`` runs one call under the oracle: the exception, if
any, must be an instance of the classes allowed for that call, else the
call is a violation (kept with its traceback).  ``KeyboardInterrupt`` and
``SystemExit`` are never swallowed.
"""

import hashlib
import json
import ssl
import sys
import traceback

from support.openssl_release import HAS_TLS13

PY2 = sys.version_info[0] == 2
if PY2:
    _text_type = unicode  # noqa: F821
    _integer_types = (int, long)  # noqa: F821
else:
    _text_type = str
    _integer_types = (int,)


def exception_outcome(exc):
    """``["raise", class, errno, library, reason]``."""
    errno = getattr(exc, "errno", None)
    if not isinstance(errno, _integer_types) or isinstance(errno, bool):
        errno = None
    return ["raise", type(exc).__name__, errno,
            _plain(getattr(exc, "library", None)),
            _plain(getattr(exc, "reason", None))]


def _plain(value):
    if value is None:
        return None
    if isinstance(value, bytes) and not PY2:
        return value.decode("latin-1")
    return "%s" % (value,)


def value_outcome(value, binary=False):
    """``["ok", normalised value]``; see ``normalise()``."""
    return ["ok", normalise(value, binary)]


def normalise(value, binary=False):
    """A JSON-able, deterministic, interpreter-neutral summary of a value.

    2.7's ``str`` is bytes or text depending on the call: names (cipher,
    version) are text, data is bytes.  Callers of calls that return data
    say so with ``binary``."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, _integer_types):
        return int(value)
    if isinstance(value, float):
        return value
    if isinstance(value, _text_type) or (PY2 and isinstance(value, str)
                                         and not binary):
        return "%s" % (value,)
    if isinstance(value, (bytes, bytearray)):
        return {"bytes": len(value)}
    if isinstance(value, tuple):
        return [normalise(v) for v in value]
    if isinstance(value, list):
        return {"list": len(value)}
    if isinstance(value, dict):
        return {"dict": sorted("%s" % (k,) for k in value)}
    return {"object": type(value).__name__}


class Transcript(object):
    """The observed calls of one case and the oracle's verdicts on them."""

    def __init__(self):
        self.entries = []
        self.violations = []
        self.notes = []

    def note(self, text):
        """Free text for the reader (which mutation, where); not compared."""
        self.notes.append(text)

    def record(self, label, outcome):
        self.entries.append([label, outcome])

    def call(self, label, allowed, function, *args, **kwargs):
        """Run ``function(*args, **kwargs)``; returns ``(ok, value or
        exception)``.  ``allowed`` is a tuple of exception classes; the
        keyword ``binary_result`` says the call returns data (see
        ``normalise()``)."""
        binary = kwargs.pop("binary_result", False)
        try:
            value = function(*args, **kwargs)
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:
            self.entries.append([label, exception_outcome(exc)])
            if not isinstance(exc, allowed):
                self.violate(label, exc, allowed)
            return False, exc
        self.entries.append([label, value_outcome(value, binary)])
        return True, value

    def violate(self, label, exc, allowed):
        self.violations.append({
            "kind": "disallowed-exception",
            "call": label,
            "exception": type(exc).__name__,
            "message": "%s" % (exc,),
            "allowed": [cls.__name__ for cls in allowed],
            "traceback": traceback.format_exc(),
        })

    def digest(self):
        text = json.dumps(self.entries, sort_keys=True)
        return hashlib.sha1(text.encode("utf-8")).hexdigest()


# The exception classes each kind of call may raise on Python 3.11 when
# called with valid arguments (the flight fuzzer's calls; the stateful
# fuzzer's argument-dependent table is spec.py).
RECORD_LAYER = (ssl.SSLError,)  # do_handshake, read, write, unwrap, ...
# verify_client_post_handshake() needs TLS 1.3: Python 3 built against an
# OpenSSL without it (before 1.1.1) raises NotImplementedError.
POST_HANDSHAKE_AUTH = RECORD_LAYER + (() if HAS_TLS13 else (NotImplementedError,))
NOTHING = ()  # version(), cipher(), pending(), ...
PEERCERT = (ValueError,)  # getpeercert() before the handshake has finished
SESSION = (ValueError,)  # the session getter when i2d/d2i fails

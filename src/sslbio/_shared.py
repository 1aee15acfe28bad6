"""What every copy of sslbio in one process shares.

A process may hold several copies: an installed ``sslbio`` and any number
vendored into other projects (``yourproject._vendor.sslbio``), each with its
own engine classes.  To the user they are all one Python 3 ``ssl`` API, so:

* A ``MemoryBIO`` or ``SSLSession`` of any copy is accepted wherever one of
  another copy's is (Python 3 has one ``ssl.MemoryBIO`` type).  Each engine
  class carries an *interop mark* in its own namespace; two classes with
  equal marks are the same kind of object, made for the same loaded OpenSSL
  with the same private attributes (``_bio``/``_biop`` for a BIO,
  ``_session``/``_ctx_ptr`` for a session).
* ``SSLCertVerificationError`` is one class for all copies, so one
  ``except`` clause catches what any of them raises.
* ``inject_into_ssl()`` keeps one record of what ``ssl`` held before and of
  which copies have injected (see ``_inject``).

The shared state lives on the interpreter's ``_ssl`` module, which every
copy binds to anyway, under ``_sslbio_shared``: a dict whose keys are part
of the contract between copies of different versions.  ``INTEROP_VERSION``
must change whenever the meaning of the marked classes' private attributes
does; copies with different versions then treat each other's objects as the
foreign types they are.
"""

import threading

import _ssl

__all__ = ["INTEROP_VERSION", "state", "mark", "is_engine_class",
           "is_counterpart", "shared_class"]

INTEROP_VERSION = 1
_MARK = "_sslbio_interop"
_ATTRIBUTE = "_sslbio_shared"


def state():
    """The process-wide dict.  ``lock``: an RLock held for every change.
    ``layers``: ``[(copy's package name, [(owner, name, value), ...])]``,
    one per injected copy, oldest first.  ``saved``: ``{(owner, name):
    (present, value)}``, what ``ssl`` held before any copy injected.  Any
    other key: a class (or the map of context state) shared by that name
    (``shared_class``)."""
    found = _ssl.__dict__.get(_ATTRIBUTE)
    if found is None:
        fresh = {"lock": threading.RLock(), "saved": {}, "layers": []}
        # setdefault on a module dict with a str key is atomic in CPython:
        # two copies importing in two threads still end up with one dict.
        found = _ssl.__dict__.setdefault(_ATTRIBUTE, fresh)
    return found


def mark(library_id, *classes):
    """Stamp engine classes with their interop mark: the interop version,
    the class's public name and the address that identifies the loaded
    OpenSSL (its memory BIO method table)."""
    for cls in classes:
        setattr(cls, _MARK, (INTEROP_VERSION, cls.__name__, library_id))


def is_engine_class(cls):
    """Whether ``cls`` is the engine class of some copy itself (not a
    subclass of one, nor anything else)."""
    return _MARK in getattr(cls, "__dict__", ())


def is_counterpart(obj, cls):
    """Whether ``obj`` is an instance of another copy's class that does
    the job of the engine class ``cls``, for the same OpenSSL."""
    mark_of_obj = getattr(type(obj), _MARK, None)
    return mark_of_obj is not None and mark_of_obj == getattr(cls, _MARK,
                                                              None)


def shared_class(name, define):
    """The class (or other object) every copy uses under ``name``: the
    first copy's ``define()``."""
    shared = state()
    with shared["lock"]:
        if name not in shared:
            shared[name] = define()
        return shared[name]

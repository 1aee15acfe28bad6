"""Differences between 2.7 (held to Python 3.11) and an older Python 3.

Where the reference interpreter is not 3.11 (Debian bullseye's python3, 3.9,
which shares the chroot's OpenSSL 1.1.1 with the 2.7 under test), some
observations differ because Python 3 itself changed between 3.9 and 3.11.
Each rule here names one such change; every one of them shows identically
between pyenv's 3.9 and 3.11 on OpenSSL 3.0, so none is an OpenSSL release
difference.  tests/conformance/README.md lists them.
"""

import json

from conformance.compare import set_aside


def _raises(outcome, name):
    return isinstance(outcome, dict) and outcome.get("raises") == name


def _cut_stream(label, observed, reference):
    # 3.10 moved read()/write() to SSL_read_ex()/SSL_write_ex(), whose 0 on
    # a stream cut short 3.11 reports as an EOF; 3.9's SSL_read() returned
    # -1 there, which it reported as a syscall error.
    return _raises(observed, "SSLEOFError") and \
        _raises(reference, "SSLSyscallError")


def _empty_write(label, observed, reference):
    # 3.10+ returns 0 for write(b"") without calling OpenSSL.  (A write of
    # any data returns its length: 0 is an empty one, whatever the label.)
    return "write" in label and isinstance(observed, dict) and \
        observed.get("returns") == 0 and "raises" in reference


def _session_copy_refused(label, observed, reference):
    # 3.10+'s session getter duplicates the session (i2d/d2i) and raises
    # ValueError where that fails, as for one of an unfinished handshake;
    # 3.9 returned None there.
    return "session" in label and _raises(observed, "ValueError") and \
        reference == {"returns": None}


def _session_type_name(label, observed, reference):
    # 3.10 renamed _ssl.Session to _ssl.SSLSession.
    return '"Session"' in json.dumps(reference) and \
        "SSLSession" in json.dumps(observed)


def _npn_deprecated(label, observed, reference):
    # 3.10 deprecated NPN: selected_npn_protocol() warns.
    if not isinstance(observed, dict) or not isinstance(reference, dict):
        return False
    rest = dict(observed)
    return rest.pop("warnings", None) == ["DeprecationWarning"] and \
        rest == reference


def _shared_ciphers(label, observed, reference):
    # 3.9's shared_ciphers() lists the context's ciphers on either side;
    # 3.11 lists those the client offered, on the server side only.
    return "shared_ciphers" in label


def _read_length(label, observed, reference):
    # 3.9 takes read()'s len as a C int: beyond INT_MAX it raises
    # OverflowError (before any other argument is looked at), and read()
    # without a length reads at most 1024 bytes; 3.11 takes a Py_ssize_t and
    # reads what is there.  (The fuzzers label their calls by name: "read".)
    return label in ("read(2**31)", "read() default takes the rest") or (
        label == "read" and _raises(reference, "OverflowError"))


RULES = (_cut_stream, _empty_write, _session_type_name, _npn_deprecated,
         _shared_ciphers, _read_length, _session_copy_refused)


def unexplained(diffs):
    """The entries of ``compare.differences()`` no 3.9-vs-3.11 rule explains."""
    return set_aside(diffs, RULES)

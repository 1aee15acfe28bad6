"""Differences between 2.7 (held to Python 3.11) and an older Python 3.

Where the reference interpreter is not 3.11 (Debian bullseye's python3, 3.9,
which shares the chroot's OpenSSL 1.1.1 with the 2.7 under test; pyenv's 3.9
with its _ssl rebuilt against OpenSSL 1.0.2u, which 3.11 does not support),
some observations differ because Python 3 itself changed between 3.9 and
3.11.  Each rule here names one such change; every one of them shows
between pyenv's 3.9 and 3.11 on OpenSSL 3.0, so none is an OpenSSL release
difference (one shows on 1.0.2 in a form of its own, said where).
tests/conformance/README.md lists them.
"""

import json
import ssl

from conformance.compare import set_aside

# OpenSSL 1.0.2, which 3.10+ do not support: two of the rules below apply
# there only.
_ON_102 = ssl.OPENSSL_VERSION_INFO < (1, 1)


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


# What 3.9's session getter returned for a session it could not have copied:
# None on OpenSSL 1.1.x; on 1.0.2, where it did not copy, the session itself
# (its type name, or the object).
_UNCOPIED_SESSION = ({"returns": None}, {"returns": "Session"},
                     {"returns": {"object": "Session"}})


def _session_copy_refused(label, observed, reference):
    # 3.10+'s session getter duplicates the session (i2d/d2i) and raises
    # ValueError where that fails, as for one of an unfinished handshake;
    # 3.9 returned None there (the session itself on OpenSSL 1.0.2).
    return "session" in label and _raises(observed, "ValueError") and \
        reference in _UNCOPIED_SESSION


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


def _cipher_of_a_copied_session(label, observed, reference):
    # The same copy on OpenSSL 1.0.2, whose d2i_SSL_SESSION leaves the
    # copy's cipher unresolved until a handshake with it gets as far as the
    # ServerHello: a client that offered such a copy and failed before that
    # has no cipher() (None), where 3.9 offered the session itself and
    # reports its cipher.
    return _ON_102 and label.endswith("cipher") and \
        observed == {"returns": None} and isinstance(reference, dict) and \
        isinstance(reference.get("returns"), list)


def _reason_named_by_older_table(label, observed, reference):
    # 3.9 names OpenSSL's reasons by a table made from 1.1.1's headers;
    # built against 1.0.2, a reason whose number 1.1.1 gave to another one
    # gets the other's name (1.0.2's BAD_MESSAGE_TYPE reads
    # BAD_PSK_IDENTITY, a reason 1.0.2 does not have); 3.10+ do not build
    # against 1.0.2, and sslbio names a reason after the release's own
    # string.  Only such a name, on an otherwise equal error, is set aside.
    if not (_ON_102 and isinstance(observed, dict) and
            isinstance(reference, dict) and "raises" in observed and
            "raises" in reference):
        return False
    keys = ("raises", "errno", "library")
    if [observed.get(k) for k in keys] != [reference.get(k) for k in keys]:
        return False
    names = release_reason_names()
    return observed.get("reason") in names and \
        reference.get("reason") not in names


_REASON_NAMES = []


def release_reason_names():
    """The names of the SSL library's reasons on this OpenSSL release (1.x),
    as sslbio derives them from the release's strings (read once)."""
    if not _REASON_NAMES:
        from engine_cases.real_library import binding
        from sslbio import _errors
        lib = binding()
        found = set()
        for reason in range(1, 1200) if lib is not None else ():
            code = _errors._ERR_LIB_SSL << 24 | reason  # 1.x's ERR_PACK
            if lib.ERR_reason_error_string(code):
                found.add(_errors._names(lib, code)[1])
        _REASON_NAMES.append(frozenset(found))
    return _REASON_NAMES[0]


RULES = (_cut_stream, _empty_write, _session_type_name, _npn_deprecated,
         _shared_ciphers, _read_length, _session_copy_refused,
         _cipher_of_a_copied_session, _reason_named_by_older_table)


def _goes_on_with_the_session(label, observed, reference):
    # After a refused copy, 3.9 on 1.0.2 holds a session where 3.11 has
    # none: a scenario that uses it goes on where 2.7's stops.
    return label.startswith("<sequence diverges") and observed is None


def unexplained(diffs):
    """The entries of ``compare.differences()`` no 3.9-vs-3.11 rule explains."""
    refused = [entry for entry in diffs if _session_copy_refused(*entry)]
    rules = RULES + ((_goes_on_with_the_session,) if refused else ())
    return set_aside(diffs, rules)

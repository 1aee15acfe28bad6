"""What PyPy, the interpreter, allows that Python 3's C types refuse.

Under PyPy 2.7 (sslbio's pypy engine) the transcripts are held to Python 3.11
like CPython 2.7's.  One kind of observation cannot match: PyPy lets every
object be weakly referenced, where CPython refuses it for a type without a
weak reference slot, as Python 3's ``MemoryBIO`` and ``SSLSession`` are.  No
Python code can make PyPy refuse it, so under PyPy that difference, and only
that one, is set aside by the rule below.
"""


def _weak_reference(label, observed, reference):
    # PyPy gives a weak reference (or proxy) where Python 3 raises TypeError.
    return label.startswith("weakref.") and \
        isinstance(reference, dict) and reference.get("raises") == "TypeError" \
        and isinstance(observed, dict) and "returns" in observed


RULES = (_weak_reference,)

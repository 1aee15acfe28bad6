"""Compare transcripts, allowing only the language's own differences.

The one such difference a transcript can show is 2.7's ``str``: it is what
3.x calls bytes in some places and text in others, so a 2.7 ``{"str": x}``
matches a 3.x ``{"bytes": x}`` or the text ``x``.  Everything else must be
equal.
"""

from __future__ import print_function

import json
import sys

if sys.version_info[0] == 2:
    _text = (unicode, str)  # noqa: F821  (2.7 only)
else:
    _text = (str,)


def same(a, b):
    """True when observation values ``a`` and ``b`` are equivalent."""
    if _is_native_str(a) and not _is_native_str(b):
        return _native_matches(a["str"], b)
    if _is_native_str(b) and not _is_native_str(a):
        return _native_matches(b["str"], a)
    if isinstance(a, dict) and isinstance(b, dict):
        return (sorted(a) == sorted(b) and
                all(same(a[k], b[k]) for k in a))
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):  # JSON true is not 1
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


def _is_native_str(v):
    return isinstance(v, dict) and list(v) == ["str"]


def _native_matches(content, other):
    if isinstance(other, _text):
        return content == other
    if isinstance(other, dict) and list(other) == ["bytes"]:
        return content == other["bytes"]
    # shape(): {"str": 32} against {"bytes": 32} or {"text": 32}
    if isinstance(other, dict) and sorted(other) in (["bytes"], ["text"]):
        return content == list(other.values())[0]
    return False


def differences(observed, reference):
    """``[(label, observed outcome, reference outcome)]`` for every
    observation that differs.  Observations are paired by position; where the
    labels stop matching (one side recorded more or other steps) the rest is
    not comparable and one entry says where the sequences diverge."""
    out = []
    for i in range(max(len(observed), len(reference))):
        a = observed[i] if i < len(observed) else None
        b = reference[i] if i < len(reference) else None
        if a is not None and b is not None and a[0] == b[0]:
            if not same(a[1], b[1]):
                out.append((a[0], a[1], b[1]))
            continue
        out.append(("<sequence diverges at #%d>" % i,
                    a and {"label": a[0], "outcome": a[1]},
                    b and {"label": b[0], "outcome": b[1]}))
        break
    return out


def set_aside(diffs, rules):
    """The entries of ``differences()`` that no rule explains; a rule is
    ``rule(label, observed outcome, reference outcome) -> bool``."""
    return [(label, observed, reference) for label, observed, reference in diffs
            if not any(rule(label, observed, reference) for rule in rules)]


def render(diffs, left="observed", right="reference", limit=40):
    """Human-readable lines for ``differences()`` output."""
    lines = []
    for label, a, b in diffs[:limit]:
        lines.append("  %s\n    %s: %s\n    %s: %s" % (
            label, left, json.dumps(a, sort_keys=True),
            right, json.dumps(b, sort_keys=True)))
    if len(diffs) > limit:
        lines.append("  ... %d more" % (len(diffs) - limit))
    return "\n".join(lines)

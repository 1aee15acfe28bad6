"""Comparing what sslbio on 2.7 did with what Python 3.11 (or an older
reference) did.

Flight cases are compared whole (a digest of the transcript, then the
entries); stateful programs step by step, up to the first step that
involved a deviant object (``spec.py``) and skipping steps whose argument
means text on 2.7 but bytes on 3.x.  Differences that the target engine's
declared limitations or the reference's age explain are set aside
(``known.py``).  Only the first other difference is reported: everything
after it is usually its consequence.

Randomness in TLS (keys, signatures) means a mutation sometimes lands on a
byte whose effect depends on its random value; so a difference counts only
once confirmed: the case is run again several times on both interpreters,
each side must give the same result every time, and the two sides must
still differ.  Otherwise it is *unstable* and only counted.
"""

import json

SEVERITY = ("class", "attribute", "value")


def first_difference(target, reference):
    """``(index, label, target outcome, reference outcome)`` of the first
    differing entry of two flight transcripts, or None."""
    for index, (mine, theirs) in enumerate(zip(target, reference)):
        if mine != theirs:
            return index, mine[0], mine[1], theirs[1]
    if len(target) != len(reference):
        index = min(len(target), len(reference))
        longer = target if len(target) > len(reference) else reference
        return index, longer[index][0], \
            target[index][1] if index < len(target) else None, \
            reference[index][1] if index < len(reference) else None
    return None


def severity(mine, theirs):
    """How two outcomes differ: "class" (another exception class, or an
    exception against a result), "attribute" (same class, other errno,
    library or reason) or "value" (other results)."""
    if _is_multi(mine) or _is_multi(theirs):
        for a, b in zip(mine or [], theirs or []):
            if a != b:
                return severity(a, b)
        return "class"
    if not mine or not theirs or mine[0] != theirs[0]:
        return "class"
    if mine[0] == "raise":
        return "class" if mine[1] != theirs[1] else "attribute"
    return "value"


def _is_multi(outcome):
    return bool(outcome) and isinstance(outcome[0], list)


def stable(results):
    """All runs of one side gave the same result."""
    return all(result == results[0] for result in results[1:])


def signature(label, mine, theirs):
    """What groups mismatches of one kind: the call (step numbers
    dropped) and the two outcomes (of a multi-call step, the first pair
    that differs)."""
    if _is_multi(mine) or _is_multi(theirs):
        pairs = [(a, b) for a, b in zip(mine or [], theirs or []) if a != b]
        if pairs:
            mine, theirs = pairs[0]
    return "%s | %s | %s" % (_call_name(label), _short(mine), _short(theirs))


def _call_name(label):
    if isinstance(label, list):  # a stateful op
        if label[0] == "call":
            return "call %s" % label[2]
        if label[0] in ("get", "set"):
            return "%s %s %s" % (label[0], label[1], label[3])
        return label[0]
    words = label.split()
    return " ".join(w for w in words if not w.isdigit())


def _short(outcome):
    """``SSLError(REASON)`` for an exception, the JSON of a value (the
    same text whichever Python runs the supervisor)."""
    if _is_multi(outcome):
        return "[%s]" % ", ".join(_short(o) for o in outcome)
    if not outcome:
        return "-"
    if outcome[0] == "raise":
        return "%s(%s)" % (outcome[1], outcome[4] or "")
    return json.dumps(outcome[1] if len(outcome) > 1 else outcome[0],
                      sort_keys=True)

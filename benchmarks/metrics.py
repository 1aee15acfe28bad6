"""The catalogue: what is measured, in which units, with what effort.

A *measurement* is one workload call per contender per round (what
``--only`` selects); it reports one or more *rows* (a figure from the
workload's result dict, with its unit and which direction is better).  The
effort levels are ``full`` (the default run, about 10-20 minutes on a 2-core
machine) and ``quick`` (a smoke run of a minute or two).
"""

__all__ = ["Row", "Measurement", "MEASUREMENTS", "select"]


class Row(object):
    """One reported figure."""

    def __init__(self, key, title, unit, field, higher_is_better=True):
        self.key = key                  # unique name, used in JSON and the chart
        self.title = title              # what a reader sees; may hold {param}s
        self.unit = unit
        self.field = field              # key in the workload's result dict
        self.higher_is_better = higher_is_better

    def describe(self, params):
        """The title with the measurement's parameters filled in."""
        return self.title.format(**params)


class Measurement(object):
    """One workload with fixed parameters, interleaved across contenders."""

    def __init__(self, name, workload, params, rows, effort, fresh_process=False,
                 limit=False):
        self.name = name                # what --only matches
        self.workload = workload        # a name in workloads.WORKLOADS
        self.params = params            # workload parameters for every effort
        self.rows = rows
        # effort -> (rounds, extra params): duration per round or object counts
        self.effort = effort
        # Memory rounds each get a new process, so that a heap grown by one
        # round (or by the rate rounds) does not absorb the next one's growth.
        self.fresh_process = fresh_process
        self.limit = limit              # openssl speed takes part

    def rounds(self, effort):
        return self.effort[effort][0]

    def parameters(self, effort):
        params = dict(self.params)
        params.update(self.effort[effort][1])
        return params


def _rate(rounds, seconds):
    return (rounds, {"duration": seconds})


# Rate rounds: long enough that start-up and the clock do not matter, short
# enough that many alternating rounds fit and one noisy second moves one
# round, not a median.
_FULL_RATE = _rate(9, 1.0)
_QUICK_RATE = _rate(3, 0.2)


def _handshake(kind, version):
    name = "handshake-%s-tls%s" % (kind, version)
    title = "full handshakes, %s, TLS %s" % ("RSA-2048" if kind == "rsa" else "ECDSA P-256",
                                             version)
    return Measurement(name, "handshake", {"kind": kind, "version": version},
                       [Row(name, title, "/s", "per_s")],
                       {"full": _FULL_RATE, "quick": _QUICK_RATE})


def _resume(version):
    name = "resume-tls%s" % version
    return Measurement(name, "resume", {"version": version},
                       [Row(name, "resumed handshakes (SSLSession), TLS %s" % version,
                            "/s", "per_s")],
                       {"full": _FULL_RATE, "quick": _QUICK_RATE})


MEASUREMENTS = [
    Measurement("bulk", "bulk", {"chunk_size": 16384},
                [Row("bulk", "bulk transfer, 16 KiB writes, both ways", "MB/s", "mb_per_s")],
                {"full": _FULL_RATE, "quick": _QUICK_RATE}, limit=True),
    # The pump of an event loop that wrote many records before flushing:
    # one MemoryBIO.read() of a whole MiB.
    Measurement("bulk-batch", "bulk", {"chunk_size": 16384, "batch": 64},
                [Row("bulk-batch", "bulk, pumped in 1 MiB batches (64 x 16 KiB writes), "
                     "both ways", "MB/s", "mb_per_s")],
                {"full": _FULL_RATE, "quick": _QUICK_RATE}),
    _handshake("rsa", "1.2"),
    _handshake("rsa", "1.3"),
    _handshake("ecdsa", "1.2"),
    _handshake("ecdsa", "1.3"),
    _resume("1.2"),
    _resume("1.3"),
    Measurement("roundtrip", "roundtrip", {"size": 64},
                [Row("roundtrip", "64-byte request/response round trips", "/s", "per_s")],
                {"full": _FULL_RATE, "quick": _QUICK_RATE}),
    Measurement("memory", "memory", {},
                [Row("memory", "memory per established connection ({pairs:,} pairs)",
                     "KiB", "kib_per_conn", higher_is_better=False),
                 Row("fds", "file descriptors per connection", "fd", "fds_per_conn",
                     higher_is_better=False)],
                {"full": (3, {"pairs": 10000}), "quick": (2, {"pairs": 500})},
                fresh_process=True),
    Measurement("scale", "scale", {},
                [Row("scale-time", "time to create {objects:,} live server SSLObjects",
                     "s", "create_s", higher_is_better=False),
                 Row("scale-memory", "memory per live SSLObject (of {objects:,})",
                     "KiB", "kib_per_object", higher_is_better=False)],
                {"full": (3, {"objects": 100000}), "quick": (2, {"objects": 5000})},
                fresh_process=True),
]


def select(patterns):
    """The measurements whose name starts with one of ``patterns`` ("handshake"
    selects all four handshake measurements, "resume-tls1.3" one).  Raises
    ValueError naming a pattern that matches nothing."""
    if not patterns:
        return list(MEASUREMENTS)
    chosen = set()
    for pattern in patterns:
        matches = [m.name for m in MEASUREMENTS if m.name.startswith(pattern)]
        if not matches:
            raise ValueError("--only %s: no such measurement (known: %s)"
                             % (pattern, ", ".join(m.name for m in MEASUREMENTS)))
        chosen.update(matches)
    return [m for m in MEASUREMENTS if m.name in chosen]

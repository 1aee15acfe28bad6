"""What one round of each measurement does, written once for every API.

Each workload takes a driver (``drivers.py``) and keyword parameters, and
returns a dict of named figures for one round.  They run inside a worker
process on the contender's own interpreter (2.7 for sslbio and pyOpenSSL, 3.x
for the stdlib), so this module is Python 2.7 and 3 compatible and imports
nothing beyond the standard library and ``drivers``.

Rates are measured over a fixed duration rather than a fixed count, so that
every contender gets the same time budget per round: operations run in
batches that double until a batch is long enough to time cheaply, and the
rate is operations / elapsed time.  The time is CPU time by default (see
``CLOCKS``); wall and CPU time are both recorded, and their ratio says how
much of a core the worker got.  Setup (contexts, the established pair)
happens before the clock starts.

Memory figures are RSS deltas (``/proc/self/statm``) of the worker process
around the creation of many live objects, after a warm-up that loads what
OpenSSL and the interpreter load lazily; the runner gives these workloads a
fresh process per round so one round's heap does not hide the next one's
growth.
"""

import gc
import os
import time

__all__ = ["WORKLOADS", "CLOCKS", "run", "rss_bytes", "open_fds"]

try:
    import resource
except ImportError:  # pragma: no cover (not POSIX)
    resource = None


def _cpu_seconds():
    """CPU time (user + system) this process has used.  time.process_time is
    Python 3.3+; getrusage gives the same figure on 2.7 (Linux accounts it
    in nanoseconds and reports microseconds)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


# Two clocks.  "cpu" (the default) counts only the time this process ran: on
# a shared machine the wall clock also counts the time the scheduler gave to
# others, which is noise that differs from round to round.  Rates are then
# operations per CPU second, as `openssl speed` reports by default.  "wall"
# is for quiet, dedicated machines.  time.perf_counter is Python 3 only; on
# 2.7 Linux time.time() has microsecond resolution, fine for 0.1 s rounds.
CLOCKS = {
    "cpu": getattr(time, "process_time", None) or _cpu_seconds,
    "wall": getattr(time, "perf_counter", time.time),
}
_wall = CLOCKS["wall"]
_cpu = CLOCKS["cpu"]

try:
    _range = xrange  # noqa: F821 (Python 2)
except NameError:
    _range = range

# Objects created before the baseline of a memory measurement, so that the
# first-use costs (OpenSSL providers and decoders, certificate parsing,
# interpreter caches) are not charged to the measured objects.
_WARM_OBJECTS = 50


class _Stopwatch(object):
    """Wall and CPU time since creation; ``seconds`` is the chosen clock's."""

    def __init__(self, clock):
        self._clock = CLOCKS[clock]
        self._start = (self._clock(), _wall(), _cpu())

    def seconds(self):
        return self._clock() - self._start[0]

    def figures(self):
        wall, cpu = _wall() - self._start[1], _cpu() - self._start[2]
        return {"seconds": self.seconds(), "wall_s": wall, "cpu_s": cpu,
                # How much of a core this process got: low means a busy machine.
                "cpu_share": cpu / wall if wall else None}


def _timed(operation, duration, clock):
    """Run ``operation(n)`` (n operations per call) for ``duration`` seconds
    of ``clock``.

    Returns a dict: operations, seconds (by ``clock``), wall_s, cpu_s,
    cpu_share.  The batch size doubles while a batch is shorter than 1/50 of
    the round, so the clock is read rarely and the last batch overshoots the
    round by at most a few percent.
    """
    operations = 0
    batch = 1
    watch = _Stopwatch(clock)
    now = CLOCKS[clock]
    while True:
        before = now()
        operation(batch)
        operations += batch
        if watch.seconds() >= duration:
            return dict(watch.figures(), operations=operations)
        if now() - before < duration / 50.0:
            batch *= 2


def _with_negotiated(result, driver, pair):
    result["protocol"], result["cipher"] = driver.negotiated(pair)
    return result


def _rate(result, driver, pair):
    """Operations per second of the round's clock, plus what was negotiated."""
    result["per_s"] = result["operations"] / result["seconds"]
    return _with_negotiated(result, driver, pair)


def _established(driver, kind, version):
    pair = driver.pair(kind, version)
    driver.handshake(pair)
    driver.settle(pair)
    return pair


def bulk(driver, duration, chunk_size=16384, batch=1, kind="ecdsa", version="1.3",
         clock="cpu"):
    """Application bytes per second through an established pair, both ways:
    each operation writes ``batch`` blocks of ``chunk_size`` client->server,
    pumps the BIOs once (``peer_incoming.write(outgoing.read())``) and reads
    them all, then the same server->client.  ``batch`` 1 pumps after every
    record; a larger batch is the pump of an event loop that wrote many."""
    pair = _established(driver, kind, version)
    chunk = b"\x5a" * chunk_size
    moved = [0]

    def operation(count):
        moved[0] += driver.bulk(pair, count, chunk, batch)

    result = _timed(operation, duration, clock)
    sent = result["operations"] * 2 * chunk_size * batch
    if moved[0] != sent:
        raise RuntimeError("bulk: %d bytes arrived, %d were sent" % (moved[0], sent))
    result["mb_per_s"] = moved[0] / result["seconds"] / 1e6
    return _with_negotiated(result, driver, pair)


def handshake(driver, duration, kind, version, clock="cpu"):
    """Full handshakes per second: new BIOs and objects on both sides, the
    client verifying the server's chain and host name."""
    sample = _established(driver, kind, version)

    def operation(count):
        for _ in _range(count):
            pair = driver.pair(kind, version)
            driver.handshake(pair)

    return _rate(_timed(operation, duration, clock), driver, sample)


def resume(driver, duration, version, kind="rsa", clock="cpu"):
    """Resumed handshakes per second with the ``SSLSession`` of a first full
    handshake; every one is checked to have really resumed on both sides."""
    first = _established(driver, kind, version)
    session = driver.session(first)
    # Tells a session that resumes once but not twice from one that never does.
    probe = driver.pair(kind, version, session)
    driver.handshake(probe)
    first_reused = driver.reused(probe)
    driver.release(probe)
    del probe

    def operation(count):
        for _ in _range(count):
            pair = driver.pair(kind, version, session)
            driver.handshake(pair)
            if not driver.reused(pair):
                raise RuntimeError("resume: the session was not reused (it was on its "
                                   "first use: %s)" % first_reused)
            driver.release(pair)

    return _rate(_timed(operation, duration, clock), driver, first)


def roundtrip(driver, duration, size=64, kind="ecdsa", version="1.3", clock="cpu"):
    """Request/response exchanges per second on an established pair: the
    client writes ``size`` bytes, they are pumped across and read by the
    server, which answers ``size`` bytes the same way."""
    pair = _established(driver, kind, version)
    request, response = b"q" * size, b"r" * size
    received = [0]

    def operation(count):
        received[0] += driver.round_trips(pair, count, request, response)

    result = _timed(operation, duration, clock)
    if received[0] != result["operations"] * 2 * size:
        raise RuntimeError("roundtrip: %d bytes arrived, %d were sent"
                           % (received[0], result["operations"] * 2 * size))
    return _rate(result, driver, pair)


def rss_bytes():
    """Resident set size of this process, in bytes (Linux /proc)."""
    with open("/proc/self/statm") as statm:
        resident_pages = int(statm.read().split()[1])
    return resident_pages * os.sysconf("SC_PAGE_SIZE")


def open_fds():
    """Number of file descriptors this process has open (Linux /proc)."""
    return len(os.listdir("/proc/self/fd"))


def _measure_growth(make, count, clock):
    """Create ``count`` live objects with ``make()``; returns (objects, timing
    dict as _timed's, RSS growth in bytes, fd growth)."""
    warm = [make() for _ in _range(_WARM_OBJECTS)]
    del warm
    gc.collect()
    rss_before, fds_before = rss_bytes(), open_fds()
    watch = _Stopwatch(clock)
    live = [make() for _ in _range(count)]
    timing = watch.figures()
    gc.collect()
    rss_growth, fd_growth = rss_bytes() - rss_before, open_fds() - fds_before
    return live, timing, rss_growth, fd_growth


def memory(driver, pairs, kind="ecdsa", version="1.3", clock="cpu"):
    """Memory and file descriptors per established connection.

    ``pairs`` client/server pairs are handshaken (full handshake, client
    verifying) and settled, and all kept alive.  A *connection* is one side:
    one SSLObject (pyOpenSSL: one Connection) with its two memory BIOs, so a
    pair is two connections and the growth is divided by ``2 * pairs``.
    """
    live, result, rss_growth, fd_growth = _measure_growth(
        lambda: _established(driver, kind, version), pairs, clock)
    connections = 2.0 * pairs
    result.update({"kib_per_conn": rss_growth / 1024.0 / connections,
                   "fds_per_conn": fd_growth / connections,
                   "rss_growth_mib": rss_growth / 1048576.0,
                   "connections": int(connections)})
    return _with_negotiated(result, driver, live[0])


def scale(driver, objects, kind="ecdsa", version="1.3", clock="cpu"):
    """``objects`` live server-side SSLObjects (each with its two BIOs, not
    yet handshaken) in one process: time to create them and memory each."""
    live, result, rss_growth, fd_growth = _measure_growth(
        lambda: driver.server(kind, version), objects, clock)
    result.update({"create_s": result["seconds"],
                   "kib_per_object": rss_growth / 1024.0 / objects,
                   "fds_per_object": fd_growth / float(objects),
                   "rss_growth_mib": rss_growth / 1048576.0, "objects": objects})
    return result


WORKLOADS = {
    "bulk": bulk,
    "handshake": handshake,
    "resume": resume,
    "roundtrip": roundtrip,
    "memory": memory,
    "scale": scale,
}


def run(driver, workload, params):
    """One round of ``workload`` with ``params`` (a dict from JSON)."""
    # JSON gives unicode keys on 2.7; keyword names must be native strings.
    kwargs = dict((str(key), value) for key, value in params.items())
    gc.collect()  # no collection debt from the previous round lands in this one
    return WORKLOADS[workload](driver, **kwargs)

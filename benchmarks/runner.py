"""Running the rounds: worker processes, interleaving, and the statistics.

The machine is shared and noisy, so no contender is measured in one block:
every measurement runs in rounds, and in each round every contender runs once,
always in the same order (A B C D, A B C D, ...).  A slow spell of the machine
then lands on one round of every contender instead of on all rounds of one,
and the median per contender discards it.  Ratios are ratios of medians; the
median of the per-round ratios (each contender against the reference of the
same round) is kept as well, in the JSON, as a drift-resistant cross-check.

Rate measurements reuse one worker process per contender (started once, with
its contexts made once, like a real application) after an unrecorded warm-up
round.  A contender with a JIT (PyPy) is warmed up longer: rounds of the
recorded length until its rate settles (``_settle``), so the recorded rounds
measure compiled code, not the compiler.  Memory measurements start a fresh
worker for every round.

Python 2.7 and 3 compatible.
"""

from __future__ import print_function

import collections
import json
import os
import signal
import subprocess
import sys
import threading

from . import chroot

__all__ = ["WorkerError", "WorkerProcess", "Pool", "interleave", "median",
           "summarize"]


class WorkerError(Exception):
    """A worker failed a request, died, or could not start."""


class WorkerProcess(object):
    """One worker (``worker.py``) on a contender's interpreter."""

    def __init__(self, contender, certdir, python_path, stderr):
        env = dict(os.environ)
        # Only the snapshot of sslbio and of the bench is added to the
        # worker's path: never the orchestrator's own site-packages (another
        # interpreter's).
        env["PYTHONPATH"] = python_path
        env.pop("PYTHONHOME", None)
        env.update(contender.env)
        command = [contender.python, "-m", "benchmarks.worker",
                   "--driver", contender.driver, "--certs", certdir]
        if contender.chroot:
            command = chroot.command(command, [certdir] + python_path.split(os.pathsep))
        self.contender = contender
        # ``-m`` puts the working directory first on the path: it must be
        # the measured code's own directory, not wherever the bench started.
        # A chroot's worker is the last of a chain of processes (the script,
        # unshare, chroot): in a process group of its own, a kill reaches all.
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=stderr,
                                        env=env, cwd=python_path.split(os.pathsep)[0],
                                        preexec_fn=os.setsid if contender.chroot else None)
        hello = self._answer(timeout=120)
        if not hello.get("ready"):
            self.close()
            raise WorkerError(hello.get("error", "worker did not start: %r" % hello))

    def _answer(self, timeout):
        # A hung worker must not hang the bench: past the deadline it is
        # killed, which ends the readline() below with EOF.
        watchdog = threading.Timer(timeout, self._kill)
        watchdog.daemon = True
        watchdog.start()
        try:
            line = self.process.stdout.readline()
        finally:
            watchdog.cancel()
        if not line:
            status = self.process.wait()
            raise WorkerError("%s worker ended (exit status %s) without answering"
                              % (self.contender.key, status))
        return json.loads(line.decode("utf-8"))

    def _kill(self):
        try:
            if self.contender.chroot:
                os.killpg(self.process.pid, signal.SIGKILL)
            else:
                self.process.kill()
        except OSError:
            pass

    def request(self, message, timeout):
        """Send one request; return its ``result`` or raise WorkerError."""
        try:
            self.process.stdin.write((json.dumps(message) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (IOError, OSError) as exc:
            raise WorkerError("%s worker is gone: %s" % (self.contender.key, exc))
        answer = self._answer(timeout)
        if "error" in answer:
            raise WorkerError(answer["error"])
        return answer["result"]

    def close(self):
        if self.process.poll() is None:
            try:
                self.process.stdin.write(b'{"op": "quit"}\n')
                self.process.stdin.close()
            except (IOError, OSError):
                pass
            watchdog = threading.Timer(30, self._kill)
            watchdog.daemon = True
            watchdog.start()
            self.process.wait()
            watchdog.cancel()
        self.process.stdout.close()


class Pool(object):
    """Workers by contender: persistent ones, or a fresh one per call."""

    def __init__(self, certdir, python_path, stderr):
        self._args = (certdir, python_path, stderr)
        self._workers = {}

    def _start(self, contender):
        return WorkerProcess(contender, *self._args)

    def info(self, contender):
        return self.call(contender, {"op": "info"}, timeout=120, fresh=False)

    def call(self, contender, message, timeout, fresh):
        if fresh:
            worker = self._start(contender)
            try:
                return worker.request(message, timeout)
            finally:
                worker.close()
        worker = self._workers.get(contender.key)
        if worker is None:
            worker = self._workers[contender.key] = self._start(contender)
        try:
            return worker.request(message, timeout)
        except WorkerError:
            # A worker that failed may be in any state: the next call gets a
            # new one.
            self._workers.pop(contender.key, None)
            worker.close()
            raise

    def close(self):
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()


def _timeout(params):
    """Generous deadline for one round: rate rounds take ``duration``, memory
    rounds scale with their object count."""
    if "duration" in params:
        return 60 + 20 * params["duration"]
    count = params.get("pairs", 0) * 20 + params.get("objects", 0)
    return 120 + count / 100.0


# A JIT's warm-up (PyPy compiles a loop after about a thousand iterations,
# then keeps compiling the paths it meets): unrecorded rounds of the recorded
# length, at least the first figure and at most the second, until one round's
# rate is within SETTLED of the round before.
JIT_WARMUP_ROUNDS = (3, 12)
SETTLED = 0.05


def _settle(run_round, field):
    """Warm-up rounds (``run_round()`` returns a result dict) until ``field``
    settles; returns the warm-up rounds' figures, for the record."""
    least, most = JIT_WARMUP_ROUNDS
    figures = []
    while len(figures) < most:
        figures.append(run_round()[field])
        if len(figures) >= least and \
                abs(figures[-1] - figures[-2]) <= SETTLED * figures[-2]:
            break
    return figures


def interleave(measurement, contenders, pool, limit, effort, rounds, progress=None,
               clock="cpu", warmups=None):
    """Run ``rounds`` interleaved rounds of ``measurement``.

    ``contenders`` are the available ones, in their fixed order; ``limit``
    (a ``SpeedLimit`` or None) takes part when the measurement has one;
    ``clock`` is "cpu" or "wall" (see ``workloads.CLOCKS``).
    Returns (raw, errors): raw[key] is the list of result dicts, one per
    completed round; errors[key] is why a contender stopped early.  A dict
    passed as ``warmups`` receives, per JIT contender, the figures of its
    unrecorded warm-up rounds.
    """
    params = dict(measurement.parameters(effort), clock=clock)
    message = {"op": "run", "workload": measurement.workload, "params": params}
    timeout = _timeout(params)
    players = [c for c in contenders if (c.driver is not None or
               (measurement.limit and limit is not None)) and
               measurement.name not in c.skips]

    raw = collections.OrderedDict((c.key, []) for c in players)
    errors = {}

    def play(contender, request):
        if contender.driver is None:
            return limit.run(request["params"]["duration"], clock)
        return pool.call(contender, request, timeout, measurement.fresh_process)

    if not measurement.fresh_process:
        # Unrecorded warm-up: contexts, certificates, code paths and caches
        # of every contender are hot before the first recorded round.
        warm = dict(message, params=dict(params, duration=params["duration"] / 2.0))
        for contender in players:
            if contender.driver is None:
                continue  # openssl speed needs no warming, and takes whole seconds
            try:
                if contender.jit:
                    settled = _settle(lambda: play(contender, message),
                                      measurement.rows[0].field)
                    if warmups is not None:
                        warmups[contender.key] = settled
                else:
                    play(contender, warm)
            except (WorkerError, RuntimeError) as exc:
                errors[contender.key] = str(exc)
    for number in range(1, rounds + 1):
        for contender in players:
            if contender.key in errors:
                continue
            try:
                raw[contender.key].append(play(contender, message))
            except (WorkerError, RuntimeError, ValueError) as exc:
                errors[contender.key] = str(exc)
        if progress is not None:
            progress(measurement, number, rounds, raw, errors)
    return raw, errors


def median(values):
    ordered = sorted(values)
    if not ordered:
        return None
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2.0


def _ratio(numerator, denominator):
    if numerator is None or not denominator:
        return None
    return numerator / float(denominator)


def summarize(row, raw, errors, reference, subject=None, rival=None):
    """Statistics of one row across contenders.

    ``reference``, ``subject``, ``rival`` are contender keys (stdlib 3.11,
    sslbio, pyOpenSSL).  Returns a JSON-ready dict: per contender the round
    values, median, min, max, ratio of medians to the reference, and the
    median of per-round ratios to the reference.
    """
    per = {}
    for key, results in raw.items():
        values = [result[row.field] for result in results if row.field in result]
        entry = {"values": values, "median": median(values),
                 "min": min(values) if values else None,
                 "max": max(values) if values else None}
        if key in errors:
            entry["error"] = errors[key]
        per[key] = entry
    base = per.get(reference, {})
    for key, entry in per.items():
        entry["ratio"] = _ratio(entry["median"], base.get("median"))
        pairs = zip(entry["values"], base.get("values", []))
        entry["paired_ratio"] = median([_ratio(a, b) for a, b in pairs if b]) \
            if base.get("values") else None
    summary = {"contenders": per, "ratio_subject_to_rival": None}
    if subject in per and rival in per:
        summary["ratio_subject_to_rival"] = _ratio(per[subject]["median"],
                                                   per[rival]["median"])
    return summary


def print_progress(stream=None):
    """A progress callback printing one line per round (to stderr)."""
    stream = sys.stderr if stream is None else stream

    def progress(measurement, number, rounds, raw, errors):
        row = measurement.rows[0]
        cells = []
        for key, results in raw.items():
            if key in errors:
                cells.append("%s: error" % key)
            elif len(results) == number:
                cells.append("%s %.4g" % (key, results[-1].get(row.field, float("nan"))))
        print("  %-24s round %d/%d  %s" % (measurement.name, number, rounds,
                                          "  ".join(cells)), file=stream)
        stream.flush()
    return progress

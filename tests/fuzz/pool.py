"""Worker processes and the loop that supervises them.

Every case runs in a worker process (``worker.py``), never in the
supervisor: a segfault or an abort kills one worker, which is reported as a
crash of the case it was running (it announced the seed with a ``begin``
event and wrote it into its journal) and replaced by a fresh worker that
goes on with the rest of the request.  A case that sends nothing for
``case_timeout`` seconds is a hang: the worker is killed (SIGKILL; a loop
inside OpenSSL holding the GIL would ignore anything gentler) and replaced
the same way.

Workers are subprocesses rather than ``os.fork()`` children: that way the
same supervisor drives workers of another interpreter (Python 3.11 for the
differential mode), and a worker starts from a clean interpreter.

A ``Task`` is one request with its callbacks; a ``Pool`` is the workers of
one interpreter with a queue of tasks; ``drive()`` multiplexes any number
of pools with ``select()`` until an idle condition holds.
"""

from __future__ import print_function

import collections
import errno
import json
import os
import select
import signal
import subprocess
import time

from support import subproc

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)


class Task(object):
    """One request for a worker.

    ``on_event(event)`` gets every event the request produces;
    ``on_failure(kind, seed, report)`` is called when the worker crashed or
    hung while running it (``seed`` is the case it had begun, or None) and
    returns the request for the remaining work, or None; ``on_done()`` is
    called once the request (or what was resubmitted of it) is complete.
    """

    def __init__(self, request, on_event, on_failure, on_done=None):
        self.request = request
        self.on_event = on_event
        self.on_failure = on_failure
        self.on_done = on_done or (lambda: None)

    def rest(self, request):
        return Task(request, self.on_event, self.on_failure, self.on_done)


class Worker(object):
    """One worker process."""

    def __init__(self, pool, number):
        self.pool = pool
        self.name = "%s-%d" % (pool.name, number)
        self.stderr_path = os.path.join(pool.workdir, self.name + ".stderr")
        self.journal_path = os.path.join(pool.workdir, self.name + ".journal")
        stderr = open(self.stderr_path, "wb")
        try:
            self.process = subprocess.Popen(
                [pool.python, "-m", "fuzz.worker",
                 "--stderr-file", self.stderr_path,
                 "--journal", self.journal_path],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=stderr,
                cwd=TESTS, env=pool.env)
        finally:
            stderr.close()
        self.fd = self.process.stdout.fileno()
        self.buffer = b""
        self.info = None  # the ready event
        self.task = None
        self.seed = None  # the case begun last
        self.since = time.time()  # last sign of life

    @property
    def ready(self):
        return self.info is not None

    def start(self, task):
        self.task, self.seed, self.since = task, None, time.time()
        line = json.dumps(task.request) + "\n"
        try:
            self.process.stdin.write(line.encode("utf-8"))
            self.process.stdin.flush()
        except (IOError, OSError):
            pass  # it died: its stdout ends next, and that is handled

    def read_events(self):
        """Events now readable; None once the worker has gone."""
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError as exc:
            if exc.errno == errno.EINTR:
                return []
            raise
        if not data:
            return None
        self.since = time.time()
        self.buffer += data
        lines = self.buffer.split(b"\n")
        self.buffer = lines.pop()
        return [json.loads(line.decode("utf-8")) for line in lines if line]

    def kill(self):
        try:
            self.process.kill()
        except OSError:
            pass
        return self.reap()

    def reap(self):
        """Wait for the process; its return code (negative: a signal)."""
        code = self.process.wait()
        for stream in (self.process.stdin, self.process.stdout):
            try:
                stream.close()
            except (IOError, OSError):
                pass
        return code

    def stop(self):
        """Ask an idle worker to exit (end of its stdin)."""
        try:
            self.process.stdin.close()
        except (IOError, OSError):
            pass

    def tail(self, path, size=6000):
        try:
            with open(path, "rb") as f:
                f.seek(0, 2)
                f.seek(max(0, f.tell() - size))
                return f.read().decode("utf-8", "replace")
        except (IOError, OSError):
            return ""

    def failure_report(self, kind, code):
        return {
            "kind": kind, "worker": self.name, "returncode": code,
            "signal": _signal_name(code), "seed": self.seed,
            "request": self.task.request if self.task else None,
            "stderr": self.tail(self.stderr_path),
            "journal": self.tail(self.journal_path, 200000),
        }


def _signal_name(code):
    if code is None or code >= 0:
        return None
    for name in dir(signal):
        if name.startswith("SIG") and not name.startswith("SIG_") and \
                getattr(signal, name) == -code:
            return name
    return "signal %d" % -code


class Pool(object):
    """``jobs`` workers of one interpreter and their queue of tasks."""

    def __init__(self, name, python, jobs, env, workdir, case_timeout=20.0,
                 startup_timeout=120.0, on_worker_event=None):
        self.name = name
        self.python = python
        self.jobs = jobs
        self.env = env
        self.workdir = workdir
        self.case_timeout = case_timeout
        self.startup_timeout = startup_timeout
        # Called with (worker, event) for ready events (and failures to
        # start), so the campaign can report start-up stderr and versions.
        self.on_worker_event = on_worker_event or (lambda worker, event: None)
        self.queue = collections.deque()
        self.last_startup_failure = None
        self.workers = []
        self.spawned = 0
        self.crashes = 0
        self.hangs = 0
        for _ in range(jobs):
            self._spawn()

    def _spawn(self):
        self.spawned += 1
        worker = Worker(self, self.spawned)
        self.workers.append(worker)
        return worker

    def submit(self, task, first=False):
        if first:
            self.queue.appendleft(task)
        else:
            self.queue.append(task)

    @property
    def busy(self):
        return bool(self.queue) or any(w.task for w in self.workers)

    def dispatch(self):
        for worker in self.workers:
            if not self.queue:
                return
            if worker.ready and worker.task is None:
                worker.start(self.queue.popleft())

    def fds(self):
        return dict((w.fd, w) for w in self.workers)

    def handle(self, worker):
        events = worker.read_events()
        if events is None:
            self._lost(worker, "crash", worker.reap())
            return
        for event in events:
            kind = event.get("ev")
            if kind == "ready":
                worker.info = event
                self.on_worker_event(worker, event)
            elif kind == "begin":
                worker.seed = event.get("seed")
            elif kind == "done":
                task, worker.task = worker.task, None
                task.on_done()
            elif worker.task is not None:
                worker.task.on_event(event)

    def check_timeouts(self, now):
        for worker in list(self.workers):
            if worker.task is not None and \
                    now - worker.since > self.case_timeout:
                self._lost(worker, "hang", worker.kill())
            elif not worker.ready and \
                    now - worker.since > self.startup_timeout:
                code = worker.kill()
                self.workers.remove(worker)
                self._startup_failed(worker, code)

    def _lost(self, worker, kind, code):
        """A worker died or hung: report, replace, resubmit the rest."""
        self.workers.remove(worker)
        if worker.task is None:
            # Died between requests (or before it was ready): nothing of a
            # case to report, but never silently.  One that cannot start
            # is not replaced: its successor would fail the same way.
            if worker.ready:
                self.on_worker_event(worker, {
                    "ev": "lost", "returncode": code,
                    "stderr": worker.tail(worker.stderr_path)})
                self._spawn()
            else:
                self._startup_failed(worker, code)
            return
        if kind == "crash":
            self.crashes += 1
        else:
            self.hangs += 1
        report = worker.failure_report(kind, code)
        task = worker.task
        remaining = task.on_failure(kind, worker.seed, report)
        if remaining is not None:
            self.submit(task.rest(remaining), first=True)
        else:
            task.on_done()
        self._spawn()

    def _startup_failed(self, worker, code):
        event = {"ev": "startup-failed", "returncode": code,
                 "stderr": worker.tail(worker.stderr_path)}
        self.last_startup_failure = event
        self.on_worker_event(worker, event)

    def close(self):
        for worker in self.workers:
            worker.stop()
        for worker in self.workers:
            worker.reap()
        self.workers = []


def drive(pools, feed=None, poll=0.5):
    """Run the pools until none is busy.  ``feed()``, called before each
    round, may submit more tasks; it returns False to stop early."""
    while True:
        if feed is not None and feed() is False:
            return
        if not any(pool.busy for pool in pools):
            return
        for pool in pools:
            if pool.busy and not pool.workers:
                failure = pool.last_startup_failure or {}
                raise RuntimeError(
                    "no %s worker could be started (%s); its stderr:\n%s" % (
                        pool.name, pool.python, failure.get("stderr")))
        fds = {}
        for pool in pools:
            pool.dispatch()
            for fd, worker in pool.fds().items():
                fds[fd] = (pool, worker)
        try:
            readable, _, _ = select.select(list(fds), [], [], poll)
        except select.error as exc:
            if exc.args[0] == errno.EINTR:
                continue
            raise
        for fd in readable:
            pool, worker = fds[fd]
            if worker in pool.workers:
                pool.handle(worker)
        now = time.time()
        for pool in pools:
            pool.check_timeouts(now)


def worker_env(src, extra_path=(), perturb_malloc=False):
    """The environment for workers (``support.subproc.child_env``): ``src``
    (the sslbio to test) and tests/ first on PYTHONPATH, then
    ``extra_path``; ``perturb_malloc`` for sslbio's engine only."""
    return subproc.child_env(src, perturb=perturb_malloc, path=extra_path)

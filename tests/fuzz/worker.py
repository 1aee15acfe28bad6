"""A fuzzing worker process: runs cases on request, reports each one.

Started by ``pool.py`` as ``python -m fuzz.worker --stderr-file F
--journal J``, with its stderr already redirected to ``F``.  Requests come
as JSON lines on stdin; events go back as JSON lines on a private copy of
stdout (the real fd 1 is pointed at stderr, so anything a case prints is
caught as stderr output rather than corrupting the protocol).

Before each case the worker writes what it is about to do into the
journal file, so that when it dies (a segfault, an abort) or hangs, the
supervisor can still say which case and, for stateful programs, which
call was running.

Requests (``op``):

* ``run``: ``fuzzer`` ("flight" or "stateful"), seeds ``start`` to
  ``stop``; ``detail`` asks for transcripts (differential mode); stateful
  also takes ``examples`` and ``steps``;
* ``replay``: ``programs`` (stateful programs, from another interpreter)
  to run here and report the outcomes of;
* ``rerun``: one flight ``seed``, ``times`` times, with full transcripts
  (to confirm a differential mismatch).

Events (``ev``): ``ready``; ``begin`` (seed); ``case`` (one flight case or
one stateful example); ``done`` (the request is complete).
"""

from __future__ import print_function

import argparse
import gc
import json
import os
import platform
import signal
import sys


class Channel(object):
    """The protocol stream: a duplicate of the original stdout."""

    def __init__(self):
        self._out = os.fdopen(os.dup(1), "wb")
        os.dup2(2, 1)  # stray prints now land in the watched stderr file
        sys.stdout = sys.stderr

    def send(self, **event):
        line = json.dumps(event, sort_keys=True) + "\n"
        self._out.write(line.encode("utf-8"))
        self._out.flush()


class StderrWatch(object):
    """Reports what was written to stderr since the previous check."""

    def __init__(self, path):
        self._path = path
        self._seen = os.fstat(2).st_size

    def new_output(self):
        sys.stderr.flush()
        size = os.fstat(2).st_size
        if size == self._seen:
            return ""
        with open(self._path, "rb") as f:
            f.seek(self._seen)
            data = f.read(size - self._seen)
        self._seen = size
        return data.decode("utf-8", "replace")


class Journal(object):
    """What is running now, in a file that outlives a crash.  Plain
    ``os.write`` calls: nothing is buffered in the process that may die."""

    def __init__(self, path):
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)

    def begin(self, header):
        os.ftruncate(self._fd, 0)
        os.lseek(self._fd, 0, 0)
        self.line(header)

    def line(self, text):
        os.write(self._fd, (text + "\n").encode("utf-8"))


class Worker(object):
    def __init__(self, channel, watch, journal):
        self.channel = channel
        self.watch = watch
        self.journal = journal
        self.cases = 0

    def finish_case(self, violations):
        """Collect garbage inside the case (a failing ``__del__`` must be
        charged to it), then add any stderr output as a violation.

        Only the young generations are collected, where a case's own
        garbage is: a full collection costs milliseconds on 2.7 (it also
        empties the free lists) and tens of them next to hypothesis's heap,
        more than the case itself.  Every 25th case makes a full one, so
        garbage that got old is still charged to a case nearby."""
        self.cases += 1
        gc.collect(2 if self.cases % 25 == 0 else 1)
        output = self.watch.new_output()
        if output:
            violations = list(violations) + [{
                "kind": "stderr", "output": output[-4000:]}]
        return violations

    # -- requests -------------------------------------------------------------
    def run(self, request):
        if request["fuzzer"] == "flight":
            self.run_flight(request)
        else:
            self.run_stateful(request)

    def run_flight(self, request):
        from . import flight
        detail = request.get("detail", False)
        for seed in range(request["start"], request["stop"]):
            self.journal.begin("flight %d" % seed)
            self.channel.send(ev="begin", seed=seed)
            _injected_fault(seed)
            transcript = flight.run_case(seed)
            violations = self.finish_case(transcript.violations)
            event = {"ev": "case", "fuzzer": "flight", "seed": seed,
                     "calls": len(transcript.entries),
                     "violations": violations}
            if violations or detail:
                event["notes"] = transcript.notes
            if detail:
                event["digest"] = transcript.digest()
                event["entries"] = transcript.entries
            self.channel.send(**event)

    def run_stateful(self, request):
        from . import stateful
        detail = request.get("detail", False)
        for seed in range(request["start"], request["stop"]):
            self.channel.send(ev="begin", seed=seed)

            def example_done(index, program, seed=seed):
                violations = self.finish_case(program.violations)
                event = {"ev": "case", "fuzzer": "stateful", "seed": seed,
                         "index": index, "calls": len(program.steps),
                         "violations": violations}
                if violations or detail:
                    event["program"] = program.steps
                    event["cutoff"] = program.cutoff
                self.channel.send(**event)

            stateful.run_seed(seed, request["examples"], request["steps"],
                              self.journal, example_done)

    def replay(self, request):
        from . import program
        for number, item in enumerate(request["programs"]):
            self.journal.begin("replay %s" % json.dumps(item["key"]))
            # "seed" is the position in this request: what is left after a
            # crash is the programs behind it.
            self.channel.send(ev="begin", seed=number)
            result = program.replay(item["program"], self.journal)
            violations = self.finish_case(result.violations)
            self.channel.send(ev="case", fuzzer="replay", key=item["key"],
                              outcomes=result.outcomes, cutoff=result.cutoff,
                              violations=violations)

    def rerun(self, request):
        from . import flight
        seed = request["seed"]
        for _ in range(request["times"]):
            # New live randomness each time (the corpus stays): an outcome
            # that depends on random bytes then shows up as unstable.
            flight.forget_sessions()
            self.journal.begin("flight %d (rerun)" % seed)
            self.channel.send(ev="begin", seed=seed)
            transcript = flight.run_case(seed)
            violations = self.finish_case(transcript.violations)
            self.channel.send(ev="case", fuzzer="rerun", seed=seed,
                              entries=transcript.entries,
                              notes=transcript.notes,
                              violations=violations)


def _injected_fault(seed):
    """Faults on request, to test the harness itself (tests/test_fuzz.py):
    ``SSLBIO_FUZZ_FAULTS="crash:3,hang:7,stderr:9"`` makes flight seed 3
    segfault, seed 7 hang and seed 9 print on stderr."""
    faults = os.environ.get("SSLBIO_FUZZ_FAULTS")
    if not faults:
        return
    for fault in faults.split(","):
        kind, _, at = fault.partition(":")
        if int(at) != seed:
            continue
        if kind == "crash":
            # A signal, not a read of address 0: PyPy's ctypes checks that.
            os.kill(os.getpid(), signal.SIGSEGV)
        elif kind == "hang":
            while True:
                pass
        elif kind == "stderr":
            sys.stderr.write("injected output on stderr\n")


def _describe_interpreter():
    import ssl
    import sslbio
    from conformance import engine_limits
    return {"python": "%d.%d.%d" % sys.version_info[:3],
            "implementation": platform.python_implementation(),
            "engine": sslbio.ENGINE, "openssl": ssl.OPENSSL_VERSION,
            "limits": engine_limits.current().as_dict(),
            "pid": os.getpid()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--stderr-file", required=True)
    parser.add_argument("--journal", required=True)
    args = parser.parse_args(argv)
    channel = Channel()
    worker = Worker(channel, StderrWatch(args.stderr_file),
                    Journal(args.journal))
    info = _describe_interpreter()
    from . import flight
    flight.corpus()  # record the donor flights now, not in the first case
    # Output during set-up (imports, the corpus) is no case's: reported
    # with the ready event, where the supervisor treats it as a finding.
    channel.send(ev="ready", startup_stderr=worker.watch.new_output(), **info)
    handlers = {"run": worker.run, "replay": worker.replay,
                "rerun": worker.rerun}
    for line in iter(sys.stdin.readline, ""):
        request = json.loads(line)
        handlers[request["op"]](request)
        channel.send(ev="done")


if __name__ == "__main__":
    main()

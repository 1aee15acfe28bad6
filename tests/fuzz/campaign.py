"""A fuzzing campaign: seeds in, figures and findings out.

``Campaign`` cuts the seed ranges of both fuzzers into units (a run of
flight seeds, or one stateful seed of many programs), hands them to a pool
of workers of the interpreter under test and, in differential mode, the
same flight units and the resulting stateful programs to a pool of
reference workers (Python 3.11), compares, confirms differences, and
writes findings (``findings.py``).  Progress is saved unit by unit, so a
campaign stopped for any reason resumes where it was (``resume=True``).

``main()`` is the command line behind ``scripts/fuzz-campaign``; the CI
tests use ``Campaign`` directly with small ranges.
"""

from __future__ import division, print_function

import argparse
import json
import os
import shutil
import sys
import tempfile
import time

from . import CORPUS_VARIABLE
from . import differential, findings as findings_module, known
from . import pool as pool_module, spec
from support import interpreters, subproc

HERE = os.path.dirname(os.path.abspath(__file__))
TESTS = os.path.dirname(HERE)
CHECKOUT = os.path.dirname(TESTS)
CHECKOUT_SRC = os.path.join(CHECKOUT, "src")


class Config(object):
    """Everything a campaign needs to know; see ``main()`` for meanings."""

    def __init__(self, **options):
        self.target_python = sys.executable
        self.target_src = CHECKOUT_SRC
        self.target_path = []  # extra PYTHONPATH entries (hypothesis, ...)
        self.reference_python = None
        self.reference_src = CHECKOUT_SRC
        self.jobs = 2
        self.reference_jobs = 1
        self.flight_start = 0
        self.flight_count = 0
        self.flight_unit = 50
        self.stateful_start = 0
        self.stateful_seeds = 0
        self.examples = 100
        self.steps = 10
        self.case_timeout = 60.0
        self.perturb_malloc = sys.version_info[0] == 2  # see pool.worker_env
        self.confirm_runs = 3
        self.findings_dir = None
        self.minutes = None
        self.resume = False
        self.progress_every = 30.0
        self.log = None
        for name, value in options.items():
            if not hasattr(self, name):
                raise TypeError("unknown option %r" % name)
            setattr(self, name, value)


class Stats(object):
    def __init__(self):
        self.cases = {"flight": 0, "stateful": 0}
        self.calls = {"flight": 0, "stateful": 0}
        self.compared = {"flight": 0, "stateful": 0}
        # Differences that the target engine's declared limitations or the
        # reference's age explain (known.py): compared, not reported.
        self.explained = {"flight": 0, "stateful": 0}
        self.started = time.time()

    def total(self):
        return self.cases["flight"] + self.cases["stateful"]


class Campaign(object):
    def __init__(self, config):
        self.config = config
        self.stats = Stats()
        self.findings = findings_module.Findings(config.findings_dir)
        self.workdir = tempfile.mkdtemp(prefix="sslbio-fuzz-")
        self.interpreters = {}
        self.progress = _Progress(config.findings_dir, config.resume)
        self.units = self._plan_units()
        self.open_units = 0
        self.pending_flight = {}  # seed -> {"target": digest, ...}
        self.pending_programs = {}  # key -> (steps, cutoff)
        self.replay_batch = []
        self.confirmations = {}  # key -> {"target": [...], ...}
        self.last_report = time.time()
        self.stopping = False
        self.target = self.reference = None
        self.corpus = None
        self._judge = None

    # -- planning ---------------------------------------------------------------
    def _plan_units(self):
        """Units in an order that keeps both fuzzers going: at each point
        the fuzzer with the smaller share done gets the next unit."""
        c = self.config
        flight = [("flight", s, min(s + c.flight_unit,
                                    c.flight_start + c.flight_count))
                  for s in range(c.flight_start, c.flight_start +
                                 c.flight_count, c.flight_unit)]
        stateful = [("stateful", s, s + 1) for s in
                    range(c.stateful_start, c.stateful_start +
                          c.stateful_seeds)]
        flight = [u for u in flight if not self.progress.done(u)]
        stateful = [u for u in stateful if not self.progress.done(u)]
        units, i, j = [], 0, 0
        while i < len(flight) or j < len(stateful):
            if j >= len(stateful) or (i < len(flight) and
                                      i / max(len(flight), 1) <=
                                      j / max(len(stateful), 1)):
                units.append(flight[i])
                i += 1
            else:
                units.append(stateful[j])
                j += 1
        units.reverse()  # popped from the end
        return units

    # -- running ------------------------------------------------------------------
    def _env(self, side):
        c = self.config
        if side == "target":
            env = pool_module.worker_env(c.target_src, c.target_path,
                                         perturb_malloc=c.perturb_malloc)
        else:
            env = pool_module.worker_env(c.reference_src)
        env[CORPUS_VARIABLE] = self.corpus
        return env

    def _record_corpus(self):
        """One corpus of honest flights for every worker (see flight.py),
        kept with the findings: their reproducers need it."""
        directory = self.config.findings_dir or self.workdir
        path = os.path.join(directory, "corpus.json")
        if not (self.config.resume and os.path.exists(path)):
            env = pool_module.worker_env(self.config.target_src,
                                         self.config.target_path)
            subproc.run(
                [self.config.target_python, "-c",
                 "import sys; from fuzz import flight; "
                 "flight.save_corpus(sys.argv[1])", path],
                timeout=600, env=env, cwd=TESTS).check()
        return path

    def run(self):
        c = self.config
        pools = []
        try:
            self.corpus = self._record_corpus()
            self.target = pool_module.Pool(
                "target", c.target_python, c.jobs, self._env("target"),
                self.workdir, c.case_timeout,
                on_worker_event=self._worker_event("target"))
            pools.append(self.target)
            if c.reference_python:
                self.reference = pool_module.Pool(
                    "reference", c.reference_python, c.reference_jobs,
                    self._env("reference"), self.workdir, c.case_timeout,
                    on_worker_event=self._worker_event("reference"))
                pools.append(self.reference)
            pool_module.drive(pools, self._feed)
        finally:
            for each in pools:
                each.close()
            self.progress.save()
            shutil.rmtree(self.workdir, ignore_errors=True)
        summary = self.summary()
        self.findings.write_summary(summary)
        return summary

    def _feed(self):
        c = self.config
        now = time.time()
        if c.minutes is not None and now - self.stats.started > c.minutes * 60:
            self.stopping = True
        window = 4 * (c.jobs + (c.reference_jobs if self.reference else 0))
        while not self.stopping and self.units and self.open_units < window:
            self._submit_unit(self.units.pop())
        if self.reference and self.replay_batch and (
                len(self.replay_batch) >= 20 or not self.units or
                self.stopping or not self.target.busy):
            self._submit_replays()
        if now - self.last_report > c.progress_every:
            self.last_report = now
            self._log(self.progress_line())
        self.progress.save_every(10.0)
        return True

    def _submit_unit(self, unit):
        fuzzer, start, stop = unit
        request = {"op": "run", "fuzzer": fuzzer, "start": start,
                   "stop": stop, "detail": bool(self.reference)}
        if fuzzer == "stateful":
            request.update(examples=self.config.examples,
                           steps=self.config.steps)
        parts = [self.target]
        if self.reference and fuzzer == "flight":
            parts.append(self.reference)
        remaining = [len(parts)]
        self.open_units += 1

        def done():
            remaining[0] -= 1
            if remaining[0] == 0:
                self.open_units -= 1
                self.progress.mark(unit)

        for side_pool in parts:
            side = side_pool.name
            side_pool.submit(pool_module.Task(
                request, self._case_handler(side), self._failure(side),
                done))

    # -- events --------------------------------------------------------------------
    def _case_handler(self, side):
        def handle(event):
            fuzzer = event.get("fuzzer")
            if event.get("ev") != "case":
                return
            if side == "target" and fuzzer in ("flight", "stateful"):
                self.stats.cases[fuzzer] += 1
                self.stats.calls[fuzzer] += event.get("calls", 0)
            self._violations(side, event)
            if not self.reference:
                return
            if fuzzer == "flight":
                self._flight_result(side, event)
            elif fuzzer == "stateful":
                key = (event["seed"], event["index"])
                self.pending_programs[key] = (event["program"],
                                              event.get("cutoff"))
                self.replay_batch.append(
                    {"key": list(key), "program": event["program"]})
        return handle

    def _violations(self, side, event):
        for violation in event.get("violations", []):
            kind = "violation" if side == "target" else "reference-violation"
            if event.get("fuzzer") in ("rerun", "replay") and \
                    side == "target":
                continue  # already reported by the original run
            record = {"fuzzer": event.get("fuzzer"), "seed": event.get("seed"),
                      "index": event.get("index"), "key": event.get("key"),
                      "interpreter": self.interpreters.get(side),
                      "violation": violation, "notes": event.get("notes")}
            if event.get("program") is not None:
                record["program"] = event["program"]
            record["reproduce"] = self._reproduce(event, side)
            self.findings.add(kind, _violation_signature(event, violation),
                              record)

    def command(self, side, arguments):
        """The shell command that runs ``python -m fuzz.repro arguments``
        the way ``side``'s workers ran (interpreter, sslbio, paths)."""
        c = self.config
        if side == "target":
            python, paths = c.target_python, [c.target_src, TESTS] + \
                list(c.target_path)
        else:
            python, paths = c.reference_python, [c.reference_src, TESTS]
        corpus = ""
        if arguments.startswith("flight") and self.config.findings_dir:
            corpus = "%s=%s " % (CORPUS_VARIABLE, self.corpus)
        return "%sPYTHONPATH=%s %s -m fuzz.repro %s" % (
            corpus, os.pathsep.join(paths), python, arguments)

    def _reproduce(self, event, side):
        if event.get("fuzzer") == "flight":
            return self.command(side, "flight %d" % event["seed"])
        if event.get("fuzzer") == "stateful":
            return self.command(side, "program FINDING.json") + \
                "   # or: ... stateful %d --example %d --examples %d " \
                "--steps %d" % (event["seed"], event["index"],
                                self.config.examples, self.config.steps)
        if event.get("fuzzer") == "replay":
            return self.command(side, "program FINDING.json")
        return None

    def _flight_result(self, side, event):
        seed = event["seed"]
        entry = self.pending_flight.setdefault(seed, {})
        entry[side] = event
        if len(entry) < 2:
            return
        del self.pending_flight[seed]
        self.stats.compared["flight"] += 1
        if entry["target"]["digest"] == entry["reference"]["digest"]:
            return
        if self.judge().flight(entry["target"]["entries"],
                               entry["reference"]["entries"]) is None:
            self.stats.explained["flight"] += 1
        else:
            self._confirm_flight(seed)

    def judge(self):
        """The comparison for this target engine and this reference (known
        from their workers' ready events)."""
        if self._judge is None:
            self._judge = known.Judge(
                self.interpreters["target"]["limits"],
                self.interpreters["reference"]["python"])
        return self._judge

    def _confirm_flight(self, seed):
        key = ("flight", seed)
        self.confirmations[key] = {"target": [], "reference": []}
        request = {"op": "rerun", "seed": seed,
                   "times": self.config.confirm_runs}
        for side_pool in (self.target, self.reference):
            side = side_pool.name

            def collect(event, side=side):
                if event.get("ev") == "case":
                    self.confirmations[key][side].append(event)
                    self._maybe_judge_flight(key)

            side_pool.submit(pool_module.Task(
                request, collect, self._failure(side)), first=True)

    def _maybe_judge_flight(self, key):
        runs = self.confirmations[key]
        n = self.config.confirm_runs
        if len(runs["target"]) < n or len(runs["reference"]) < n:
            return
        del self.confirmations[key]
        mine = [r["entries"] for r in runs["target"]]
        theirs = [r["entries"] for r in runs["reference"]]
        found = self.judge().flight(mine[0], theirs[0])
        if not (differential.stable(mine) and differential.stable(theirs)) \
                or found is None:
            self.findings.add("unstable", "flight", {"seed": key[1]})
            return
        index, label, a, b = found
        severity = differential.severity(a, b)
        self.findings.add("mismatch", "flight %s: %s" % (
            severity, differential.signature(label, a, b)), {
                "fuzzer": "flight", "seed": key[1], "severity": severity,
                "step": index, "call": label, "target": a, "reference": b,
                "notes": runs["target"][0].get("notes"),
                "target_transcript": mine[0][:index + 1],
                "reference_transcript": theirs[0][:index + 1],
                "interpreters": dict(self.interpreters),
                "reproduce": "%s; %s" % (
                    self.command("target", "flight %d" % key[1]),
                    self.command("reference", "flight %d" % key[1]))})

    def _submit_replays(self):
        batch, self.replay_batch = self.replay_batch, []
        self.reference.submit(pool_module.Task(
            {"op": "replay", "programs": batch},
            self._replay_result, self._failure("reference")))

    def _replay_result(self, event):
        if event.get("ev") != "case":
            return
        self._violations("reference", event)
        key = tuple(event["key"])
        steps, cutoff = self.pending_programs.pop(key, (None, None))
        if steps is None:
            return
        self.stats.compared["stateful"] += 1
        found = self.judge().program(
            steps, event["outcomes"], [cutoff, event.get("cutoff")],
            spec.comparable)
        if found is not None:
            self._confirm_program(key, steps, cutoff)
        elif self.judge().set_aside:
            self.stats.explained["stateful"] += 1

    def _confirm_program(self, key, steps, cutoff):
        ckey = ("stateful",) + key
        self.confirmations[ckey] = {"target": [], "reference": [],
                                    "steps": steps, "cutoff": cutoff}
        runs = max(2, self.config.confirm_runs - 1)
        request = {"op": "replay",
                   "programs": [{"key": list(key), "program": steps}] * runs}
        for side_pool in (self.target, self.reference):
            side = side_pool.name

            def collect(event, side=side):
                if event.get("ev") == "case":
                    self.confirmations[ckey][side].append(event)
                    self._maybe_judge_program(ckey, runs)

            side_pool.submit(pool_module.Task(
                request, collect, self._failure(side)), first=True)

    def _maybe_judge_program(self, ckey, runs):
        record = self.confirmations[ckey]
        if len(record["target"]) < runs or len(record["reference"]) < runs:
            return
        del self.confirmations[ckey]
        steps = record["steps"]
        mine = [[o for _, o in steps]] + [r["outcomes"]
                                          for r in record["target"]]
        theirs = [r["outcomes"] for r in record["reference"]]
        cutoffs = [record["cutoff"]] + [r.get("cutoff") for r in
                                        record["target"] + record["reference"]]
        limit = min([len(steps)] + [c for c in cutoffs if c is not None])
        if not (differential.stable([m[:limit] for m in mine]) and
                differential.stable([t[:limit] for t in theirs])):
            self.findings.add("unstable", "stateful", {"key": ckey[1:]})
            return
        found = self.judge().program(steps, theirs[0], cutoffs,
                                     spec.comparable)
        if found is None:
            self.findings.add("unstable", "stateful", {"key": ckey[1:]})
            return
        index, op, a, b = found
        severity = differential.severity(a, b)
        self.findings.add("mismatch", "stateful %s: %s" % (
            severity, differential.signature(op, a, b)), {
                "fuzzer": "stateful", "seed": ckey[1], "index": ckey[2],
                "severity": severity, "step": index, "op": op, "target": a,
                "reference": b, "program": steps[:index + 1],
                "interpreters": dict(self.interpreters),
                "reproduce": "%s; %s" % (
                    self.command("target", "program FINDING.json"),
                    self.command("reference", "program FINDING.json"))})

    def _failure(self, side):
        def failed(kind, seed, report):
            request = report["request"] or {}
            op = request.get("op")
            fuzzer = request.get("fuzzer") if op == "run" else op
            record = dict(report, side=side, fuzzer=fuzzer,
                          interpreter=self.interpreters.get(side))
            program = _journal_program(report.get("journal", ""))
            if program:
                record["program"] = program
            if fuzzer == "flight" and seed is not None:
                record["reproduce"] = self.command(side, "flight %d" % seed)
            elif fuzzer == "rerun":
                record["reproduce"] = self.command(
                    side, "flight %d" % request["seed"])
            elif program:
                record["reproduce"] = self.command(side,
                                                   "program FINDING.json")
            if op == "run" and seed is not None:
                # The case is lost; count it so that figures add up.
                self.stats.cases[fuzzer] += 1 if side == "target" else 0
            cause = report.get("signal") if kind == "crash" else None
            self.findings.add(kind, "%s %s %s" % (
                side, fuzzer, cause or kind), record)
            return _remaining(request, seed)
        return failed

    def _worker_event(self, side):
        def handle(worker, event):
            if event.get("ev") == "ready":
                self.interpreters[side] = {
                    k: event.get(k) for k in ("python", "implementation",
                                              "engine", "openssl",
                                              "limits")}
                if event.get("startup_stderr"):
                    self.findings.add("startup", "%s stderr" % side, {
                        "worker": worker.name,
                        "stderr": event["startup_stderr"]})
            else:
                self.findings.add("startup", "%s %s" % (side, event["ev"]), {
                    "worker": worker.name, "returncode": event.get(
                        "returncode"), "stderr": event.get("stderr")})
        return handle

    # -- reporting --------------------------------------------------------------------
    def _log(self, text):
        if self.config.log is not None:
            self.config.log(text)

    def progress_line(self):
        s, f = self.stats, self.findings
        elapsed = time.time() - s.started
        return ("[%s] flight %d, stateful %d (%.0f cases/s); crashes %d, "
                "hangs %d, violations %d, mismatches %d (unstable %d)" % (
                    _clock(elapsed), s.cases["flight"], s.cases["stateful"],
                    s.total() / max(elapsed, 1e-9), f.count("crash"),
                    f.count("hang"), f.count("violation"),
                    f.count("mismatch"), f.count("unstable")))

    def summary(self):
        s, f, c = self.stats, self.findings, self.config
        elapsed = time.time() - s.started
        return {
            "interpreters": self.interpreters,
            "elapsed_seconds": round(elapsed, 1),
            "cases": dict(s.cases, total=s.total()),
            "api_calls": dict(s.calls),
            "cases_per_second": round(s.total() / max(elapsed, 1e-9), 1),
            "crashes": f.count("crash"), "hangs": f.count("hang"),
            "violations": f.count("violation"),
            "reference_violations": f.count("reference-violation"),
            "startup_problems": f.count("startup"),
            "differential": {
                "reference": c.reference_python,
                "compared": dict(s.compared),
                "explained": dict(s.explained),
                "mismatches": f.count("mismatch"),
                "unstable": f.count("unstable"),
            },
            "seeds": {
                "flight": [c.flight_start, c.flight_start + c.flight_count],
                "stateful": [c.stateful_start,
                             c.stateful_start + c.stateful_seeds]},
            "stopped_early": bool(self.units),
            "groups": [
                {"kind": kind, "signature": signature, "count": count,
                 "files": files}
                for kind, signature, count, files, _ in
                f.summary_groups()],
        }


def _remaining(request, seed):
    """The request for what a crashed or hung worker had not done."""
    op = request.get("op")
    if op == "run":
        if seed is None:
            # Lost before its first case: try once more, then give up.
            if request.get("retried"):
                return None
            return dict(request, retried=True)
        if seed + 1 >= request["stop"]:
            return None
        return dict(request, start=seed + 1)
    if op == "replay" and seed is not None:
        rest = request["programs"][seed + 1:]
        return dict(request, programs=rest) if rest else None
    if op == "rerun":
        return None
    return None


def _journal_program(journal):
    """The operations a stateful worker had run when it died (its
    journal: a header line, then one JSON op per line)."""
    lines = journal.splitlines()
    if not lines or not lines[0].startswith(("stateful", "replay")):
        return None
    program = []
    for line in lines[1:]:
        try:
            program.append([json.loads(line), None])
        except ValueError:
            break
    return program


def _violation_signature(event, violation):
    if violation.get("kind") == "stderr":
        first = (violation.get("output") or "").strip().splitlines()
        return "%s stderr: %s" % (event.get("fuzzer"),
                                  first[-1][:100] if first else "")
    call = violation.get("call") or violation.get("op")
    return "%s %s: %s" % (event.get("fuzzer"),
                          differential.signature(call, None, None).split(
                              " | ")[0],
                          violation.get("exception"))


def _clock(seconds):
    return "%d:%02d" % (seconds // 60, seconds % 60)


class _Progress(object):
    """Completed units, saved in the findings directory for --resume."""

    def __init__(self, directory, resume):
        self.path = os.path.join(directory, "progress.json") \
            if directory else None
        self.units = set()
        self.saved = time.time()
        if resume and self.path and os.path.exists(self.path):
            with open(self.path) as f:
                self.units = set(tuple(u) for u in json.load(f)["done"])

    def done(self, unit):
        return tuple(unit) in self.units

    def mark(self, unit):
        self.units.add(tuple(unit))

    def save_every(self, seconds):
        if time.time() - self.saved > seconds:
            self.save()

    def save(self):
        self.saved = time.time()
        if not self.path:
            return
        temporary = self.path + ".tmp"
        with open(temporary, "w") as f:
            json.dump({"done": sorted(list(u) for u in self.units)}, f)
        os.rename(temporary, self.path)


# -- command line ----------------------------------------------------------------

def _runs(python, code, env=None):
    return subproc.run([python, "-c", code], timeout=120,
                       env=env).returncode == 0


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="scripts/fuzz-campaign",
        description="Long fuzzing campaign of sslbio's in-memory TLS API "
                    "(flight mutation + stateful API fuzzers), with crash "
                    "isolation and an optional differential comparison "
                    "against Python 3.11.  Prints its figures at the end; "
                    "findings go to --findings.")
    parser.add_argument("--cases", type=int, default=1000000,
                        help="cases to run in all (default 1,000,000)")
    parser.add_argument("--stateful-share", type=float, default=0.05,
                        help="share of the cases that are stateful programs "
                             "(default 0.05; a program costs about ten "
                             "flight cases)")
    parser.add_argument("--seed", type=int, default=0,
                        help="first seed of both fuzzers (default 0): a "
                             "campaign covers seeds [seed, seed + count)")
    parser.add_argument("--jobs", type=int, default=_cpu_count(),
                        help="workers for the interpreter under test "
                             "(default: the number of CPUs)")
    parser.add_argument("--reference-jobs", type=int, default=None,
                        help="workers for the reference (default: half of "
                             "--jobs, at least 1)")
    parser.add_argument("--python", default=None,
                        help="the Python 2.7 under test (default: "
                             "$SSLBIO_PYTHON27, build/venvs/py2.7, "
                             "pyenv's 2.7, python2.7)")
    parser.add_argument("--pythonpath", default="",
                        help="extra PYTHONPATH entries for its workers "
                             "(where hypothesis 4.57.1 is, if not installed)")
    parser.add_argument("--src", default=CHECKOUT_SRC,
                        help="directory holding the sslbio to test "
                             "(default: the checkout's src)")
    parser.add_argument("--reference", default="auto",
                        help="Python 3 for the differential mode: a "
                             "path, 'auto' (the tests' reference: "
                             "$SSLBIO_REFERENCE_PYTHONS, else Python 3.11) "
                             "or 'none'")
    parser.add_argument("--findings", default=os.path.join(
        CHECKOUT, "build", "fuzz-findings"),
        help="directory for findings, progress and summary (default "
             "build/fuzz-findings)")
    parser.add_argument("--resume", action="store_true",
                        help="skip the units a previous run with the same "
                             "ranges completed (progress.json)")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop handing out work after this long "
                             "(resume later with --resume)")
    parser.add_argument("--examples", type=int, default=100,
                        help="stateful programs per hypothesis run (seed)")
    parser.add_argument("--steps", type=int, default=10,
                        help="hypothesis steps per program (each step makes "
                             "one to four calls)")
    parser.add_argument("--unit", type=int, default=50,
                        help="flight seeds per unit of work")
    parser.add_argument("--case-timeout", type=float, default=60.0,
                        help="seconds without progress before a worker is "
                             "killed and its case reported as a hang")
    return parser.parse_args(argv)


def _cpu_count():
    try:
        import multiprocessing
        return multiprocessing.cpu_count()
    except (ImportError, NotImplementedError):
        return 2


def config_from_args(args):
    python = args.python or interpreters.python27()
    if python is None:
        raise SystemExit("fuzz-campaign: no Python 2.7 found; use --python")
    extra = [p for p in args.pythonpath.split(os.pathsep) if p]
    env = pool_module.worker_env(args.src, extra)
    if not _runs(python, "import hypothesis, sslbio", env):
        raise SystemExit("fuzz-campaign: %s cannot import hypothesis and "
                         "sslbio; install hypothesis==4.57.1 or use "
                         "--pythonpath" % python)
    reference = None
    if args.reference == "auto":
        reference = interpreters.reference_python()
    elif args.reference != "none":
        reference = args.reference
    stateful_cases = int(round(args.cases * args.stateful_share))
    stateful_seeds = -(-stateful_cases // args.examples) if stateful_cases \
        else 0
    return Config(
        target_python=python, target_src=args.src, target_path=extra,
        perturb_malloc=True,
        reference_python=reference, jobs=args.jobs,
        reference_jobs=args.reference_jobs or max(1, args.jobs // 2),
        flight_start=args.seed, flight_count=args.cases - stateful_cases,
        flight_unit=args.unit, stateful_start=args.seed,
        stateful_seeds=stateful_seeds, examples=args.examples,
        steps=args.steps, case_timeout=args.case_timeout,
        findings_dir=os.path.abspath(args.findings), minutes=args.minutes,
        resume=args.resume)


def print_summary(summary, out=None):
    out = out or sys.stdout
    cases, calls = summary["cases"], summary["api_calls"]
    diff = summary["differential"]
    lines = [
        "",
        "sslbio fuzz campaign: %.0f s" % summary["elapsed_seconds"],
        "  interpreters:      %s" % ", ".join(
            "%s %s (%s, %s)" % (side, i.get("python"), i.get("engine"),
                                i.get("openssl"))
            for side, i in sorted(summary["interpreters"].items())),
        "  flight cases:      %d  (%d API calls)" % (cases["flight"],
                                                    calls["flight"]),
        "  stateful programs: %d  (%d API calls)" % (cases["stateful"],
                                                    calls["stateful"]),
        "  total cases:       %d  (%.1f cases/s)" % (
            cases["total"], summary["cases_per_second"]),
        "  crashes:           %d" % summary["crashes"],
        "  hangs:             %d" % summary["hangs"],
        "  disallowed exceptions / stderr output: %d" % summary["violations"],
        "  differential:      %s" % (
            "off" if not diff["reference"] else
            "%d flight + %d stateful compared with %s; %d flight + %d "
            "stateful differences known (known.py); %d mismatches "
            "confirmed, %d unstable" % (
                diff["compared"]["flight"], diff["compared"]["stateful"],
                diff["reference"], diff["explained"]["flight"],
                diff["explained"]["stateful"], diff["mismatches"],
                diff["unstable"])),
        "  reference violations (harness faults): %d" %
        summary["reference_violations"],
        "  worker start-up problems: %d" % summary["startup_problems"],
    ]
    if summary["stopped_early"]:
        lines.append("  (stopped before the end of the seed ranges: run "
                     "again with --resume to continue)")
    groups = [g for g in summary["groups"] if g["kind"] != "unstable"]
    if groups:
        lines.append("  findings by kind and signature:")
        for g in groups:
            lines.append("    %-9s %6d  %s  [%s]" % (
                g["kind"], g["count"], g["signature"],
                ", ".join(g["files"][:2])))
    out.write("\n".join(lines) + "\n")


def main(argv=None):
    args = parse_args(argv)
    config = config_from_args(args)
    config.log = _print_now
    _print_now("fuzz-campaign: %s under test, reference %s; %d flight "
               "cases from seed %d, %d stateful seeds x %d programs; "
               "findings in %s" % (
                   config.target_python, config.reference_python or "none",
                   config.flight_count, config.flight_start,
                   config.stateful_seeds, config.examples,
                   config.findings_dir))
    summary = Campaign(config).run()
    print_summary(summary)
    bad = (summary["crashes"] + summary["hangs"] + summary["violations"])
    return 1 if bad else 0


def _print_now(text):
    print(text)
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())

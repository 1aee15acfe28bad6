"""Run a reliability script (or any command) in a fresh process, with a deadline.

A crash, a hang or noise on stderr in the child fails one test instead of
the run.  Python 2.7's ``communicate()`` has no timeout, so a timer kills
the child when the deadline passes; the result says it was killed.
"""

import json
import os
import subprocess
import sys
import threading

from engine_cases.common import subprocess_env

HERE = os.path.dirname(os.path.abspath(__file__))


class Result(object):
    """Exit code, output (text) and whether the deadline killed the child."""

    def __init__(self, argv, returncode, out, err, timed_out, seconds):
        self.argv = argv
        self.returncode = returncode
        self.out = out
        self.err = err
        self.timed_out = timed_out
        self.seconds = seconds

    def json(self):
        """The JSON document on the last non-empty line of stdout."""
        lines = [line for line in self.out.splitlines() if line.strip()]
        if not lines:
            raise AssertionError("no output; %s" % self.describe())
        return json.loads(lines[-1])

    def describe(self):
        return ("%s: exit code %r%s after %.1f s\n--- stdout ---\n%s\n"
                "--- stderr ---\n%s" % (
                    " ".join(self.argv), self.returncode,
                    " (killed at the deadline)" if self.timed_out else "",
                    self.seconds, self.out[-6000:], self.err[-6000:]))

    def check_clean(self):
        """Exit 0 with nothing on stderr, or AssertionError with all of it."""
        if self.timed_out or self.returncode != 0 or self.err.strip():
            raise AssertionError(self.describe())
        return self


def run_script(name, args, executable=None, timeout=600, env=None):
    """Run ``tests/reliability/<name>`` with ``args`` under ``executable``
    (this interpreter by default; another one gets the checkout's src)."""
    executable = executable or sys.executable
    argv = [executable, os.path.join(HERE, name)] + [str(a) for a in args]
    return run_command(argv, timeout=timeout,
                       env=subprocess_env(env, foreign=executable != sys.executable))


def run_command(argv, timeout, env=None, cwd=None):
    """Run ``argv`` to its end or until ``timeout`` seconds have passed
    (then it is killed); return a ``Result``."""
    import time
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=env, cwd=cwd)
    killed = []

    def kill():
        killed.append(True)
        try:
            proc.kill()
        except OSError:  # already gone
            pass

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    began = time.time()
    timer.start()
    try:
        out, err = proc.communicate()
    finally:
        timer.cancel()
    return Result(argv, proc.returncode, out.decode("utf-8", "replace"),
                  err.decode("utf-8", "replace"), bool(killed),
                  time.time() - began)

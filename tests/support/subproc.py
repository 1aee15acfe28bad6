"""Running a command in a child process, always with a deadline.

Everything the tests start and wait for goes through ``run()``: a crash, a
hang or noise on stderr in the child then fails one test instead of the
whole run.  Python 2.7's ``communicate()`` has no timeout, so a timer kills
the child when the deadline passes, and the result says it was killed.

``child_env()`` is the one recipe for a child interpreter's environment.
(Long-lived peers -- ``openssl s_server``, the Python 3 server -- are
``support.peers.Peer``: they are waited on line by line, not run to the
end.)
"""

import json
import os
import subprocess
import sys
import threading
import time

TESTS = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKOUT_SRC = os.path.join(os.path.dirname(TESTS), "src")

# Seconds a child may run unless the caller says otherwise.
DEFAULT_TIMEOUT = 300


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

    def check(self):
        """Exit 0 (stderr allowed), or AssertionError with all output."""
        if self.timed_out or self.returncode != 0:
            raise AssertionError(self.describe())
        return self

    def check_clean(self):
        """Exit 0 with nothing on stderr, or AssertionError with all of it."""
        if self.timed_out or self.returncode != 0 or self.err.strip():
            raise AssertionError(self.describe())
        return self


class _Terminal(object):
    """A pseudo-terminal for a child's stderr, read by a thread (so the
    child never blocks on it) until the child's side closes."""

    def __init__(self):
        import pty
        self.master, self.slave = pty.openpty()
        self.chunks = []
        self.reader = threading.Thread(target=self._collect)
        self.reader.daemon = True

    def started(self):
        os.close(self.slave)  # the child holds its own copy
        self.reader.start()

    def _collect(self):
        while True:
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: every writer has closed its side
                break
            if not data:
                break
            self.chunks.append(data)

    def output(self):
        self.reader.join(10)
        os.close(self.master)
        return b"".join(self.chunks)


def run(argv, timeout=DEFAULT_TIMEOUT, env=None, cwd=None, merge_stderr=False,
        terminal_stderr=False):
    """Run ``argv`` to its end or its deadline; a ``Result``.

    ``merge_stderr`` sends the child's stderr into ``out`` (for tools whose
    two streams are one log); ``terminal_stderr`` gives it a terminal as
    stderr (a pseudo-terminal, whose output is ``err``: what a program shows
    a person only).  A command that cannot be started at all is
    ``Result(returncode=None)`` with the reason in ``err``.
    """
    argv = [str(a) for a in argv]
    began = time.time()
    terminal = _Terminal() if terminal_stderr else None
    if terminal is not None:
        stderr = terminal.slave
    else:
        stderr = subprocess.STDOUT if merge_stderr else subprocess.PIPE
    try:
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, cwd=cwd, env=env,
                                stderr=stderr)
    except OSError as exc:
        if terminal is not None:
            terminal.started()
            terminal.output()
        return Result(argv, None, "", "cannot run: %s" % exc, False, 0.0)
    if terminal is not None:
        terminal.started()
    killed = []

    def kill():
        killed.append(True)
        try:
            proc.kill()
        except OSError:  # already gone
            pass

    timer = threading.Timer(timeout, kill)
    timer.daemon = True
    timer.start()
    try:
        out, err = proc.communicate()
    finally:
        timer.cancel()
    if terminal is not None:
        err = terminal.output()
    return Result(argv, proc.returncode, _text(out), _text(err), bool(killed),
                  time.time() - began)


def _text(data):
    return (data or b"").decode("utf-8", "replace")


def sslbio_src():
    """The directory the sslbio under test is imported from (the checkout's
    ``src`` or the site-packages it was installed into).  Imports sslbio:
    callers that must not (the conformance suite contains that import in its
    children) pass their own path to ``child_env()``."""
    import sslbio
    return os.path.dirname(os.path.dirname(os.path.abspath(sslbio.__file__)))


def foreign_src():
    """What another interpreter (a Python 3 reference) gets instead of
    ``sslbio_src()``: that may be this interpreter's site-packages, whose
    2.7-only modules must not shadow the other one's standard library.  On
    Python 3 sslbio only re-exports ssl, so the checkout's copy will do."""
    if os.path.isfile(os.path.join(CHECKOUT_SRC, "sslbio", "__init__.py")):
        return CHECKOUT_SRC
    return sslbio_src()


def child_env(src=None, extra=None, perturb=True, path=()):
    """Environment for a child interpreter.

    ``src`` goes first on ``PYTHONPATH``, followed by ``tests/`` (so the
    children import ``support``, ``engine_cases`` ... as the tests do) and
    the entries of ``path``; ``src=None`` puts no sslbio there, for a child
    that must find the installed one by itself.  Whatever the parent had on
    ``PYTHONPATH`` is not passed on: a Python 3 child must not import a
    2.7 environment's packages.  ``PYENV_VERSION`` is dropped (interpreters
    are given by path and a pinned version must not redirect them), output
    is UTF-8, a crash in C code prints the Python stack (3.x), and with
    ``perturb`` glibc fills allocated and freed memory with a pattern, so a
    use after free reads garbage and is far more likely to crash than to
    pass.  (Not for Python 3 children that allocate gigabytes on purpose:
    they would fill them.)  ``extra`` is applied last.
    """
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(
        [p for p in [src, TESTS] + list(path) if p])
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env["PYTHONIOENCODING"] = "utf-8"
    env["PYTHONFAULTHANDLER"] = "1"
    if perturb:
        env["MALLOC_PERTURB_"] = "165"
    else:
        env.pop("MALLOC_PERTURB_", None)
    for name in ("PYTHONWARNINGS", "PYENV_VERSION", "PYTHONHOME",
                 "PYTHONSTARTUP"):
        env.pop(name, None)
    if extra:
        env.update(extra)
    return env


def python_env(executable, extra=None):
    """``child_env()`` for running test code under ``executable``: this
    interpreter gets the sslbio under test, another one the checkout's."""
    same = os.path.abspath(executable) == os.path.abspath(sys.executable)
    return child_env(sslbio_src() if same else foreign_src(), extra)

"""Finding interpreters and running the scenario runner under them.

Each run is a subprocess, so a crash of the engine under test costs one
scenario, not the test session: when a run dies, the scenarios it did not
report are run again one by one, and the one that kills the interpreter is
recorded as ``["!crashed", returncode]``.
"""

from __future__ import print_function

import json
import os
import re
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
RUNNER = os.path.join(HERE, "runner.py")
SRC = os.path.join(os.path.dirname(os.path.dirname(HERE)), "src")

TIMEOUT = 300  # seconds for one runner process

# Minor versions the suite compares against; 3.11 is the reference.
REFERENCE_MINORS = ("3.11", "3.13")
REPORT_MINORS = ("2.7", "3.6", "3.7", "3.8", "3.9", "3.10", "3.11", "3.12",
                 "3.13")


def _environment(add_src=True):
    """Environment for a runner process.  ``add_src`` puts the checkout's
    ``src`` first on PYTHONPATH: needed by reference interpreters (nothing is
    installed there), wrong where the interpreter under test has sslbio
    installed and the installed copy is what must be tested."""
    env = dict(os.environ)
    if add_src:
        env["PYTHONPATH"] = os.pathsep.join(
            [SRC] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p])
    env["PYTHONIOENCODING"] = "utf-8"
    env.pop("PYENV_VERSION", None)
    return env


def _pyenv_versions():
    try:
        out = subprocess.check_output(["pyenv", "versions", "--bare"],
                                      stderr=subprocess.STDOUT)
    except (OSError, subprocess.CalledProcessError):
        return []
    return [v.strip() for v in out.decode("utf-8", "replace").splitlines()
            if re.match(r"^\d+\.\d+\.\d+$", v.strip())]


def _newest(versions, minor):
    candidates = [v for v in versions if v.startswith(minor + ".")]
    if not candidates:
        return None
    return max(candidates, key=lambda v: [int(x) for x in v.split(".")])


def pyenv_python(minor):
    """Path of the newest installed ``minor`` (e.g. "3.11"), or None.

    ``pyenv which`` first; where pyenv is not on PATH (a CI environment, a
    virtualenv's shell) pyenv's versions directory, then ``pythonX.Y`` on
    PATH."""
    newest = _newest(_pyenv_versions(), minor)
    if newest:
        env = dict(os.environ, PYENV_VERSION=newest)
        try:
            out = subprocess.check_output(["pyenv", "which", "python" + minor],
                                          env=env, stderr=subprocess.STDOUT)
            path = out.decode("utf-8").strip()
            if path and os.path.exists(path):
                return path
        except (OSError, subprocess.CalledProcessError):
            pass
    root = os.path.join(os.environ.get("PYENV_ROOT") or
                        os.path.expanduser("~/.pyenv"), "versions")
    if os.path.isdir(root):
        newest = _newest([v for v in os.listdir(root)
                          if re.match(r"^\d+\.\d+\.\d+$", v)], minor)
        if newest:
            path = os.path.join(root, newest, "bin", "python" + minor)
            if os.path.exists(path):
                return path
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory, "python" + minor)
        if os.path.exists(path) and version_of(path) == minor:
            return path
    return None


def version_of(python):
    """"3.11"-style version of an interpreter, or None if it does not run."""
    try:
        out = subprocess.check_output(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"])
    except (OSError, subprocess.CalledProcessError):
        return None
    return out.decode("ascii").strip()


def reference_pythons():
    """``{"3.11": path, "3.13": path}`` for the reference interpreters found.

    ``SSLBIO_REFERENCE_PYTHONS`` (os.pathsep-separated paths) wins; otherwise
    pyenv's newest 3.11.x and 3.13.x."""
    found = {}
    explicit = os.environ.get("SSLBIO_REFERENCE_PYTHONS")
    if explicit:
        for path in explicit.split(os.pathsep):
            if path:
                version = version_of(path)
                if version:
                    found[version] = path
        return found
    for minor in REFERENCE_MINORS:
        path = pyenv_python(minor)
        if path:
            found[minor] = path
    return found


def list_scenarios(python=None):
    """Registered scenarios as ``[{"name", "tags", "deviation"}]``."""
    out = subprocess.check_output([python or sys.executable, RUNNER, "--list"],
                                  env=_environment(False))
    return json.loads(out.decode("utf-8"))


def sslbio_installed():
    """Whether this interpreter finds sslbio on its own, without importing it
    (the import itself is what the subprocesses are there to contain)."""
    import pkgutil
    return pkgutil.find_loader("sslbio") is not None


def _run(python, names, add_src):
    cmd = [python, RUNNER, "--jsonl"]
    if names:
        cmd += ["--only"] + list(names)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env=_environment(add_src))
    # 2.7's communicate() has no timeout: a watchdog ends a hung run, which
    # then counts as a crash of the scenarios it had not finished.
    watchdog = threading.Timer(TIMEOUT, proc.kill)
    watchdog.start()
    try:
        out, err = proc.communicate()
    finally:
        watchdog.cancel()
    results = {}
    for line in out.decode("utf-8", "replace").splitlines():
        if line.startswith("{"):
            try:
                item = json.loads(line)
            except ValueError:  # a line cut short by a crash
                continue
            results[item["name"]] = item["observations"]
    return results, proc.returncode, err.decode("utf-8", "replace")


def transcript(python, names=None, add_src=True):
    """``({name: observations}, stderr)`` of ``python`` running the scenarios.

    A scenario missing from the output (the interpreter died) is rerun alone;
    if it dies again its transcript is ``[["!crashed", returncode]]``."""
    results, code, err = _run(python, names, add_src)
    wanted = names or [s["name"] for s in list_scenarios(python)]
    missing = [n for n in wanted if n not in results]
    if code != 0 and not missing:
        err += "\nrunner exited with %s after reporting every scenario" % code
    for name in missing:
        single, code, single_err = _run(python, [name], add_src)
        if name in single:
            results[name] = single[name]
        else:
            results[name] = [["!crashed", code]]
            err += "\n--- %s crashed (exit %s):\n%s" % (name, code, single_err)
    return results, err

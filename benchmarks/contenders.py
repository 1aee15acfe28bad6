"""Who competes: interpreter discovery, and the isolated environments the
bench installs for itself.

Contenders (``Contender.key``):

``sslbio-2.7``     CPython 2.7 running sslbio (the subject), with the engine it
                   chooses (ctypes).
``sslbio-2.7-portable``  the same interpreter with ``SSLBIO_ENGINE=portable``:
                   the fallback engine (standard library only), measured
                   beside the one it stands in for.
``sslbio-pypy``    PyPy 2.7 (Debian bullseye's pypy 7.3.3) running sslbio's pypy
                   engine, in the project's Debian chroot (``chroot.py``).
``sslbio-2.7-bullseye``  the same chroot's CPython 2.7 with the ctypes engine:
                   the ctypes engine on the OpenSSL the pypy engine uses
                   (bullseye's 1.1.1, where the host's is 3.0).
``stdlib-3.11``    CPython 3.11's ``ssl.MemoryBIO``/``SSLObject``: the reference
                   every ratio is taken against.
``stdlib-3.N``     the newest installed CPython 3.x, when it is not 3.11.
``pyopenssl-2.7``  pyOpenSSL 21.0.0 in memory-BIO mode on CPython 2.7, from a
                   virtualenv the bench makes (pinned versions below).
``openssl-speed``  the limit: ``openssl speed`` for the AEAD (see limit.py).

Interpreters come from pyenv's builds (``$PYENV_ROOT/versions/X.Y.Z``, the
newest patch release of each X.Y) and then ``pythonX.Y`` on the ``PATH``;
``--interpreter X.Y=PATH`` overrides both.

Environments live under the cache directory and are reused while what they
were made from (interpreter, pinned requirements, recipe) is unchanged, as
``scripts/test-all`` does for the test environments:

``py3-virtualenv``   virtualenv 20.21.1 on the reference Python 3: the last
                     virtualenv able to make 2.7 environments (2.7 has no venv).
``py2.7-pyopenssl``  pyOpenSSL and cryptography for 2.7 (binary wheels only:
                     cryptography 3.3.2 ships manylinux wheels for cp27).
``py3-chart``        matplotlib on the reference Python 3, for the PNG chart.

Python 2.7 and 3 compatible: the command itself may run on either.
"""

from __future__ import print_function

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys

from . import chroot

__all__ = ["Contender", "find_interpreters", "probe", "discover", "ensure_venv",
           "REFERENCE", "PYOPENSSL_REQUIREMENTS", "CHART_REQUIREMENTS"]

REFERENCE = "stdlib-3.11"
# Bump to rebuild every cached environment when the way they are made changes.
RECIPE = 1

VIRTUALENV_REQUIREMENTS = [
    "virtualenv==20.21.1", "distlib==0.4.4", "filelock==3.16.1", "platformdirs==3.11.0",
]
# pyOpenSSL 21.0.0 is the last release for Python 2.7, cryptography 3.3.2 the
# last 2.7 release of its dependency; the rest are their last 2.7 releases.
PYOPENSSL_REQUIREMENTS = [
    "pyOpenSSL==21.0.0", "cryptography==3.3.2", "cffi==1.15.1", "pycparser==2.21",
    "six==1.16.0", "enum34==1.1.10", "ipaddress==1.0.23",
]
# A matplotlib that has wheels for 3.9 to 3.13, and its dependencies pinned.
CHART_REQUIREMENTS = [
    "matplotlib==3.9.2", "numpy==2.1.3", "contourpy==1.3.0", "cycler==0.12.1",
    "fonttools==4.54.1", "kiwisolver==1.4.7", "packaging==24.1", "pillow==11.0.0",
    "pyparsing==3.2.0", "python-dateutil==2.9.0.post0", "six==1.16.0",
]

_PROBE = r"""
import json, platform, ssl, sys
print(json.dumps({"implementation": platform.python_implementation(),
                  "version": platform.python_version(),
                  "xy": "%d.%d" % sys.version_info[:2],
                  "openssl": ssl.OPENSSL_VERSION,
                  "executable": sys.executable}))
"""


class Contender(object):
    """One column of the results: an interpreter + driver, or the limit."""

    def __init__(self, key, label, python=None, driver=None, info=None, reason=None,
                 env=None, skips=None, chroot=False, jit=False):
        self.key = key
        self.label = label
        self.python = python        # interpreter path (None for the limit)
        self.driver = driver        # "ssl-api", "pyopenssl", or None for the limit
        self.info = info or {}      # what probe() / the worker reported
        self.reason = reason        # why it is unavailable, or None
        self.env = env or {}        # extra environment of its workers
        self.skips = skips or {}    # measurement name -> why it is not run
        self.chroot = chroot        # runs in the Debian chroot (``python`` is its path there)
        self.jit = jit              # a JIT: warm up until the rate settles (runner)

    @property
    def available(self):
        return self.reason is None

    def as_dict(self):
        return {"key": self.key, "label": self.label, "python": self.python,
                "driver": self.driver, "info": self.info, "unavailable": self.reason,
                "env": self.env, "skips": self.skips, "chroot": self.chroot,
                "jit": self.jit}


def _version_key(text):
    return tuple(int(part) for part in text.split("."))


def _run(command, log=None, env=None):
    """Run ``command``; returns (exit status, combined output as text)."""
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               env=env)
    output = process.communicate()[0].decode("utf-8", "replace")
    if log is not None:
        log.write("$ %s\n%s\n" % (" ".join(command), output))
        log.flush()
    return process.returncode, output


def probe(python):
    """What ``python`` is (dict), or None if it does not run."""
    try:
        status, output = _run([python, "-c", _PROBE])
    except OSError:
        return None
    if status != 0:
        return None
    try:
        return json.loads(output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return None


def _pyenv_pythons():
    """(X.Y.Z, path) of pyenv's CPython builds, newest first."""
    root = os.environ.get("PYENV_ROOT") or os.path.expanduser("~/.pyenv")
    versions = os.path.join(root, "versions")
    found = []
    if os.path.isdir(versions):
        for name in os.listdir(versions):
            path = os.path.join(versions, name, "bin", "python")
            if re.match(r"^\d+\.\d+\.\d+$", name) and os.path.exists(path):
                found.append((name, path))
    found.sort(key=lambda item: _version_key(item[0]), reverse=True)
    return found


def _on_path(name):
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory, name)
        if os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def find_interpreters(overrides=None):
    """{X.Y: (path, probe dict)} for every CPython 2.7 / 3.6+ found."""
    candidates = [path for _, path in _pyenv_pythons()]
    for minor in range(40, 5, -1):
        candidates.append(_on_path("python3.%d" % minor))
    candidates.append(_on_path("python2.7"))
    found = {}
    for xy, path in sorted((overrides or {}).items()):
        info = probe(path)
        if info is None or info["xy"] != xy:
            raise ValueError("--interpreter %s=%s: not a working Python %s" % (xy, path, xy))
        found[xy] = (path, info)
    for path in candidates:
        if path is None:
            continue
        info = probe(path)
        if info is None or info["implementation"] != "CPython":
            continue
        xy = info["xy"]
        if xy != "2.7" and _version_key(xy) < (3, 6):
            continue
        found.setdefault(xy, (path, info))
    return found


def _fingerprint(python, requirements, creator):
    info = probe(python) or {}
    text = json.dumps([RECIPE, python, info.get("version"), creator, requirements])
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def ensure_venv(directory, python, requirements, log, creator_python=None, pip_options=()):
    """Make (or reuse) a virtual environment with pinned ``requirements``.

    ``creator_python`` is a Python 3 environment holding virtualenv, for
    interpreters without a venv module (2.7).  Returns the environment's
    interpreter; raises RuntimeError with pip's or venv's output on failure.
    """
    creator = "virtualenv" if creator_python else "venv"
    recipe = _fingerprint(python, requirements, creator)
    marker = os.path.join(directory, ".sslbio-bench-recipe")
    env_python = os.path.join(directory, "bin", "python")
    if os.path.exists(env_python) and os.path.exists(marker):
        with open(marker) as handle:
            if handle.read().strip() == recipe:
                return env_python
    print("bench setup: creating %s" % directory, file=sys.stderr)
    shutil.rmtree(directory, ignore_errors=True)
    if creator_python:
        command = [creator_python, "-m", "virtualenv", "-q", "--no-download",
                   "--no-periodic-update", "-p", python, directory]
    else:
        command = [python, "-m", "venv", directory]
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    status, output = _run(command, log, env)
    if status != 0:
        raise RuntimeError("creating %s failed:\n%s" % (directory, output[-2000:]))
    status, output = _run([env_python, "-m", "pip", "install", "-q"] + list(pip_options)
                          + list(requirements), log, env)
    if status != 0:
        raise RuntimeError("pip install into %s failed:\n%s" % (directory, output[-2000:]))
    with open(marker, "w") as handle:
        handle.write(recipe + "\n")
    return env_python


def _pyopenssl_python(cache, python27, tool_python, log):
    """The 2.7 interpreter of the pyOpenSSL environment (made if needed)."""
    virtualenv = ensure_venv(os.path.join(cache, "py3-virtualenv"), tool_python,
                             VIRTUALENV_REQUIREMENTS, log)
    return ensure_venv(os.path.join(cache, "py2.7-pyopenssl"), python27,
                       PYOPENSSL_REQUIREMENTS, log, creator_python=virtualenv,
                       pip_options=["--only-binary", ":all:"])


def chart_python(cache, tool_python, log):
    """The interpreter of the matplotlib environment; raises RuntimeError."""
    return ensure_venv(os.path.join(cache, "py3-chart"), tool_python,
                       CHART_REQUIREMENTS, log, pip_options=["--only-binary", ":all:"])


def _chroot_contenders(mode, log):
    """sslbio on the Debian chroot's PyPy (pypy engine) and CPython 2.7
    (ctypes engine), over the chroot's OpenSSL 1.1.1.  ``mode`` is one of
    ``chroot.MODES``."""
    reason = chroot.status(mode, log)
    return [
        Contender("sslbio-pypy", "sslbio pypy 2.7", "pypy", "ssl-api", reason=reason,
                  env={"SSLBIO_ENGINE": "pypy"}, chroot=True, jit=True),
        Contender("sslbio-2.7-bullseye", "bullseye 2.7", "python2.7", "ssl-api",
                  reason=reason, env={"SSLBIO_ENGINE": "ctypes"}, chroot=True),
    ]


def discover(cache, overrides=None, with_pyopenssl=True, log=None, chroot_mode="cached"):
    """The contenders, available or not, and the Python 3 for the bench's tools.

    Returns (contenders, tool_python).  ``tool_python`` is the reference 3.11
    (else the newest Python 3) and is None when no Python 3 was found.
    """
    found = find_interpreters(overrides)
    contenders = []

    def worker(key, label, xy, driver):
        if xy in found:
            path, info = found[xy]
            contenders.append(Contender(key, label, path, driver, info))
        else:
            contenders.append(Contender(key, label, driver=driver,
                                        reason="no CPython %s found" % xy))

    worker("sslbio-2.7", "sslbio 2.7", "2.7", "ssl-api")
    if "2.7" in found:
        path, info = found["2.7"]
        contenders.append(Contender(
            "sslbio-2.7-portable", "portable 2.7", path, "ssl-api", info,
            env={"SSLBIO_ENGINE": "portable"},
            # 100,000 live objects would need 200,000 descriptors, and the
            # engine cannot resume sessions.
            skips={"scale": "two descriptors per object",
                   "resume-tls1.2": "no session resumption",
                   "resume-tls1.3": "no session resumption"}))
    contenders.extend(_chroot_contenders(chroot_mode, log))
    worker(REFERENCE, "stdlib 3.11", "3.11", "ssl-api")
    threes = sorted((xy for xy in found if xy.startswith("3.")), key=_version_key)
    if threes and threes[-1] != "3.11":
        newest = threes[-1]
        worker("stdlib-" + newest, "stdlib " + newest, newest, "ssl-api")
    tool_python = found["3.11"][0] if "3.11" in found else (
        found[threes[-1]][0] if threes else None)

    pyopenssl = Contender("pyopenssl-2.7", "pyOpenSSL 2.7", driver="pyopenssl")
    if not with_pyopenssl:
        pyopenssl.reason = "skipped (--no-pyopenssl)"
    elif "2.7" not in found:
        pyopenssl.reason = "no CPython 2.7 found"
    elif tool_python is None:
        pyopenssl.reason = "no Python 3 to run virtualenv"
    else:
        try:
            pyopenssl.python = _pyopenssl_python(cache, found["2.7"][0], tool_python, log)
            pyopenssl.info = probe(pyopenssl.python) or {}
        except (RuntimeError, OSError) as exc:
            pyopenssl.reason = "setting up pyOpenSSL failed: %s" % exc
    contenders.append(pyopenssl)
    return contenders, tool_python

"""Where the figures came from: the machine, its OpenSSL, the code measured.

Everything here is read-only inspection (``/proc``, ``platform``, ``openssl
version``, ``git rev-parse``); fields that cannot be read on this system are
``None`` rather than an error.  Python 2.7 and 3 compatible.
"""

import multiprocessing
import os
import platform
import subprocess
import time

__all__ = ["describe", "load_average"]


def _read(path):
    try:
        with open(path) as handle:
            return handle.read()
    except (IOError, OSError):
        return ""


def _first_field(text, name):
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == name:
            return value.strip()
    return None


def _output(command, cwd=None):
    try:
        process = subprocess.Popen(command, stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, cwd=cwd)
    except OSError:
        return None
    out = process.communicate()[0]
    if process.returncode != 0:
        return None
    return out.decode("utf-8", "replace").strip()


def _os_release():
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return None


def _memory_gib():
    total = _first_field(_read("/proc/meminfo"), "MemTotal")
    if total and total.endswith("kB"):
        return round(int(total.split()[0]) / 1048576.0, 1)
    return None


def load_average():
    try:
        return [round(value, 2) for value in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def _code_revision(package_dir):
    """Git revision of the checkout holding the measured package, and whether
    that package has uncommitted changes (``--no-optional-locks``: looking
    never rewrites the index).  ``None`` for an installed package: a
    site-packages directory may sit inside some other repository (pyenv's
    own checkout, for one), whose revision says nothing about the code."""
    if not _output(["git", "ls-files", "--", "__init__.py"], cwd=package_dir):
        return None
    revision = _output(["git", "rev-parse", "HEAD"], cwd=package_dir)
    if revision is None:
        return None
    status = _output(["git", "--no-optional-locks", "status", "--porcelain",
                      "--untracked-files=no", "--", "."], cwd=package_dir)
    return {"revision": revision, "uncommitted_changes": bool(status)}


def describe(package_dir, openssl="openssl"):
    """A JSON-ready description of this machine and run."""
    cpuinfo = _read("/proc/cpuinfo")
    return {
        # time.gmtime: utcnow() is deprecated on 3.12+, timezone.utc absent on 2.7.
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "cpu": _first_field(cpuinfo, "model name") or platform.processor() or None,
        "cores": multiprocessing.cpu_count(),
        "memory_gib": _memory_gib(),
        "kernel": "%s %s" % (platform.system(), platform.release()),
        "os": _os_release(),
        "machine": platform.machine(),
        "openssl_cli": _output([openssl, "version"]),
        "load_average_start": load_average(),
        "code": _code_revision(package_dir),
    }

"""Contenders that run inside one of the project's Debian bullseye chroots.

PyPy 2.7 (for sslbio's pypy engine) is on this project's machines only in
the chroot that ``scripts/debian-chroot`` makes and caches (``amd64-pypy``:
Debian's pypy 7.3.3 and python2.7 2.7.18, both over bullseye's OpenSSL
1.1.1).  The script knows where the chroot lives and whether it is current
(``check``), how to build it (``ensure``: minutes, network) and how to run a
command in it (``run``, which mounts the checkout and any ``--bind``
directory at the same path inside); this module only calls it.

The bench never builds a chroot unless asked (``--chroot build``): by
default a cached, current chroot is used and otherwise its contenders are
unavailable, with the reason and the command that builds it.  Entering a
chroot needs root.  Python 2.7 and 3 compatible.
"""

import os
import platform
import subprocess

from . import checkout

__all__ = ["NAME", "SCRIPT", "MODES", "status", "command"]

# The chroot holding PyPy; its python2.7 is the same-OpenSSL comparison.
NAME = "amd64-pypy"
SCRIPT = os.path.join(checkout.ROOT, "scripts", "debian-chroot")
# --chroot: use a cached chroot only, build it when missing, or leave it out.
MODES = ("cached", "build", "skip")


def _script(action, log):
    """(exit status, output) of ``debian-chroot ACTION NAME``."""
    process = subprocess.Popen([SCRIPT, action, NAME], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = process.communicate()[0].decode("utf-8", "replace").strip()
    if log is not None:
        log.write("$ %s %s %s\n%s\n" % (SCRIPT, action, NAME, output))
        log.flush()
    return process.returncode, output


def status(mode, log=None):
    """None when the chroot's contenders can run, else why not (with a hint)."""
    if mode == "skip":
        return "skipped (--chroot skip)"
    if platform.machine() not in ("x86_64", "amd64"):
        return "the %s chroot runs on x86_64 hosts only" % NAME
    if not os.path.exists(SCRIPT):
        return "no %s in this checkout" % SCRIPT
    if not hasattr(os, "geteuid") or os.geteuid() != 0:
        return "entering the Debian chroot needs root"
    if mode == "build":
        code, output = _script("ensure", log)
        if code != 0:
            return "building the chroot failed: %s" % (output.splitlines() or ["?"])[-1]
        return None
    code, output = _script("check", log)
    if code != 0:
        # The script's own words: not built, or out of date, and the command
        # that builds it.
        return "%s; or run the bench with --chroot build" % (
            output.splitlines() or ["chroot unusable"])[-1].replace("debian-chroot: ", "")
    return None


def command(argv, directories):
    """``argv`` run in the chroot, with ``directories`` (outside the
    checkout: the bench's scratch copies) visible at the same paths."""
    binds = []
    for directory in directories:
        binds.extend(["--bind", os.path.abspath(directory)])
    return [SCRIPT, "run"] + binds + [NAME] + list(argv)

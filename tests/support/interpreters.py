"""Finding the interpreters the tests run or compare with: the one place.

Environment variables (see tests/README.md):

``SSLBIO_REFERENCE_PYTHONS``
    Python 3 interpreters to compare sslbio with, separated by
    ``os.pathsep``; the first is *the* reference.  Default: the newest
    3.11.x, then the newest 3.13.x (pyenv's builds, else ``python3.11`` /
    ``python3.13`` on ``PATH``).
``SSLBIO_PYTHON27``
    The Python 2.7 that tools run outside pytest test (the fuzz campaign).
    Default: scripts/test-all's environment, then pyenv's newest 2.7.x, then
    ``python2.7`` on ``PATH``.

Under pytest the interpreter under test is always ``sys.executable``.
"""

import os
import re
import sys

from . import subproc

# The Python 3 line sslbio's behaviour is compared with, and the one whose
# changes the suite also tracks.
DEFAULT_REFERENCE_MINORS = ("3.11", "3.13")
CHECKOUT = os.path.dirname(subproc.TESTS)

# Why a comparison with the reference was skipped.
NO_REFERENCE = ("no reference Python 3 found (set SSLBIO_REFERENCE_PYTHONS "
                "or install Python 3.11)")

_version_cache = {}
_found = {}


def version_of(python):
    """``"3.11"``-style version of an interpreter, or None if it does not
    run."""
    if python not in _version_cache:
        result = subproc.run(
            [python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            timeout=60, env=subproc.child_env(perturb=False))
        _version_cache[python] = (result.out.strip() or None) \
            if result.returncode == 0 else None
    return _version_cache[python]


def not_minor(python, minor):
    """Why a comparison held to Python ``minor``'s exact behaviour cannot use
    ``python``, or None when it is that version.  (scripts/test-all names an
    older reference where that is the one on the OpenSSL under test.)"""
    version = version_of(python)
    if version == minor:
        return None
    return ("the reference is Python %s, not %s: its own differences from %s "
            "(tests/conformance/README.md) would fail this exact comparison"
            % (version, minor, minor))


def _pyenv_builds():
    """``{version: bin directory}`` of pyenv's CPython builds, read from its
    versions directory (no shim: a shim only runs the selected version)."""
    root = os.path.join(os.environ.get("PYENV_ROOT") or
                        os.path.expanduser("~/.pyenv"), "versions")
    builds = {}
    if os.path.isdir(root):
        for name in os.listdir(root):
            if re.match(r"^\d+\.\d+\.\d+$", name):
                builds[name] = os.path.join(root, name, "bin")
    return builds


def find_python(minor):
    """Path of a CPython ``minor`` (e.g. ``"3.11"``), or None: pyenv's
    newest build of it, else ``pythonX.Y`` on ``PATH``."""
    key = ("python", minor)
    if key not in _found:
        _found[key] = _find_python(minor)
    return _found[key]


def _find_python(minor):
    builds = _pyenv_builds()
    ours = sorted((v for v in builds if v.startswith(minor + ".")),
                  key=lambda v: [int(x) for x in v.split(".")])
    for version in reversed(ours):
        path = os.path.join(builds[version], "python" + minor)
        if os.path.exists(path):
            return path
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        path = os.path.join(directory, "python" + minor)
        if os.path.exists(path) and version_of(path) == minor:
            return path
    return None


def reference_pythons():
    """``[(minor, path), ...]`` of the reference interpreters found, the
    reference itself first (``SSLBIO_REFERENCE_PYTHONS`` or the defaults)."""
    explicit = os.environ.get("SSLBIO_REFERENCE_PYTHONS")
    found = []
    if explicit:
        for path in explicit.split(os.pathsep):
            version = version_of(path) if path else None
            if version and version not in dict(found):
                found.append((version, path))
        return found
    for minor in DEFAULT_REFERENCE_MINORS:
        path = find_python(minor)
        if path:
            found.append((minor, path))
    return found


def reference_python():
    """Path of the reference Python 3, or None."""
    found = reference_pythons()
    return found[0][1] if found else None


def reference_minor():
    """``"3.11"``-style version of the reference, or None."""
    found = reference_pythons()
    return found[0][0] if found else None


def peer_python3():
    """A Python 3 for helper servers: the reference, else ``python3`` on
    ``PATH``, else this interpreter when it is a Python 3."""
    found = reference_python()
    if found is None:
        for directory in os.environ.get("PATH", "").split(os.pathsep):
            path = os.path.join(directory, "python3")
            if os.path.exists(path) and (version_of(path) or "").startswith("3."):
                found = path
                break
    if found is None and sys.version_info[0] >= 3:
        found = sys.executable
    return found


def python27():
    """The Python 2.7 to test outside pytest (``SSLBIO_PYTHON27`` first)."""
    candidates = [os.environ.get("SSLBIO_PYTHON27"),
                  os.path.join(CHECKOUT, "build", "venvs", "py2.7", "bin",
                               "python"),
                  find_python("2.7")]
    for candidate in candidates:
        if candidate and version_of(candidate) == "2.7":
            return candidate
    return None

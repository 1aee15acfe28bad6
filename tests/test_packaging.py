"""Packaging: the wheel, a clean install, and a vendored copy.

These build and install for real with the interpreter running the tests
(setuptools and wheel come from the test requirements; a fresh environment
comes from ``venv``, or ``virtualenv`` on Python 2.7), so they work offline.
"""

import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile

import pytest

import sslbio

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Names a user of sslbio (or of a vendored copy) relies on.
PUBLIC_API = ["ENGINE", "UNAVAILABLE_REASON", "MemoryBIO", "SSLObject", "SSLSession",
              "SSLContext", "SSLCertVerificationError", "wrap_bio",
              "inject_into_ssl", "extract_from_ssl"]
# What the build reads; everything else in the checkout (build/, .git, ...)
# stays out of the copy these tests build from.
SOURCE_FILES = ["setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md"]
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.egg-info")

needs_checkout = pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "setup.py")),
    reason="needs the source checkout (setup.py) next to the tests")


def run(args, **kwargs):
    """Run a command; fail the test with its output if it exits non-zero."""
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               **kwargs)
    out = process.communicate()[0].decode("utf-8", "replace")
    assert process.returncode == 0, "%s exited %s:\n%s" % (args, process.returncode, out)
    return out


def package_files(directory):
    """Relative paths ('/'-separated) of the files a package directory ships."""
    found = set()
    for dirpath, dirnames, filenames in os.walk(directory):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        for name in filenames:
            if not name.endswith((".pyc", ".pyo")):
                path = os.path.relpath(os.path.join(dirpath, name), directory)
                found.add(path.replace(os.sep, "/"))
    return found


def source_version():
    with io.open(os.path.join(ROOT, "src", "sslbio", "__init__.py"), encoding="utf-8") as f:
        return re.search(r'^__version__ = "([^"]+)"', f.read(), re.M).group(1)


@pytest.fixture(scope="module")
def source_tree(tmpdir_factory):
    """A copy of the files the build reads, so building leaves the checkout clean."""
    tree = tmpdir_factory.mktemp("source").join("sslbio")
    shutil.copytree(os.path.join(ROOT, "src"), str(tree.join("src")), ignore=IGNORED)
    for name in SOURCE_FILES:
        shutil.copy(os.path.join(ROOT, name), str(tree))
    return tree


@pytest.fixture(scope="module")
def wheel(source_tree, tmpdir_factory):
    """Path of the wheel ``setup.py bdist_wheel`` builds; fails unless exactly one."""
    dist = tmpdir_factory.mktemp("dist")
    run([sys.executable, "setup.py", "-q", "bdist_wheel", "-d", str(dist)],
        cwd=str(source_tree))
    wheels = os.listdir(str(dist))
    assert len(wheels) == 1, wheels
    return os.path.join(str(dist), wheels[0])


@needs_checkout
def test_wheel_is_universal_and_dependency_free(wheel):
    assert os.path.basename(wheel) == "sslbio-%s-py2.py3-none-any.whl" % source_version()
    with zipfile.ZipFile(wheel) as archive:
        info = "sslbio-%s.dist-info/" % source_version()
        tags = archive.read(info + "WHEEL").decode("utf-8")
        metadata = archive.read(info + "METADATA").decode("utf-8")
    assert "Root-Is-Purelib: true" in tags
    # The WHEEL file spells the compressed tag py2.py3-none-any out, one per line.
    assert re.findall(r"^Tag: (.*)$", tags, re.M) == ["py2-none-any", "py3-none-any"]
    assert "Requires-Dist" not in metadata
    requires_python = re.search(r"^Requires-Python: (.*)$", metadata, re.M).group(1)
    # Any 2.7 whose _ssl has what the engine needs is served (2.7.5 with PEP
    # 466's backport included): the engine checks capabilities, not versions.
    assert requires_python.startswith(">=2.7,")
    assert "!=3.5.*" in requires_python and "!=3.0.*" in requires_python


@needs_checkout
def test_wheel_ships_every_file_of_the_package(wheel, source_tree):
    expected = set("sslbio/" + path
                   for path in package_files(str(source_tree.join("src", "sslbio"))))
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(name for name in archive.namelist() if name.startswith("sslbio/"))
    assert shipped == expected
    assert "sslbio/demo_certs/ca.pem" in shipped


def _isolated_environ():
    """os.environ without what would point a fresh environment back at this one."""
    return dict((key, value) for key, value in os.environ.items()
                if key not in ("PYTHONPATH", "PYTHONHOME"))


def _make_environment(path, environ):
    """Create a fresh environment with pip; return its python executable."""
    if sys.version_info[0] >= 3:
        run([sys.executable, "-m", "venv", path], env=environ)
    else:
        # 2.7 has no venv module; virtualenv is in requirements/test-py27.txt.
        run([sys.executable, "-m", "virtualenv", "--no-download", "-q", path], env=environ)
    bindir = "Scripts" if os.name == "nt" else "bin"
    return os.path.join(path, bindir, "python")


@needs_checkout
def test_wheel_installs_into_a_fresh_environment_and_runs(wheel, tmpdir):
    environ = _isolated_environ()
    python = _make_environment(str(tmpdir.join("env")), environ)
    run([python, "-m", "pip", "install", "-q", "--no-index", "--no-deps", wheel], env=environ)
    workdir = tmpdir.mkdir("elsewhere")  # nothing importable in the current directory
    out = run([python, "-c", "import sslbio, json; print(json.dumps("
               "[sslbio.__file__, sslbio.__version__, sslbio.ENGINE]))"],
              cwd=str(workdir), env=environ)
    location, version, engine = json.loads(out.strip().splitlines()[-1])
    assert os.path.realpath(location).startswith(os.path.realpath(str(tmpdir.join("env"))))
    assert version == source_version()
    assert engine == sslbio.ENGINE
    # The demo needs the certificates that were installed as package data.
    demo = run([python, "-m", "sslbio", "demo"], cwd=str(workdir), env=environ)
    assert "HTTP/1.1 200 OK" in demo


VENDORED_PROBE = r"""
import json, os, sys
import myproj._vendor.sslbio as vendored
from myproj._vendor.sslbio import _cli
status = _cli.main(["check"])
print(json.dumps({
    "status": status,
    "file": os.path.abspath(vendored.__file__),
    "engine": vendored.ENGINE,
    "missing": [name for name in %r if not hasattr(vendored, name)],
    "absolute": sorted(name for name in sys.modules
                       if name == "sslbio" or name.startswith("sslbio.")),
}))
""" % (PUBLIC_API,)


def test_vendored_copy_uses_only_relative_imports(tmpdir):
    """Copied to ``myproj/_vendor/sslbio``, the package works under that name
    and never imports a top-level ``sslbio`` (which would be some other
    copy, or none)."""
    vendor = tmpdir.join("myproj", "_vendor")
    shutil.copytree(os.path.dirname(os.path.abspath(sslbio.__file__)),
                    str(vendor.join("sslbio")), ignore=IGNORED)
    tmpdir.join("myproj", "__init__.py").write("")
    vendor.join("__init__.py").write("")

    out = run([sys.executable, "-c", VENDORED_PROBE], cwd=str(tmpdir))
    result = json.loads(out.strip().splitlines()[-1])
    assert result["missing"] == []
    assert result["absolute"] == []
    assert os.path.realpath(result["file"]).startswith(os.path.realpath(str(vendor)))
    assert result["engine"] == sslbio.ENGINE
    assert result["status"] == 0, out


@pytest.mark.skipif(os.environ.get("SSLBIO_EXPECT_INSTALLED") != "1",
                    reason="only scripts/test-all promises an installed sslbio")
def test_suite_runs_against_the_installed_package():
    location = os.path.realpath(sslbio.__file__)
    assert not location.startswith(os.path.join(os.path.realpath(ROOT), "src") + os.sep)
    assert "site-packages" in location

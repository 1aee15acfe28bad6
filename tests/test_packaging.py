"""Packaging: the wheel, a clean install, and a vendored copy.

These build and install for real with the interpreter running the tests
(setuptools and wheel come from the test requirements; a fresh environment
comes from ``venv``, or ``virtualenv`` on Python 2.7), so they work offline.
"""

import glob
import io
import json
import os
import re
import shutil
import sys
import tarfile
import zipfile

import pytest

import sslbio
from support import subproc
from support.documents import code_blocks, document, section
from support.vendoring import IGNORED, vendor_copy

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Names a user of sslbio (or of a vendored copy) relies on.
PUBLIC_API = ["ENGINE", "UNAVAILABLE_REASON", "MemoryBIO", "SSLObject", "SSLSession",
              "SSLContext", "SSLCertVerificationError", "wrap_bio",
              "inject_into_ssl", "extract_from_ssl"]
# What the build reads; everything else in the checkout (build/, .git, ...)
# stays out of the copy these tests build from.
SOURCE_FILES = ["setup.py", "setup.cfg", "pyproject.toml", "MANIFEST.in", "README.md",
                "CHANGELOG.md", "LICENSE"]

needs_checkout = pytest.mark.skipif(
    not os.path.exists(os.path.join(ROOT, "setup.py")),
    reason="needs the source checkout (setup.py) next to the tests")


def run(args, cwd=None, env=None):
    """Run a command; fail the test with its output if it exits non-zero."""
    return subproc.run(args, timeout=600, cwd=cwd, env=env,
                       merge_stderr=True).check().out


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


def wheel_metadata(wheel):
    """(the METADATA headers, the long description) of the wheel."""
    info = "sslbio-%s.dist-info/" % source_version()
    with zipfile.ZipFile(wheel) as archive:
        metadata = archive.read(info + "METADATA").decode("utf-8")
    headers, _, description = metadata.partition("\n\n")
    return headers, description


@needs_checkout
def test_wheel_names_its_licence_and_authors(wheel):
    info = "sslbio-%s.dist-info/" % source_version()
    with zipfile.ZipFile(wheel) as archive:
        licence = archive.read(info + "LICENSE").decode("utf-8")
    metadata, _ = wheel_metadata(wheel)
    # An SPDX expression where the setuptools building it knows them (77+),
    # which then deprecates the classifier; the older field and classifier
    # otherwise.
    if re.search(r"^License-Expression:", metadata, re.M):
        assert re.search(r"^License-Expression: MIT$", metadata, re.M)
        assert "License ::" not in metadata
    else:
        assert re.search(r"^License: MIT$", metadata, re.M)
        assert re.search(r"^Classifier: License :: OSI Approved :: MIT License$",
                         metadata, re.M)
    assert re.search(r"^Author: the sslbio authors$", metadata, re.M)
    # No invented home page: the project has none published yet (setuptools
    # 44, the last for 2.7, writes UNKNOWN for a missing one).
    assert not re.search(r"^Home-page: (?!UNKNOWN$)", metadata, re.M)
    assert "Project-URL" not in metadata
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the sslbio authors\n")


@needs_checkout
def test_wheel_classifiers_name_every_interpreter_served(wheel):
    metadata, _ = wheel_metadata(wheel)
    classifiers = re.findall(r"^Classifier: (.*)$", metadata, re.M)
    assert [c for c in classifiers if c.startswith("Development Status :: ")]
    for implementation in ("CPython", "PyPy"):
        assert "Programming Language :: Python :: Implementation :: " + implementation \
            in classifiers
    versions = [c.rpartition(" :: ")[2] for c in classifiers
                if c.startswith("Programming Language :: Python :: ")
                and c.count(" :: ") == 2]
    assert versions == ["2", "2.7", "3"] + ["3.%d" % minor for minor in range(6, 14)]
    assert "PyPy" in re.search(r"^Summary: (.*)$", metadata, re.M).group(1)


@needs_checkout
def test_long_description_is_the_readme_as_an_index_shows_it(wheel):
    """The README's part down to the line that says so: what it is for,
    installing, starting, using it; no link to a file the index does not
    have, no command that needs a checkout."""
    _, description = wheel_metadata(wheel)
    readme = document("README.md")
    end = "<!-- The package index shows the README down to here. -->"
    assert readme.count(end) == 1
    assert description.startswith("# sslbio\n\n")
    assert "python -m pip install sslbio" in description
    assert "## Development set-up" not in description
    assert "## Getting started" in description and "## Limitations" in description
    links = re.findall(r"\]\(([^)\s]+)\)", description)
    links += re.findall(r"^\[[^\]]+\]: (\S+)", description, re.M)
    assert [link for link in links if not link.startswith(("https://", "http://"))] == []
    # Every local link of that part is still there, as its text.
    for text, _ in re.findall(r"\[([^\]]+)\]\(([^)\s]+)\)", readme.split(end)[0]):
        assert text in description
    commands = [line for block in code_blocks(description, "sh")
                for line in block.splitlines()]
    assert commands and not [line for line in commands
                             if re.search(r"(^|\s)(scripts|build|src|tests)/", line)]


@needs_checkout
def test_changelog_dates_this_version_and_the_tags_are_documented():
    changelog = document("CHANGELOG.md")
    first = re.search(r"^## (\S+) \((unreleased|\d{4}-\d{2}-\d{2})\)$", changelog, re.M)
    assert first and first.group(1) == source_version()
    assert "`vX.Y.Z`" in changelog
    releasing = document("docs/releasing.md")
    assert "`vMAJOR.MINOR.PATCH`" in releasing and "requirements/publish.txt" in releasing


def test_api_page_lists_every_public_name_with_its_python3_counterpart():
    rows = re.findall(r"^\| `(\w+)[^|]*\| ([^|]+) \|", document("docs/api.md"), re.M)
    listed = [name for name, _ in rows]
    assert sorted(listed) == sorted(sslbio.__all__ + ["__version__"])
    assert all(counterpart.strip() for _, counterpart in rows)


@needs_checkout
def test_wheel_says_why_it_ships_a_private_key(wheel):
    with zipfile.ZipFile(wheel) as archive:
        shipped = archive.namelist()
        note = archive.read("sslbio/demo_certs/README.md").decode("utf-8")
    assert "sslbio/demo_certs/server.key" in shipped
    assert "throwaway demo key" in note
    assert "trusted by the demo's own client context and nothing" in note


def referenced_paths(text):
    """Checkout paths a Markdown text names: link targets and `code` spans
    that are existing files or directories (outside build/ and dist/)."""
    candidates = set(re.findall(r"\]\(([^)#\s]+)\)", text))
    candidates.update(re.findall(r"^\[[^\]]+\]: (\S+)", text, re.M))
    candidates.update(re.findall(r"`([\w.-]+(?:/[\w.-]+)+/?)`", text))
    return sorted(path.rstrip("/") for path in candidates
                  if os.path.exists(os.path.join(ROOT, path))
                  and path.split("/")[0] not in ("build", "dist"))


@needs_checkout
def test_source_distribution_carries_what_the_readme_names(tmpdir):
    tree = tmpdir.join("sslbio")
    shutil.copytree(ROOT, str(tree), ignore=shutil.ignore_patterns(
        "build", "dist", ".git", "*.egg-info", "__pycache__", "*.py[co]",
        ".pytest_cache", ".hypothesis"))
    run([sys.executable, "setup.py", "-q", "sdist", "--formats=gztar",
         "-d", str(tmpdir.join("dist"))], cwd=str(tree))
    archive, = glob.glob(str(tmpdir.join("dist", "*.tar.gz")))
    with tarfile.open(archive) as sdist:
        prefix = "sslbio-%s/" % source_version()
        shipped = set(name[len(prefix):] for name in sdist.getnames())
    named = referenced_paths(document("README.md"))
    assert "docs/installing.md" in named and "LICENSE" in shipped
    missing = [path for path in named if path not in shipped]
    assert missing == []
    # The sources the tests build from (OpenSSL 1.0.2u) stay out.
    assert not [path for path in shipped if path.startswith("third_party")]
    for doc in glob.glob(os.path.join(ROOT, "docs", "*.md")):
        assert "docs/" + os.path.basename(doc) in shipped


def _offline_environ():
    """The environment with pip's configuration (indexes, find-links) cut off."""
    environ = dict((key, value) for key, value in _isolated_environ().items()
                   if not key.startswith("PIP_"))
    environ["PIP_CONFIG_FILE"] = os.devnull
    environ["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return environ


def _pip_command(line, target):
    """A documented `python -m pip install ...` line, run by this interpreter
    into ``target`` instead of its own environment."""
    words = line.split()
    assert words[:4] == ["python", "-m", "pip", "install"], line
    return [sys.executable] + words[1:] + ["--no-deps", "--target", target]


@needs_checkout
def test_offline_install_works_as_documented(source_tree, tmpdir):
    offline = section(document("docs/installing.md"), "Offline")
    command = code_blocks(offline, "sh")[0].strip()
    assert "--no-index" in command and "--no-build-isolation" in command
    environ = _offline_environ()

    # Build isolation needs the index: the failure the document explains.
    isolated = command.replace(" --no-build-isolation", "")
    result = subproc.run(_pip_command(isolated, str(tmpdir.join("isolated"))),
                         timeout=600, cwd=str(source_tree), env=environ,
                         merge_stderr=True)
    assert result.returncode != 0 and "setuptools>=40.8.0" in result.out, \
        result.describe()

    target = str(tmpdir.join("offline"))
    run(_pip_command(command, target), cwd=str(source_tree), env=environ)
    out = run([sys.executable, "-c", "import sslbio; print(sslbio.__file__)"],
              cwd=str(tmpdir), env=dict(environ, PYTHONPATH=target))
    assert os.path.realpath(out.strip()).startswith(os.path.realpath(target))


@needs_checkout
def test_wheel_ships_every_file_of_the_package(wheel, source_tree):
    expected = set("sslbio/" + path
                   for path in package_files(str(source_tree.join("src", "sslbio"))))
    with zipfile.ZipFile(wheel) as archive:
        shipped = set(name for name in archive.namelist() if name.startswith("sslbio/"))
    assert shipped == expected
    assert "sslbio/demo_certs/ca.pem" in shipped


@needs_checkout
def test_wheel_carries_no_benchmarks(wheel):
    """The benchmarks run from a checkout (benchmarks/): neither their code
    nor the matplotlib they pin for the chart ships with the library."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        text = b"".join(archive.read(name) for name in names)
    assert [name for name in names if "bench" in name.lower()] == []
    assert b"matplotlib" not in text and b"pyOpenSSL==" not in text


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
    assert vendor_copy(tmpdir) == "myproj._vendor.sslbio"
    vendor = tmpdir.join("myproj", "_vendor")

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

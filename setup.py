"""Packaging for sslbio: one pure-Python, universal (py2.py3) distribution.

The metadata lives here rather than in a ``[project]`` table because pip
19.2.3 and setuptools 44 -- the newest that run on Python 2.7 -- predate
PEP 621.  ``pyproject.toml`` only names the build backend.  The project has
no published home page or repository yet, so there is no ``url`` or
``project_urls`` (docs/releasing.md).
"""

import io
import os
import re

import setuptools
from setuptools import find_packages, setup

HERE = os.path.abspath(os.path.dirname(__file__))
SRC_DIR = os.path.join(HERE, "src")
PACKAGE_DIR = os.path.join(SRC_DIR, "sslbio")


def read(*parts):
    with io.open(os.path.join(HERE, *parts), encoding="utf-8") as f:
        return f.read()


def read_version():
    """Return ``__version__`` from the package without importing it.

    Importing ``sslbio`` on Python 2.7 would load the ctypes engine (and with
    it libssl) just to learn a string; a regular expression is enough.
    """
    match = re.search(r'^__version__\s*=\s*[\'"]([^\'"]+)[\'"]',
                      read("src", "sslbio", "__init__.py"), re.M)
    if match is None:
        raise RuntimeError("no __version__ in src/sslbio/__init__.py")
    return match.group(1)


# The README's first part describes the package to its users; what follows
# this line (the development set-up, how it works, tests, performance) needs
# a checkout, and a package index shows only the part before it.
INDEX_END = "<!-- The package index shows the README down to here. -->"
# A Markdown link to anything but an absolute http(s) URL: a file of the
# checkout or a section of the whole README, neither of which an index has.
LOCAL_LINK = re.compile(r"\[([^\]]+)\]\((?!https?://)[^)\s]+\)")


def long_description():
    """The README down to ``INDEX_END``, its local links turned into their
    text."""
    readme = read("README.md")
    if INDEX_END not in readme:
        raise RuntimeError("README.md lacks the line %r" % INDEX_END)
    return LOCAL_LINK.sub(r"\1", readme.split(INDEX_END)[0]).rstrip() + "\n"


def licence():
    """The MIT licence as the setuptools building this states it:
    ``(setup() arguments, classifiers)``.  An SPDX expression from
    setuptools 77 on, which deprecates the licence classifier; the License
    field and the classifier before."""
    major = int(re.match(r"\d+", setuptools.__version__).group(0))
    if major >= 77:
        return {"license_expression": "MIT"}, []
    return {"license": "MIT"}, ["License :: OSI Approved :: MIT License"]


LICENCE_ARGUMENTS, LICENCE_CLASSIFIERS = licence()


def package_data():
    """Map each package to the non-Python files it ships.

    Found by walking src/sslbio so that a new data file (a certificate, a
    table) ships without anyone having to list it here; each file belongs to
    the nearest enclosing package (directory with an ``__init__.py``).
    """
    data = {}
    for dirpath, dirnames, filenames in os.walk(PACKAGE_DIR):
        dirnames[:] = [d for d in dirnames if d != "__pycache__"]
        owner = dirpath
        while not os.path.exists(os.path.join(owner, "__init__.py")):
            owner = os.path.dirname(owner)
        package = os.path.relpath(owner, SRC_DIR).replace(os.sep, ".")
        for name in filenames:
            if not name.endswith((".py", ".pyc", ".pyo")):
                path = os.path.relpath(os.path.join(dirpath, name), owner)
                data.setdefault(package, []).append(path.replace(os.sep, "/"))
    return data


setup(
    name="sslbio",
    version=read_version(),
    description=("Python 3's in-memory TLS API (MemoryBIO, SSLObject, "
                 "wrap_bio, SSLSession) for Python 2.7 (CPython and PyPy), in "
                 "pure Python"),
    long_description=long_description(),
    long_description_content_type="text/markdown",
    keywords="ssl tls MemoryBIO SSLObject wrap_bio sans-io python2 pypy",
    author="the sslbio authors",
    package_dir={"": "src"},
    packages=find_packages("src"),
    package_data=package_data(),
    # The demo reads its certificates from the file system next to the code.
    zip_safe=False,
    install_requires=[],
    python_requires=">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*, !=3.4.*, !=3.5.*",
    classifiers=[
        "Development Status :: 5 - Production/Stable",
        "Intended Audience :: Developers",
        "Operating System :: POSIX",
        "Programming Language :: Python",
        "Programming Language :: Python :: 2",
        "Programming Language :: Python :: 2.7",
        "Programming Language :: Python :: 3",
        "Programming Language :: Python :: 3.6",
        "Programming Language :: Python :: 3.7",
        "Programming Language :: Python :: 3.8",
        "Programming Language :: Python :: 3.9",
        "Programming Language :: Python :: 3.10",
        "Programming Language :: Python :: 3.11",
        "Programming Language :: Python :: 3.12",
        "Programming Language :: Python :: 3.13",
        "Programming Language :: Python :: Implementation :: CPython",
        "Programming Language :: Python :: Implementation :: PyPy",
        "Topic :: Internet",
        "Topic :: Security :: Cryptography",
        "Topic :: Software Development :: Libraries :: Python Modules",
    ] + LICENCE_CLASSIFIERS,
    **LICENCE_ARGUMENTS
)

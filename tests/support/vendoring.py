"""A vendored copy of the sslbio under test, as the README describes one."""

import os
import shutil

import sslbio

# Build artefacts that must not travel with the copy.
IGNORED = shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyo", "*.egg-info")


def vendor_copy(root, project="myproj"):
    """Copy the imported sslbio package to ``root/<project>/_vendor/sslbio``
    (both parents made packages); returns the copy's package name."""
    vendor = os.path.join(str(root), project, "_vendor")
    shutil.copytree(os.path.dirname(os.path.abspath(sslbio.__file__)),
                    os.path.join(vendor, "sslbio"), ignore=IGNORED)
    for package in (os.path.dirname(vendor), vendor):
        with open(os.path.join(package, "__init__.py"), "w"):
            pass
    return project + "._vendor.sslbio"

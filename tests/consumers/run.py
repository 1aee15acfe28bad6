"""urllib3's and requests' own test suites, without sslbio and under its
injection, compared test by test.

    python3 tests/consumers/run.py --python VENV/bin/python [--chroot NAME]
                                   --work DIR --report REPORT.xml

``--python`` is a Python 2.7 with requirements/consumers-py27.txt installed
(inside the Debian chroot ``NAME`` with ``--chroot``: scripts/debian-chroot
runs every command there).  The release sources (requirements/
consumer-sources.txt, hash-checked, cached in ``DIR/../sdists``) are
unpacked afresh into ``DIR``; each suite runs twice at once, without sslbio
and with the plugin ``sslbio_injected`` (both injections, sslbio from the
checkout's ``src``); then urllib3's HTTPS-proxy tests run with their Python
2 skips lifted, in a copy of their module made here (see reviewed.py).

``REPORT`` is a JUnit file for scripts/test-all: one test case per test
compared (passed: the same outcome both ways; skipped: a reviewed
difference; failed: any other difference) and one per lifted test.  Exits
non-zero on an unreviewed difference, a lifted test that does not pass, or
a run that did not complete.
"""

from __future__ import print_function

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import reviewed  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
CHECKOUT = os.path.dirname(os.path.dirname(HERE))
SOURCES = os.path.join(CHECKOUT, "requirements", "consumer-sources.txt")
DEBIAN_CHROOT = os.path.join(CHECKOUT, "scripts", "debian-chroot")
# A whole suite's deadline; each takes a few minutes.
SUITE_TIMEOUT = 1200
# {suite: (test directory, environment)}: urllib3's CI setting gives its
# timing tests 0.5 s instead of 0.01 s (a loaded machine misses the latter).
SUITES = {
    "urllib3": ("test", {"CI": "true"}),
    "requests": ("tests", {}),
}
PLUGIN = "sslbio_injected"


def pinned_sources():
    """``[(name, version, sha256)]`` from requirements/consumer-sources.txt."""
    found = []
    with open(SOURCES) as f:
        for line in f:
            match = re.match(r"^([\w.-]+)==(\S+) --hash=sha256:([0-9a-f]{64})$",
                             line.strip())
            if match:
                found.append(match.groups())
    return found


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_sources(cache):
    """The sdists, downloaded with pip (hashes required) unless cached;
    ``{name: path}``."""
    paths = {}
    for name, version, digest in pinned_sources():
        path = os.path.join(cache, "%s-%s.tar.gz" % (name, version))
        if not os.path.exists(path) or sha256(path) != digest:
            subprocess.check_call(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
                 "--no-binary", ":all:", "--require-hashes", "-r", SOURCES,
                 "-d", cache])
        if sha256(path) != digest:
            raise SystemExit("%s does not have the pinned hash" % path)
        paths[name] = path
    return paths


def unpack(paths, work):
    """Each sdist unpacked afresh under ``work``; ``{name: directory}``."""
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    trees = {}
    for name, path in paths.items():
        with tarfile.open(path) as archive:
            top = archive.getnames()[0].split("/")[0]
            if hasattr(tarfile, "data_filter"):  # Python 3.12+: no warning
                archive.extraction_filter = tarfile.data_filter
            archive.extractall(work)
        trees[name] = os.path.join(work, top)
    return trees


def lift_py2_skips(tree):
    """A copy of urllib3's HTTPS-proxy test module without ``@onlyPy3``,
    next to it; returns its path (relative to ``tree``) and the node ids of
    the tests that lost the decorator."""
    source = os.path.join(tree, reviewed.LIFTED_MODULE)
    with open(source) as f:
        lines = f.readlines()
    kept, lifted, klass, pending = [], [], None, False
    for line in lines:
        heading = re.match(r"^class (\w+)", line)
        if heading:
            klass = heading.group(1)
        if line.strip() == reviewed.LIFTED_DECORATOR:
            pending = True
            continue
        definition = re.match(r"^    def (\w+)\(", line)
        if pending and definition:
            lifted.append((klass, definition.group(1)))
            pending = False
        kept.append(line)
    names = tuple(sorted(name for _, name in lifted))
    if names != tuple(sorted(reviewed.LIFTED_FUNCTIONS)):
        raise SystemExit("the @onlyPy3 tests of %s are %s, not those "
                         "reviewed.py lists" % (reviewed.LIFTED_MODULE, names))
    relative = reviewed.LIFTED_MODULE.replace(".py", "_py2_lifted.py")
    with open(os.path.join(tree, relative), "w") as f:
        f.writelines(kept)
    return relative, ["%s::%s::%s" % (relative, klass, name)
                      for klass, name in lifted]


class Runner(object):
    """Runs a pytest of the suites' interpreter, in the chroot if any."""

    def __init__(self, python, chroot, reports):
        self.python = python
        self.chroot = chroot
        self.reports = reports

    def start(self, suite, tree, label, args, environment):
        """A pytest process (output in the reports directory)."""
        junit = os.path.join(self.reports, "%s-%s.xml" % (suite, label))
        log = os.path.join(self.reports, "%s-%s.log" % (suite, label))
        for path in (junit, log):
            if os.path.exists(path):
                os.remove(path)
        env = dict(environment, PYTHONDONTWRITEBYTECODE="1")
        argv = ["env"] + ["%s=%s" % item for item in sorted(env.items())] + [
            self.python, "-m", "pytest", "-p", "no:cacheprovider", "-rs",
            "--junitxml=" + junit] + args
        if self.chroot:
            argv = [DEBIAN_CHROOT, "run", self.chroot] + argv
        output = open(log, "w")
        process = subprocess.Popen(argv, cwd=tree, stdout=output,
                                   stderr=subprocess.STDOUT)
        output.close()
        return Run(process, tree, junit, log, "%s %s" % (suite, label))


class Run(object):
    def __init__(self, process, tree, junit, log, name):
        self.process, self.tree, self.junit, self.log, self.name = \
            process, tree, junit, log, name

    def wait(self, deadline):
        """``{node id: (outcome, message)}`` from its JUnit report; raises
        SystemExit when the run timed out or left no report."""
        while self.process.poll() is None and time.time() < deadline:
            time.sleep(1)
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
            raise SystemExit("%s: no result after %d s (log: %s)"
                             % (self.name, SUITE_TIMEOUT, self.log))
        if not os.path.exists(self.junit):
            raise SystemExit("%s: pytest exited %d without a report (log: %s)"
                             % (self.name, self.process.returncode, self.log))
        return outcomes(self.junit, self.tree)

    def output(self):
        with open(self.log) as f:
            return f.read()


def node_id(case, tree):
    """A JUnit test case's pytest node id: the module part of its class
    name is the longest that names a file of ``tree``."""
    parts = case.get("classname").split(".")
    for cut in range(len(parts), 0, -1):
        path = "/".join(parts[:cut]) + ".py"
        if os.path.exists(os.path.join(tree, path)):
            return "::".join([path] + parts[cut:] + [case.get("name")])
    return "::".join(parts + [case.get("name")])


def outcomes(junit, tree):
    """``{node id: (passed|failed|skipped|xfailed, message)}``."""
    found = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        outcome, message = "passed", ""
        for kind in ("error", "failure", "skipped"):
            element = case.find(kind)
            if element is not None:
                outcome = "skipped" if kind == "skipped" else "failed"
                if "xfail" in (element.get("type") or ""):
                    outcome = "xfailed"
                message = element.get("message") or ""
                break
        found[node_id(case, tree)] = (outcome, message)
    return found


def deselection(suite):
    """pytest's arguments for reviewed.DESELECTED[suite]."""
    entries = [entry for group, _ in reviewed.DESELECTED[suite] for entry in group]
    nodes = [entry for entry in entries if "::" in entry]
    names = [entry for entry in entries if "::" not in entry]
    return ["-k", "not (%s)" % " or ".join(names)] + \
        [argument for node in nodes for argument in ("--deselect", node)]


def count(results):
    tally = {}
    for outcome, _ in results.values():
        tally[outcome] = tally.get(outcome, 0) + 1
    return ", ".join("%d %s" % (tally[k], k) for k in sorted(tally))


class Report(object):
    """The JUnit file scripts/test-all counts."""

    def __init__(self):
        self.suite = ET.Element("testsuite", name="consumers")
        self.problems = []

    def case(self, classname, name, failure=None, skipped=None):
        element = ET.SubElement(self.suite, "testcase", classname=classname,
                                name=name)
        if failure:
            ET.SubElement(element, "failure", message=failure)
            self.problems.append("%s %s: %s" % (classname, name, failure))
        elif skipped:
            ET.SubElement(element, "skipped", message=skipped)

    def write(self, path):
        cases = list(self.suite)
        self.suite.set("tests", str(len(cases)))
        self.suite.set("failures", str(sum(1 for c in cases if c.find("failure") is not None)))
        self.suite.set("errors", "0")
        self.suite.set("skipped", str(sum(1 for c in cases if c.find("skipped") is not None)))
        ET.ElementTree(self.suite).write(path)


def compare(suite, baseline, injected, report):
    """One test case per test either run saw; returns the differing ones."""
    differing = []
    allowed = reviewed.DIFFERENCES[suite]
    absent = ("absent", "")
    for node in sorted(set(baseline) | set(injected)):
        before, after = baseline.get(node, absent)[0], injected.get(node, absent)[0]
        if before == after:
            report.case(suite, node)
            continue
        differing.append(node)
        change = "%s without sslbio, %s injected" % (before, after)
        if node in allowed:
            report.case(suite, node, skipped="%s (reviewed: %s)" % (change, allowed[node]))
        else:
            report.case(suite, node, failure=change)
    for node in sorted(set(allowed) - set(differing)):
        report.case(suite, node, failure="listed in reviewed.DIFFERENCES but "
                    "not different: remove it from the list")
    return differing


def check_lifted(results, expected, report):
    """Every lifted test ran and passed, or was skipped for a reason
    reviewed.LIFTED_SKIPS allows."""
    ran = set()
    for node, (outcome, message) in sorted(results.items()):
        ran.update(prefix for prefix in expected if node.startswith(prefix))
        if outcome == "passed":
            report.case("urllib3-lifted", node)
        elif outcome == "skipped" and any(word in message
                                          for word in reviewed.LIFTED_SKIPS):
            report.case("urllib3-lifted", node, skipped=message)
        else:
            report.case("urllib3-lifted", node, failure="%s: %s" % (outcome, message))
    for node in sorted(set(expected) - ran):
        report.case("urllib3-lifted", node, failure="did not run")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--python", required=True)
    parser.add_argument("--chroot")
    parser.add_argument("--work", required=True)
    parser.add_argument("--report", required=True)
    options = parser.parse_args()
    started = time.time()
    work = os.path.abspath(options.work)
    trees = unpack(fetch_sources(os.path.join(os.path.dirname(work), "sdists")),
                   os.path.join(work, "src"))
    reports = os.path.join(work, "reports")
    shutil.rmtree(reports, ignore_errors=True)  # a previous run's
    os.makedirs(reports)
    runner = Runner(options.python, options.chroot, reports)
    # The baseline has nothing of the caller's on its path; the injected
    # run has the checkout's sslbio and the plugin.
    modes = [("baseline", [], {"PYTHONPATH": ""}),
             ("injected", ["-p", PLUGIN], {"PYTHONPATH": os.pathsep.join(
                 [os.path.join(CHECKOUT, "src"), HERE])})]
    report = Report()
    for suite in ("urllib3", "requests"):
        tests, environment = SUITES[suite]
        runs = [runner.start(suite, trees[suite], label,
                             plugin + deselection(suite) + [tests],
                             dict(environment, **env))
                for label, plugin, env in modes]
        deadline = time.time() + SUITE_TIMEOUT
        baseline, injected = [run.wait(deadline) for run in runs]
        header = [line for line in runs[1].output().splitlines()
                  if line.startswith("sslbio: injected")]
        if not header:
            raise SystemExit("%s: the plugin did not report the injection"
                             % runs[1].name)
        differing = compare(suite, baseline, injected, report)
        print("%s: %d tests; without sslbio %s; %s: %s; differing: %d%s" % (
            suite, len(set(baseline) | set(injected)), count(baseline),
            header[0], count(injected), len(differing),
            "".join("\n    %s: %s -> %s" % (
                node, baseline.get(node, ("absent",))[0],
                injected.get(node, ("absent",))[0]) for node in differing)))
    lifted_module, lifted = lift_py2_skips(trees["urllib3"])
    tests, environment = SUITES["urllib3"]
    runs = [runner.start("urllib3", trees["urllib3"], "lifted-" + label,
                         plugin + lifted, dict(environment, **env))
            for label, plugin, env in modes]
    deadline = time.time() + SUITE_TIMEOUT
    lifted_baseline, lifted_injected = [run.wait(deadline) for run in runs]
    check_lifted(lifted_injected, lifted, report)
    print("urllib3's HTTPS-proxy tests with their Python 2 skips lifted "
          "(%s): without sslbio %s; injected %s" % (
              lifted_module, count(lifted_baseline), count(lifted_injected)))
    report.write(options.report)
    print("%d s; reports in %s" % (time.time() - started, reports))
    if report.problems:
        print("\n".join(["FAILED:"] + report.problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())

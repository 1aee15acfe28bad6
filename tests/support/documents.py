"""Code blocks of the project's Markdown documents, and running them.

The README and docs/ show commands and programs that claim to work; the tests
take them from the documents themselves, so a document that drifts from what
works fails a test.
"""

import io
import os
import re
import sys

from . import engines, subproc
from .interpreters import reference_python

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# A fenced block: ```lang ... ``` at the start of a line.
_FENCE = re.compile(r"^```([\w-]*)[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
# The block of a runnable example that the tests replace (see ``with_settings``).
_SETTINGS = re.compile(r"^# --- settings.*?\n(.*?)^# --- end of settings ---[ \t]*$",
                       re.M | re.S)


def document(path):
    """The text of a Markdown file, ``path`` relative to the checkout."""
    with io.open(os.path.join(ROOT, path), encoding="utf-8") as f:
        return f.read()


def section(text, title):
    """The text under the heading ``title`` (any level) up to the next heading
    of the same or a higher level; ``#`` lines inside code blocks are code."""
    lines = text.splitlines(True)
    found, level, in_code = None, None, False
    for number, line in enumerate(lines):
        if line.startswith("```"):
            in_code = not in_code
        heading = None if in_code else re.match(r"(#+) (.*?)\s*$", line)
        if heading is None:
            continue
        if found is None:
            if heading.group(2) == title:
                found, level = number + 1, len(heading.group(1))
        elif len(heading.group(1)) <= level:
            return "".join(lines[found:number])
    assert found is not None, "no section %r" % title
    return "".join(lines[found:])


def code_blocks(text, language):
    """The fenced code blocks tagged ``language``, in order."""
    return [body for lang, body in _FENCE.findall(text) if lang == language]


def settings_names(code):
    """The names a program's settings block assigns, in order."""
    match = _SETTINGS.search(code)
    assert match, "no '# --- settings' block in:\n%s" % code
    return re.findall(r"^(\w+)\s*=", match.group(1), re.M)


def with_settings(code, **values):
    """``code`` with its settings block replaced by ``NAME = repr(value)``
    lines: exactly the names the block assigns, so a renamed setting fails."""
    names = settings_names(code)
    assert sorted(names) == sorted(values), (names, sorted(values))
    lines = "".join("%s = %r\n" % (name, values[name]) for name in names)
    return _SETTINGS.sub(lambda m: lines, code, count=1)


class Run(object):
    """An interpreter and the sslbio engine a documented program runs under
    (``engines.STDLIB`` for Python 3)."""

    def __init__(self, interpreter, engine):
        self.interpreter = interpreter
        self.engine = engine

    def __repr__(self):  # the test's id
        return "%s-%s" % (os.path.basename(self.interpreter), self.engine)


def example_runs():
    """What a documented program is run under: this interpreter with each
    engine that serves it, and the Python 3 reference when this one is
    another (2.7 in particular)."""
    runs = [Run(sys.executable, engine) for engine in engines.serving()]
    reference = reference_python()
    if reference is not None and os.path.realpath(reference) != \
            os.path.realpath(sys.executable):
        runs.append(Run(reference, engines.STDLIB))
    return runs


def run_program(code, run, directory, timeout=60, args=()):
    """Run ``code`` as a script file in ``directory`` under ``run`` (a
    ``Run``) with warnings turned into errors; the same sslbio as the tests
    import.  Returns a ``support.subproc.Result``."""
    path = os.path.join(str(directory), "example.py")
    with io.open(path, "w", encoding="utf-8") as f:
        f.write(code if isinstance(code, type(u"")) else code.decode("utf-8"))
    return subproc.run([run.interpreter, "-W", "error", path] + list(args),
                       timeout=timeout, env=run_environment(run), cwd=str(directory))


def run_environment(run):
    """The environment of a child that runs under ``run``."""
    return subproc.python_env(run.interpreter, engines.forced(run.engine))

"""Run conformance scenarios and print their transcript as JSON.

    python tests/conformance/runner.py [--only NAME ...] [--jsonl] [--list]
                                       [--verbose]
    python -m conformance.runner ...          (with tests/ on PYTHONPATH)

Prints ``{scenario_name: [observations]}`` (see recorder.py for the format).
``--jsonl`` prints one ``{"name": ..., "observations": ...}`` line per scenario
as soon as it finishes, so that a parent process keeps what ran before a
crash.  ``--list`` prints the registered scenarios with their tags.

``sslbio`` must be importable (tests put the repository's ``src`` on
PYTHONPATH).  On 2.7 ``sslbio.inject_into_ssl()`` runs first, so scenarios use
``ssl.MemoryBIO`` etc. exactly as code written for Python 3 would.
"""

from __future__ import print_function

import argparse
import json
import os
import sys
import traceback

if not __package__:
    # Run by path: make the ``conformance`` package importable.
    sys.path.insert(0, os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))

from conformance import scenarios  # noqa: E402
from conformance.recorder import Recorder, describe_exception  # noqa: E402


def setup():
    """Import sslbio and inject it; return None or the exception."""
    try:
        import sslbio
        sslbio.inject_into_ssl()
    except Exception as exc:  # reported per scenario, not fatal to the run
        traceback.print_exc()
        return exc
    return None


def run_one(entry, setup_error=None, verbose=False):
    """Observations of one scenario; an escaping exception is the last one."""
    rec = Recorder(verbose=verbose)
    if setup_error is not None:
        rec.observations.append(["!setup", describe_exception(setup_error)])
        return rec.observations
    try:
        entry.func(rec)
    except Exception as exc:
        sys.stderr.write("scenario %s raised:\n" % entry.name)
        traceback.print_exc()
        rec.observations.append(["!escaped", describe_exception(exc)])
    return rec.observations


def selected(registry, only):
    if not only:
        return list(registry.values())
    missing = [n for n in only if n not in registry]
    if missing:
        raise SystemExit("unknown scenario(s): %s" % ", ".join(missing))
    return [registry[n] for n in only]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", nargs="+", metavar="NAME")
    parser.add_argument("--jsonl", action="store_true")
    parser.add_argument("--list", action="store_true")
    parser.add_argument("--verbose", action="store_true",
                        help="print a traceback for every recorded exception")
    args = parser.parse_args(argv)

    registry = scenarios.load()
    if args.list:
        print(json.dumps([{"name": s.name, "tags": list(s.tags),
                           "deviation": s.deviation}
                          for s in registry.values()]))
        return 0

    error = setup()
    transcript = {}
    for entry in selected(registry, args.only):
        observations = run_one(entry, error, args.verbose)
        if args.jsonl:
            print(json.dumps({"name": entry.name,
                              "observations": observations}, sort_keys=True))
            sys.stdout.flush()
        else:
            transcript[entry.name] = observations
    if not args.jsonl:
        print(json.dumps(transcript, sort_keys=True, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())

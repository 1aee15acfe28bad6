"""Reproduce one fuzzing case and show what it did.

    python -m fuzz.repro flight SEED [--json]
    python -m fuzz.repro stateful SEED [--example N] [--examples E --steps K]
    python -m fuzz.repro program FILE [--json]

Run from tests/ (or with tests/ and src/ on PYTHONPATH), with the
interpreter the finding names: ``flight`` runs the flight case of a seed
and prints its mutations and every call's outcome; ``stateful`` reruns a
hypothesis seed (same interpreter and hypothesis version only) and prints
the program of one example; ``program`` runs a recorded program (a finding
file's ``program``, or a JSON list of ``[op, outcome]``) on any
interpreter.  A crash crashes this process too: that is the reproduction.
Exit status 1 when the case broke the oracle.
"""

from __future__ import print_function

import argparse
import json
import sys


def _show(entries, out):
    for label, outcome in entries:
        out.write("  %-44s %s\n" % (label if isinstance(label, str) else
                                    json.dumps(label), json.dumps(outcome)))


def flight_case(seed, as_json, out):
    from . import flight
    transcript = flight.run_case(seed)
    if as_json:
        json.dump({"notes": transcript.notes, "entries": transcript.entries,
                   "violations": transcript.violations}, out)
        out.write("\n")
    else:
        for note in transcript.notes:
            out.write("%s\n" % note)
        _show(transcript.entries, out)
        _violations(transcript.violations, out)
    return transcript.violations


def stateful_case(seed, example, examples, steps, out):
    from . import stateful
    found = []

    def keep(index, program):
        if example is None or index == example:
            found.append((index, list(program.steps),
                          list(program.violations)))

    stateful.run_seed(seed, examples, steps, None, keep)
    violations = []
    for index, steps_run, problems in found:
        out.write("example %d:\n" % index)
        _show([(op, outcome) for op, outcome in steps_run], out)
        _violations(problems, out)
        violations.extend(problems)
    return violations


def program_case(path, as_json, out):
    from . import program
    with open(path) as f:
        data = json.load(f)
    steps = data["program"] if isinstance(data, dict) else data
    result = program.replay(steps)
    if as_json:
        json.dump({"outcomes": result.outcomes,
                   "violations": result.violations}, out)
        out.write("\n")
    else:
        _show([(op, outcome) for (op, _), outcome in
               zip(steps, result.outcomes)], out)
        _violations(result.violations, out)
    return result.violations


def _violations(violations, out):
    for violation in violations:
        out.write("VIOLATION: %s\n" % json.dumps(
            dict((k, v) for k, v in violation.items() if k != "traceback")))
        if violation.get("traceback"):
            out.write(violation["traceback"])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("what", choices=["flight", "stateful", "program"])
    parser.add_argument("target", help="a seed, or a program file")
    parser.add_argument("--example", type=int, default=None)
    parser.add_argument("--examples", type=int, default=100)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.what == "flight":
        violations = flight_case(int(args.target), args.json, out)
    elif args.what == "stateful":
        violations = stateful_case(int(args.target), args.example,
                                   args.examples, args.steps, out)
    else:
        violations = program_case(args.target, args.json, out)
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())

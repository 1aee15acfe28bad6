"""A benchmark worker: one contender's interpreter, one driver, many rounds.

Started by the runner as ``python -m benchmarks.worker --driver NAME
--certs DIR`` on the contender's interpreter, with the sslbio under test and
this package on its path.  It reads one JSON request per line on stdin and
answers one JSON line on stdout:

    {"op": "info"}                                  -> versions of this process
    {"op": "run", "workload": W, "params": {...}}   -> {"result": {...}}
    {"op": "quit"}                                  -> exits

A failing request answers ``{"error": "<traceback>"}`` and the worker keeps
serving.  The real stdout is reserved for answers: ``sys.stdout`` points at
stderr so a stray print cannot break the protocol.  Python 2.7 and 3.
"""

import argparse
import json
import platform
import sys
import traceback

from . import drivers, workloads


def describe():
    """The interpreter this worker runs on."""
    return {"implementation": platform.python_implementation(),
            "python": platform.python_version(), "executable": sys.executable}


def serve(driver, requests, answers):
    """Answer ``requests`` (a file of JSON lines) on ``answers`` until quit/EOF."""
    for line in iter(requests.readline, ""):
        if not line.strip():
            continue
        request = json.loads(line)
        op = request.get("op")
        if op == "quit":
            break
        try:
            if op == "info":
                answer = {"result": dict(describe(), **driver.info())}
            elif op == "run":
                answer = {"result": workloads.run(driver, request["workload"],
                                                  request.get("params", {}))}
            else:
                answer = {"error": "unknown op %r" % (op,)}
        except Exception:
            answer = {"error": traceback.format_exc()}
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main(argv=None):
    parser = argparse.ArgumentParser(prog="sslbio-bench-worker")
    parser.add_argument("--driver", required=True, choices=sorted(drivers.DRIVERS))
    parser.add_argument("--certs", required=True)
    args = parser.parse_args(argv)
    answers = sys.stdout
    sys.stdout = sys.stderr
    try:
        driver = drivers.make_driver(args.driver, args.certs)
    except Exception:
        # Say why this contender cannot run, in the protocol, then stop.
        answers.write(json.dumps({"error": traceback.format_exc()}) + "\n")
        answers.flush()
        return 1
    answers.write(json.dumps({"ready": True}) + "\n")
    answers.flush()
    serve(driver, sys.stdin, answers)
    return 0


if __name__ == "__main__":
    sys.exit(main())

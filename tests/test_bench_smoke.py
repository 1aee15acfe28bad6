"""Smoke test of the benchmarks (``python3 -m benchmarks`` in the checkout's
root): every code path, tiny counts.

Only the interpreter running the tests takes part (sslbio on 2.7, the stdlib
on 3.x): no other interpreter, no virtual environment, no pyOpenSSL install,
no figures checked -- a benchmark reports, it does not assert.  The one
exception is the PyPy contender, whose worker runs in the project's Debian
chroot: its test runs when the chroot is built and the tests run as root,
and is skipped otherwise.  What is
checked is that the bench still *works*: workloads complete and count what
they move, the worker protocol answers, rounds interleave, the report and
results.json come out.  The full run with every contender is documented in
benchmarks/README.md, not run here.
"""

import io
import json
import os
import subprocess
import sys

import pytest

import sslbio

# The benchmarks live beside the tests, in the checkout, not in the package.
ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

from benchmarks import (certs, checkout, chroot, cli, contenders, drivers,  # noqa: E402
                        limit, metrics, report, runner, sockets, workloads)

PY2 = sys.version_info[0] == 2
# The directory holding the sslbio under test (the checkout's src, or an
# installed copy), for worker subprocesses.
SSLBIO_SRC = os.path.dirname(os.path.dirname(os.path.abspath(sslbio.__file__)))

needs_openssl_cli = pytest.mark.skipif(
    limit.subprocess.call("openssl version >/dev/null 2>&1", shell=True) != 0,
    reason="the openssl command-line tool makes the bench's certificates")
pytestmark = [needs_openssl_cli,
              pytest.mark.skipif(sslbio.ENGINE == "unavailable",
                                 reason="sslbio cannot run on this interpreter")]


@pytest.fixture(scope="module")
def certdir(tmpdir_factory):
    return certs.generate(str(tmpdir_factory.mktemp("bench-certs")))


@pytest.fixture(scope="module")
def driver(certdir):
    return drivers.make_driver("ssl-api", certdir)


class Capture(object):
    """A text sink for ``out=``: takes str and unicode alike on 2 and 3."""

    def __init__(self):
        self.parts = []

    def write(self, text):
        self.parts.append(text)

    @property
    def text(self):
        return u"".join(part if not isinstance(part, bytes) else part.decode("utf-8")
                        for part in self.parts)


def this_interpreter():
    key = "sslbio-2.7" if PY2 else contenders.REFERENCE
    return contenders.Contender(key, key, python=sys.executable, driver="ssl-api")


# -- workloads, in-process ----------------------------------------------------

@pytest.mark.parametrize("batch", [1, 64])
def test_bulk_moves_every_byte_both_ways(driver, batch):
    # batch 64: one outgoing.read() pumps 64 records, a whole MiB.
    result = workloads.run(driver, "bulk", {"duration": 0.05, "chunk_size": 16384,
                                            "batch": batch})
    assert result["operations"] >= 1 and result["mb_per_s"] > 0
    assert (result["protocol"], result["cipher"]) == ("TLSv1.3", "TLS_AES_256_GCM_SHA384")


@pytest.mark.parametrize("kind", sorted(certs.KINDS))
@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_full_handshakes_verify_the_server(driver, kind, version):
    result = workloads.run(driver, "handshake",
                           {"duration": 0.02, "kind": kind, "version": version})
    assert result["per_s"] > 0
    assert result["protocol"] == "TLSv" + version


@pytest.mark.parametrize("version", ["1.2", "1.3"])
def test_resumed_handshakes_reuse_one_session(driver, version):
    # One SSLSession must resume every connection it is given, as on
    # Python 3 (which hands OpenSSL a copy of the session each time).
    result = workloads.run(driver, "resume", {"duration": 0.02, "version": version})
    assert result["per_s"] > 0


def test_round_trips_count_every_byte(driver):
    result = workloads.run(driver, "roundtrip", {"duration": 0.05, "size": 64})
    assert result["operations"] >= 1


def test_memory_and_scale_measure_growth(driver):
    result = workloads.run(driver, "memory", {"pairs": 20})
    assert result["connections"] == 40
    assert result["fds_per_conn"] == 0
    result = workloads.run(driver, "scale", {"objects": 50})
    assert result["objects"] == 50 and result["create_s"] > 0


def test_a_handshake_that_fails_verification_raises(driver, certdir):
    # The client really verifies: a server certificate from the other PKI
    # (its CA is not the one the client trusts) fails the handshake.
    client_context = driver.contexts("rsa", "1.3")[0]
    server_context = driver.contexts("ecdsa", "1.3")[1]
    bio = sslbio.MemoryBIO
    c_in, c_out, s_in, s_out = bio(), bio(), bio(), bio()
    pair = (client_context.wrap_bio(c_in, c_out, server_hostname=certs.HOSTNAME),
            server_context.wrap_bio(s_in, s_out, server_side=True), c_in, c_out, s_in, s_out)
    import ssl
    with pytest.raises(ssl.SSLError):
        driver.handshake(pair)


# -- the worker process and the runner -----------------------------------------

def test_worker_protocol_over_a_pipe(certdir):
    requests = [{"op": "info"},
                {"op": "run", "workload": "roundtrip", "params": {"duration": 0.02}},
                {"op": "run", "workload": "no-such-workload", "params": {}},
                {"op": "quit"}]
    env = dict(os.environ, PYTHONPATH=checkout.worker_path(SSLBIO_SRC))
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.worker", "--driver", "ssl-api",
         "--certs", certdir], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, env=env)
    out, err = process.communicate(
        "".join(json.dumps(r) + "\n" for r in requests).encode("ascii"))
    assert process.returncode == 0, err
    answers = [json.loads(line) for line in out.decode("utf-8").splitlines()]
    assert answers[0] == {"ready": True}
    assert answers[1]["result"]["engine"] == sslbio.ENGINE
    assert answers[2]["result"]["per_s"] > 0
    assert "KeyError" in answers[3]["error"]
    assert len(answers) == 4


def test_rounds_interleave_and_summarize(certdir, tmpdir):
    contender = this_interpreter()
    catalogued = [m for m in metrics.MEASUREMENTS if m.name == "memory"][0]
    # The catalogue's memory measurement, at a smoke test's size.
    measurement = metrics.Measurement("memory", "memory", {}, catalogued.rows,
                                      {"quick": (2, {"pairs": 10})}, fresh_process=True)
    pool = runner.Pool(certdir, checkout.worker_path(SSLBIO_SRC), None)
    try:
        raw, errors = runner.interleave(measurement, [contender], pool, None, "quick", 2)
    finally:
        pool.close()
    assert errors == {}
    assert len(raw[contender.key]) == 2
    row = measurement.rows[0]
    summary = runner.summarize(row, raw, errors, contender.key)
    entry = summary["contenders"][contender.key]
    assert entry["ratio"] == 1.0 and entry["min"] <= entry["median"] <= entry["max"]


def test_the_command_line_end_to_end(tmpdir, monkeypatch):
    # Discovery is narrowed to this interpreter: no other Python, no venv.
    monkeypatch.setattr(contenders, "discover",
                        lambda cache, overrides, with_pyopenssl, log, chroot_mode:
                        ([this_interpreter()], None))
    out = Capture()
    status = cli.main(["--quick", "--only", "roundtrip", "--rounds", "1", "--no-chart",
                       "--sslbio-src", SSLBIO_SRC, "--out", str(tmpdir.join("out")),
                       "--cache", str(tmpdir.join("cache"))], out=out)
    text = out.text
    assert status == 0, text
    assert "64-byte request/response round trips" in text
    with io.open(str(tmpdir.join("out", "results.json")), encoding="utf-8") as handle:
        results = json.load(handle)
    assert [row["key"] for row in results["rows"]] == ["roundtrip"]
    assert results["machine"]["cores"] >= 1
    assert "chart: not drawn (--no-chart)" in results["notes"]
    assert tmpdir.join("out", "report.txt").check()
    assert "| 64-byte request/response round trips |" in tmpdir.join("out", "report.md").read()
    # Figures and ratios only: the report judges nothing against goals.
    for word in ("target", "goal", "issue", "met"):
        assert word not in text.lower().split(), word


def test_a_jit_contender_warms_up_until_its_rate_settles(certdir):
    contender = this_interpreter()
    contender.jit = True
    catalogued = [m for m in metrics.MEASUREMENTS if m.name == "roundtrip"][0]
    measurement = metrics.Measurement("roundtrip", "roundtrip", {"size": 64},
                                      catalogued.rows, {"quick": (1, {"duration": 0.02})})
    pool = runner.Pool(certdir, checkout.worker_path(SSLBIO_SRC), None)
    warmups = {}
    try:
        raw, errors = runner.interleave(measurement, [contender], pool, None, "quick", 1,
                                        warmups=warmups)
    finally:
        pool.close()
    assert errors == {} and len(raw[contender.key]) == 1
    least, most = runner.JIT_WARMUP_ROUNDS
    assert least <= len(warmups[contender.key]) <= most
    assert all(figure > 0 for figure in warmups[contender.key])


def test_jit_warm_up_stops_when_the_rate_settles_or_at_its_limit():
    def rounds(figures):
        figures = iter(figures)
        return lambda: {"per_s": next(figures)}
    # A JIT's ramp: rising, then within 5% of the round before.
    assert runner._settle(rounds([100, 300, 600, 610, 0]), "per_s") == [100, 300, 600, 610]
    # Settled at once still takes the least number of rounds.
    assert len(runner._settle(rounds([500] * 20), "per_s")) == runner.JIT_WARMUP_ROUNDS[0]
    # Never settling stops at the most.
    figures = runner._settle(rounds([100 * 2 ** n for n in range(20)]), "per_s")
    assert len(figures) == runner.JIT_WARMUP_ROUNDS[1]


def test_chroot_contenders_say_why_they_cannot_run(monkeypatch, tmpdir):
    players = contenders._chroot_contenders("skip", None)
    assert [c.key for c in players] == ["sslbio-pypy", "sslbio-2.7-bullseye"]
    assert [c.reason for c in players] == ["skipped (--chroot skip)"] * 2
    assert players[0].jit and not players[1].jit
    assert players[0].env == {"SSLBIO_ENGINE": "pypy"}
    if chroot.platform.machine() not in ("x86_64", "amd64"):
        return
    monkeypatch.setattr(chroot.os, "geteuid", lambda: 1000)
    assert chroot.status("cached") == "entering the Debian chroot needs root"
    # As root, with no chroot built: the reason names the command that
    # builds it (the script's check needs no root and never builds).
    monkeypatch.setattr(chroot.os, "geteuid", lambda: 0)
    monkeypatch.setenv("SSLBIO_CHROOT_CACHE", str(tmpdir))
    reason = chroot.status("cached")
    assert "is not built (scripts/debian-chroot ensure amd64-pypy)" in reason, reason
    assert reason.endswith("or run the bench with --chroot build")


def test_chroot_workers_see_the_scratch_directories():
    assert chroot.command(["pypy", "-m", "benchmarks.worker"], ["/s/certs", "/s/src"]) == [
        chroot.SCRIPT, "run", "--bind", "/s/certs", "--bind", "/s/src", chroot.NAME,
        "pypy", "-m", "benchmarks.worker"]


# Why the chroot's contenders cannot run here (None: they can).
CHROOT_UNUSABLE = chroot.status("cached")


@pytest.mark.skipif(CHROOT_UNUSABLE is not None, reason="the PyPy contender runs in the "
                    "project's Debian chroot: %s" % CHROOT_UNUSABLE)
def test_the_pypy_contender_runs_the_pypy_engine_in_the_chroot(certdir):
    pypy = contenders._chroot_contenders("cached", None)[0]
    pool = runner.Pool(certdir, checkout.worker_path(SSLBIO_SRC), None)
    try:
        info = pool.info(pypy)
        result = pool.call(pypy, {"op": "run", "workload": "roundtrip",
                                  "params": {"duration": 0.02}}, timeout=120, fresh=False)
    finally:
        pool.close()
    assert (info["implementation"], info["engine"]) == ("PyPy", "pypy")
    assert info["engine_openssl"].startswith("OpenSSL 1.1.1")
    assert result["per_s"] > 0 and result["protocol"] == "TLSv1.3"


def test_output_goes_outside_the_checkout_by_default():
    assert checkout.output_base({"SSLBIO_BENCH_DIR": "/x/y"}) == "/x/y"
    assert checkout.output_base({"XDG_CACHE_HOME": "/c"}) == os.path.join("/c", "sslbio-bench")
    args = cli.build_parser().parse_args([])
    for path in (args.out, args.cache):
        assert not os.path.abspath(path).startswith(ROOT + os.sep), path
    # The checkout's own sslbio is what a run measures unless told otherwise.
    assert args.sslbio_src == os.path.join(ROOT, "src")


def test_command_line_errors_and_listing():
    out = Capture()
    assert cli.main(["--list"], out=out) == 0
    for measurement in metrics.MEASUREMENTS:
        assert measurement.name in out.text
    assert cli.main(["--only", "no-such-metric", "--out", "/nonexistent/x"]) == 2


# -- pure helpers -----------------------------------------------------------------

def test_openssl_speed_output_is_parsed():
    sample = "+DT:AES-256-GCM:1:16384\n+R:146000:AES-256-GCM:1.00\n" \
             "+H:16384\n+F:25:AES-256-GCM:2398336731.43\n"
    assert limit.parse_speed(sample) == 2398336731.43


def test_medians_selection_and_formatting():
    assert runner.median([3, 1, 2]) == 2
    assert runner.median([4, 1, 2, 3]) == 2.5
    assert [m.name for m in metrics.select(["handshake-ecdsa"])] == [
        "handshake-ecdsa-tls1.2", "handshake-ecdsa-tls1.3"]
    assert report.fmt(123456.7) == "123,457"
    assert report.fmt(0.5) == "0.500"


def test_every_instruction_count_operation_runs(driver):
    # The operations of `python3 -m benchmarks.instructions`, without
    # valgrind: each sets up and runs twice on this interpreter.
    from benchmarks import instructions
    for name, (_, setup, small, large) in sorted(instructions.OPERATIONS.items()):
        assert 0 < small < large, name
        run = setup(driver)
        run(1)
        run(2)


@pytest.mark.skipif(subprocess.call("valgrind --version >/dev/null 2>&1", shell=True) != 0,
                    reason="valgrind counts the instructions")
def test_instruction_count_of_one_operation(certdir, monkeypatch):
    from benchmarks import instructions
    name = "create"
    description, setup, _, _ = instructions.OPERATIONS[name]
    # Enough repetitions that the interpreters' own run-to-run variation
    # (a few 10,000 instructions) stays small beside the difference.
    monkeypatch.setitem(instructions.OPERATIONS, name, (description, setup, 20, 220))
    counted = instructions.count(sys.executable, name, certdir, SSLBIO_SRC)
    # Creating and freeing a server object and two BIOs is thousands of
    # instructions on any interpreter, and far fewer than a million.
    assert 5000 < counted < 1000000


@pytest.mark.parametrize("kind", ["native", "sslbio"])
def test_socket_bench_round_and_report(certdir, kind):
    figures = sockets.measure(kind, certdir, 1, 2, clock="wall")
    assert sorted(figures) == ["handshakes", "receive", "send"]
    assert all(value > 0 for value in figures.values())
    out = Capture()
    sockets.report({("3.11", "native"): figures, ("3.11", "sslbio"): figures}, out)
    assert "1.00/1.00/1.00" in out.text

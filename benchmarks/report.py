"""Reporting: the text tables, the Markdown table, the JSON file.

The results document (``results.json``) holds everything: machine, the
contenders and what each runs, and for every row the raw value of every round
per contender with medians, spreads and ratios.  The text and Markdown
reports are derived from it alone.  Python 2.7 and 3 compatible; ASCII
output.
"""

from __future__ import division

import io
import json

__all__ = ["format_report", "format_markdown", "write_json", "fmt"]


def fmt(value):
    """A figure with about four significant digits, thousands separated."""
    if value is None:
        return "-"
    magnitude = abs(value)
    if magnitude >= 1000:
        return "{:,.0f}".format(value)
    if magnitude >= 100:
        return "%.1f" % value
    if magnitude >= 10:
        return "%.2f" % value
    return "%.3f" % value


def _ratio_text(value):
    return "-" if value is None else "%.2f" % value


def _contender_line(contender):
    info = contender.get("info") or {}
    if contender.get("unavailable"):
        return "%-14s unavailable: %s" % (contender["label"], contender["unavailable"])
    if contender["key"] == "openssl-speed":
        return "%-14s %s" % (contender["label"], info.get("description", ""))
    parts = ["%s %s" % (info.get("implementation", "CPython"),
                        info.get("python", info.get("version", "?")))]
    if contender.get("chroot"):
        parts[0] += " (Debian chroot)"
    if info.get("engine") not in (None, "stdlib"):
        parts.append("sslbio %s (%s engine)" % (info.get("sslbio"), info["engine"]))
    if info.get("pyopenssl"):
        parts.append("pyOpenSSL %s, cryptography %s" % (info["pyopenssl"],
                                                        info.get("cryptography")))
    parts.append(info.get("openssl", "?"))
    if info.get("engine_openssl"):
        # PyPy's ssl.OPENSSL_VERSION is the version it was built against.
        parts.append("loaded: %s" % info["engine_openssl"])
    return "%-14s %s" % (contender["label"], ", ".join(parts))


def _headline(results):
    machine = results["machine"]
    code = machine.get("code") or {}
    lines = [
        "sslbio bench: %s run, %s  (%.0f s)" % (results["effort"], machine["date"],
                                               results.get("duration_s", 0)),
        "machine: %s, %s cores, %s GiB, %s, %s" % (
            machine.get("cpu"), machine.get("cores"), machine.get("memory_gib"),
            machine.get("kernel"), machine.get("os")),
        "openssl CLI: %s; load average at start %s, at end %s" % (
            (machine.get("openssl_cli") or "-").split(" (Library")[0],
            machine.get("load_average_start"),
            machine.get("load_average_end")),
    ]
    if code:
        lines.append("code: %s%s" % (code["revision"][:12],
                                     " + uncommitted changes" if code.get("uncommitted_changes")
                                     else ""))
    clock = results.get("clock", "wall")
    share = _median_cpu_share(results)
    lines.append("clock: %s -- %s%s" % (
        clock, "rates and times are per second of the worker's own CPU time"
        if clock == "cpu" else "rates and times are per wall-clock second",
        "; workers got a median %.0f%% of a core" % (100 * share) if share else ""))
    lines.append("")
    lines.append("contenders (each round runs them in this order):")
    for contender in results["contenders"]:
        lines.append("  " + _contender_line(contender))
    lines.append("  ratio = contender median / %s median; spread = min - max over rounds"
                 % _label(results, results["reference"]))
    return lines


def _median_cpu_share(results):
    """How much of a core the workers got, over every timed round: a busy
    machine shows here."""
    shares = sorted(result["cpu_share"]
                    for measured in (results.get("measurements") or {}).values()
                    for rounds in measured["rounds"].values()
                    for result in rounds if result.get("cpu_share"))
    return shares[len(shares) // 2] if shares else None


def _label(results, key):
    if key is None:
        return "(nothing)"
    for contender in results["contenders"]:
        if contender["key"] == key:
            return contender["label"]
    return key


def _order(results, row):
    """The row's contenders in the run's order (JSON objects have none)."""
    return [c["key"] for c in results["contenders"] if c["key"] in row["contenders"]]


def _detail_table(results):
    lines = ["", "%-32s %12s %7s  %s" % ("metric / contender", "median", "ratio",
                                         "spread (rounds)")]
    for row in results["rows"]:
        better = "higher" if row["higher_is_better"] else "lower"
        lines.append("%s  [%s, %s is better]" % (row["title"], row["unit"], better))
        for key in _order(results, row):
            entry = row["contenders"][key]
            label = "  " + _label(results, key)
            if entry.get("median") is None:
                lines.append("%-32s %12s %7s  %s" % (label, "error", "", _short_error(entry)))
                continue
            spread = "%s - %s (%d)" % (fmt(entry["min"]), fmt(entry["max"]),
                                       len(entry["values"]))
            if entry.get("error"):
                spread += "  then error: " + _short_error(entry)
            lines.append("%-32s %12s %7s  %s" % (label, fmt(entry["median"]),
                                                 _ratio_text(entry.get("ratio")), spread))
        negotiated = row.get("negotiated")
        if negotiated:
            lines.append("  (negotiated: %s)" % negotiated)
    return lines


def _short_error(entry):
    text = (entry.get("error") or "").strip().splitlines()
    return text[-1][:100] if text else ""


def _ratio_table(results):
    reference = results["reference"]
    keys = [c["key"] for c in results["contenders"]
            if not c.get("unavailable") and c["key"] not in ("openssl-speed", reference)]
    widths = [max(14, len(_label(results, key)) + 2) for key in keys]
    header = "%-24s" % ("ratio to " + _label(results, reference))
    header += "".join("%*s" % (width, _label(results, key))
                      for key, width in zip(keys, widths))
    header += "%11s" % "sslbio/pyO"
    lines = ["", header]
    for row in results["rows"]:
        cells = []
        for key, width in zip(keys, widths):
            entry = row["contenders"].get(key)
            if entry is None:
                text = "-"  # not run: see the contender's skips
            elif entry.get("median") is None:
                text = "error"
            else:
                text = _ratio_text(entry.get("ratio"))
            cells.append("%*s" % (width, text))
        arrow = "^" if row["higher_is_better"] else "v"
        lines.append("%-24s%s%11s" % ("%s %s" % (row["key"], arrow), "".join(cells),
                                      _ratio_text(row.get("ratio_subject_to_rival"))))
    lines.append("(^ higher is better, v lower is better; sslbio/pyO = %s median / %s median;"
                 % (_label(results, results["subject"]), _label(results, results["rival"])))
    lines.append(" '-': no ratio, the reference is 0 or missing)")
    return lines


def format_report(results):
    """The whole text report (text: unicode on 2.7): headline, per-contender
    details, ratio summary."""
    lines = _headline(results) + _detail_table(results) + _ratio_table(results)
    notes = results.get("notes") or []
    if notes:
        lines.append("")
        lines.extend("note: " + note for note in notes)
    text = "\n".join(lines) + "\n"
    return text.decode("utf-8") if isinstance(text, bytes) else text


def format_markdown(results):
    """The figures as a Markdown table (``report.md``), ready for a README:
    one row per metric, ``median (ratio)`` per contender."""
    keys = [c["key"] for c in results["contenders"] if not c.get("unavailable")]
    machine = results["machine"]
    lines = [
        "Run of %s (%s, clock: %s, %.0f s) on %s, %s cores, %s GiB, %s, %s; %s. "
        "Workers got a median %s of a core." % (
            machine["date"], results["effort"], results.get("clock", "wall"),
            results.get("duration_s", 0), machine.get("cpu"), machine.get("cores"),
            machine.get("memory_gib"), machine.get("kernel"), machine.get("os"),
            (machine.get("openssl_cli") or "-").split(" (Library")[0],
            "%.0f%%" % (100 * _median_cpu_share(results))
            if _median_cpu_share(results) else "-"),
        "",
        "| metric | unit | " + " | ".join(_label(results, key) for key in keys)
        + " | sslbio / pyOpenSSL |",
        "| --- | --- | " + " | ".join("---:" for _ in keys) + " | ---: |",
    ]
    for row in results["rows"]:
        cells = []
        for key in keys:
            entry = row["contenders"].get(key)
            if entry is None:
                cells.append("")
            elif entry.get("median") is None:
                cells.append("failed")
            elif entry.get("ratio") is None or key == results["reference"]:
                cells.append(fmt(entry["median"]))
            else:
                cells.append("%s (%.2f)" % (fmt(entry["median"]), entry["ratio"]))
        arrow = "higher is better" if row["higher_is_better"] else "lower is better"
        lines.append("| %s | %s, %s | %s | %s |" % (
            row["title"], row["unit"], arrow, " | ".join(cells),
            _ratio_text(row.get("ratio_subject_to_rival"))))
    text = "\n".join(lines) + "\n"
    return text.decode("utf-8") if isinstance(text, bytes) else text


def write_json(results, path):
    text = json.dumps(results, indent=1, sort_keys=True)
    with io.open(path, "w", encoding="utf-8") as handle:
        handle.write(text if isinstance(text, type(u"")) else text.decode("utf-8"))
        handle.write(u"\n")

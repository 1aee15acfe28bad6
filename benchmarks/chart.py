"""Draw the ratios of a bench run as a PNG (matplotlib, Python 3 only).

Run as a script by the bench, with the interpreter of its matplotlib
environment (``python chart.py results.json chart.png``), so the drawing
never needs matplotlib in the interpreter that runs the bench -- 2.7 cannot
have a current one.  It reads nothing but the results JSON, and imports
nothing from the package.

One horizontal group of bars per metric: each contender's median as a ratio
to the stdlib 3.11 median (the reference, drawn as the line at 1.0).  Metrics where lower is better
(memory, time) say so in their label: a ratio above 1 is worse there.
"""

import json
import sys

COLOURS = {"sslbio-2.7": "#d62728", "pyopenssl-2.7": "#9467bd"}
FALLBACK_COLOURS = ["#1f77b4", "#2ca02c", "#ff7f0e", "#8c564b", "#17becf"]


def _rows(results):
    """Rows that have a ratio (file descriptors have none: 3.11 uses 0)."""
    reference = results["reference"]
    kept = []
    for row in results["rows"]:
        base = row["contenders"].get(reference, {}).get("median")
        if base:
            kept.append(row)
    return kept


def draw(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    reference = results["reference"]
    labels = dict((c["key"], c["label"]) for c in results["contenders"])
    keys = [c["key"] for c in results["contenders"]
            if not c.get("unavailable") and c["key"] not in (reference, "openssl-speed")]
    rows = _rows(results)
    height = 0.8 / max(1, len(keys))
    figure, axes = plt.subplots(figsize=(10, 0.9 * len(rows) + 1.8))
    palette = iter(FALLBACK_COLOURS)
    for index, key in enumerate(keys):
        colour = COLOURS.get(key) or next(palette)
        positions, ratios = [], []
        for number, row in enumerate(rows):
            ratio = row["contenders"].get(key, {}).get("ratio")
            position = number + (index - (len(keys) - 1) / 2.0) * height
            if ratio is not None:
                positions.append(position)
                ratios.append(ratio)
            else:  # say so in the bar's own slot rather than leave a silent gap
                axes.text(0.01, position, "%s: no figure (failed)" % labels.get(key, key),
                          va="center", fontsize=7, color=colour)
        bars = axes.barh(positions, ratios, height=height, color=colour,
                         label=labels.get(key, key))
        for bar, ratio in zip(bars, ratios):
            axes.text(bar.get_width(), bar.get_y() + bar.get_height() / 2.0,
                      " %.2f" % ratio, va="center", fontsize=7)
    axes.axvline(1.0, color="grey", linewidth=1)
    axes.set_yticks(range(len(rows)))
    axes.set_yticklabels(["%s (%s)" % (row["title"], "higher is better"
                                       if row["higher_is_better"] else "lower is better")
                          for row in rows], fontsize=8)
    axes.invert_yaxis()
    axes.set_xlabel("median / %s median" % labels.get(reference))
    machine = results["machine"]
    axes.set_title("sslbio bench, %s: %s, %s cores, %s" % (
        machine["date"][:10], machine.get("cpu"), machine.get("cores"),
        (machine.get("openssl_cli") or "").split(" (")[0]), fontsize=9)
    axes.legend(loc="lower right", fontsize=8)
    figure.tight_layout()
    figure.savefig(path, dpi=110)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: chart.py RESULTS.json OUT.png\n")
        return 2
    with open(argv[0]) as handle:
        results = json.load(handle)
    draw(results, argv[1])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

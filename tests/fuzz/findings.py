"""Where findings go: a directory of JSON files, grouped by kind.

Kinds: ``crash`` and ``hang`` (of a worker, with the case it was running),
``violation`` (an exception Python 3 would not raise, or output on
stderr), ``mismatch`` (a confirmed differential difference), ``unstable``
(a difference that did not survive confirmation: counted only),
``reference-violation`` (Python 3.11 itself broke the oracle: a fault of
the harness, reported so it gets fixed), ``startup`` (a worker that failed
to start or printed while starting).

Findings of one kind are grouped by a signature (what went wrong, without
seeds or step numbers); each group keeps its first few cases as files
``<kind>-<n>.json`` and counts the rest.  ``index.jsonl`` lists every
recorded file; ``summary.json`` is the last run's figures.
"""

import json
import os

KEEP_PER_SIGNATURE = 5


class Findings(object):
    def __init__(self, directory):
        self.directory = directory
        if directory and not os.path.isdir(directory):
            os.makedirs(directory)
        self.counts = {}  # kind -> number of findings
        self.groups = {}  # (kind, signature) -> {"count", "files", "first"}
        self._serial = self._next_serial()

    def _next_serial(self):
        if not self.directory:
            return 0
        names = [n for n in os.listdir(self.directory) if n.endswith(".json")]
        numbers = [int(n.rsplit("-", 1)[1][:-5]) for n in names
                   if n.rsplit("-", 1)[-1][:-5].isdigit()]
        return max(numbers) + 1 if numbers else 0

    def add(self, kind, signature, record):
        """Count a finding; write it when it is among the first of its
        group.  Returns the file written, or None."""
        self.counts[kind] = self.counts.get(kind, 0) + 1
        group = self.groups.setdefault((kind, signature), {
            "count": 0, "files": [], "first": record})
        group["count"] += 1
        if len(group["files"]) >= KEEP_PER_SIGNATURE or not self.directory:
            return None
        name = "%s-%d.json" % (kind, self._serial)
        self._serial += 1
        path = os.path.join(self.directory, name)
        record = dict(record, kind=kind, signature=signature)
        if record.get("reproduce"):
            # Commands that replay a recorded program name this very file.
            record["reproduce"] = record["reproduce"].replace(
                "FINDING.json", path)
        with open(path, "w") as f:
            json.dump(record, f, indent=1, sort_keys=True)
        with open(os.path.join(self.directory, "index.jsonl"), "a") as f:
            f.write(json.dumps({"file": name, "kind": kind,
                                "signature": signature,
                                "reproduce": record.get("reproduce")}) + "\n")
        group["files"].append(name)
        return path

    def count(self, kind):
        return self.counts.get(kind, 0)

    def summary_groups(self):
        """``[(kind, signature, count, files, first record)]``, most
        frequent first."""
        rows = [(kind, signature, g["count"], g["files"], g["first"])
                for (kind, signature), g in self.groups.items()]
        rows.sort(key=lambda row: (row[0], -row[2], row[1]))
        return rows

    def write_summary(self, summary):
        if not self.directory:
            return
        with open(os.path.join(self.directory, "summary.json"), "w") as f:
            json.dump(summary, f, indent=1, sort_keys=True)

"""Reading a run directory: summary.json and the CSV files, as written by `rocesim run`.

A missing file returns None (the chart that needs it is skipped with a note); a file that is
present but malformed raises InputError naming the file, the line and what was expected, because
a half-read table would draw a wrong chart.
"""
import csv
import json
import math
import os
from array import array

import numpy as np


class InputError(Exception):
    """Bad input: the message names the file and what was expected (exit code 2)."""


def load_summary(run_dir):
    """summary.json is what makes a folder a run directory, so it is required."""
    if not os.path.isdir(run_dir):
        raise InputError("%s: expected a rocesim run directory (a folder with summary.json)" % run_dir)
    path = os.path.join(run_dir, "summary.json")
    if not os.path.isfile(path):
        raise InputError("%s: not a rocesim run directory: expected summary.json in it "
                         "(written by `rocesim run --out DIR`)" % run_dir)
    try:
        with open(path, encoding="utf-8") as f:
            summary = json.load(f)
    except (OSError, UnicodeDecodeError) as e:
        raise InputError("%s: cannot read: %s" % (path, e))
    except json.JSONDecodeError as e:
        raise InputError("%s: line %d: expected JSON: %s" % (path, e.lineno, e.msg))
    if not isinstance(summary, dict):
        raise InputError("%s: expected a JSON object at the top level" % path)
    return Summary(summary, path)


class Summary(dict):
    """summary.json's object, remembering its path for error messages."""

    def __init__(self, values, path):
        super().__init__(values)
        self.path = path


def get(summary, pointer, kind):
    """summary value at a JSON pointer like "/run/sim_end_us", None when absent; a value of the
    wrong kind (dict, list, number, str) is bad input."""
    node = summary
    for key in pointer.strip("/").split("/"):
        if isinstance(node, dict) and key in node:
            node = node[key]
        elif isinstance(node, list) and key.isdigit() and int(key) < len(node):
            node = node[int(key)]
        else:
            return None
    if node is None:
        return None
    expected = {"dict": dict, "list": list, "str": str, "number": (int, float)}[kind]
    if not isinstance(node, expected) or (kind == "number" and isinstance(node, bool)):
        raise InputError("%s: %s: expected %s, got %s" % (getattr(summary, "path", "summary.json"), pointer,
                                                          _KIND_TEXT[kind], json.dumps(node)[:60]))
    return node


_KIND_TEXT = {"dict": "an object", "list": "an array", "str": "a string", "number": "a number"}


def _number(text, path, line, column, allow_empty):
    if text == "":
        if allow_empty:
            return math.nan
        raise InputError("%s: line %d: column %s: expected a number, the cell is empty" % (path, line, column))
    try:
        return float(text)
    except ValueError:
        raise InputError("%s: line %d: column %s: expected a number, got %r" % (path, line, column, text[:40]))


def read_columns(path, numeric=(), text=(), allow_empty=()):
    """Reads the named columns of a CSV file with a header row (names include their units, e.g.
    "fct[us]"). Numeric columns come back as float64 numpy arrays (empty cells as NaN where allowed),
    text columns as Coded (distinct values + an int32 code per row, so millions of rows repeating a
    few names stay small). Returns None when the file does not exist. Streams the file once
    with the csv module, so a flows.csv of millions of rows costs only the columns asked for."""
    if not os.path.isfile(path):
        return None
    try:
        f = open(path, newline="", encoding="utf-8")
    except OSError as e:
        raise InputError("%s: cannot read: %s" % (path, e))
    with f:
        reader = csv.reader(f)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("%s: expected a header row, the file is empty" % path)
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError("%s: line 1: expected a CSV header: %s" % (path, e))
        header = [h.strip() for h in header]
        missing = [c for c in list(numeric) + list(text) if c not in header]
        if missing:
            raise InputError("%s: header: expected column(s) %s, found %s"
                             % (path, ", ".join(missing), ",".join(header)))
        width = len(header)
        num_idx = [(c, header.index(c), c in allow_empty) for c in numeric]
        txt_idx = [(c, header.index(c)) for c in text]
        nums = {c: array("d") for c in numeric}
        txts = {c: ({}, array("i")) for c in text}
        line = 1
        try:
            for row in reader:
                line += 1
                if not row:
                    continue
                if len(row) != width:
                    raise InputError("%s: line %d: expected %d fields as in the header, got %d"
                                     % (path, line, width, len(row)))
                for c, i, empty_ok in num_idx:
                    cell = row[i]
                    try:
                        nums[c].append(float(cell))
                    except ValueError:
                        nums[c].append(_number(cell.strip(), path, line, c, empty_ok))
                for c, i in txt_idx:
                    index, codes = txts[c]
                    code = index.get(row[i])
                    if code is None:
                        code = index[row[i]] = len(index)
                    codes.append(code)
        except (csv.Error, UnicodeDecodeError) as e:
            raise InputError("%s: line %d: expected CSV: %s" % (path, line, e))
    out = {c: np.frombuffer(a, dtype=np.float64) if len(a) else np.zeros(0) for c, a in nums.items()}
    for c, (index, codes) in txts.items():
        out[c] = Coded(list(index), np.frombuffer(codes, dtype=np.int32) if len(codes) else np.zeros(0, np.int32))
    return out


class Coded:
    """A text column: values[codes[row]] is the cell of that row."""

    def __init__(self, values, codes):
        self.values = values
        self.codes = codes

    def __len__(self):
        return len(self.codes)

    def __getitem__(self, row):
        return self.values[self.codes[row]]

    def cells(self):
        return [self.values[c] for c in self.codes]


def load_run(run_dir):
    """Everything the charts and the HTML need; a missing CSV is None."""
    summary = load_summary(run_dir)
    p = lambda name: os.path.join(run_dir, name)  # noqa: E731
    return {
        "dir": run_dir,
        "summary": summary,
        "links": read_columns(p("links.csv"), numeric=["utilization"], text=["port", "tier", "direction"]),
        "flows": read_columns(p("flows.csv"), numeric=["fct[us]"], text=["op_id"]),
        "collectives": read_columns(
            p("collectives.csv"),
            numeric=["iteration", "group_size", "bytes[B]", "duration[us]", "busbw[GB/s]", "ideal[us]", "efficiency"],
            text=["job", "op_id", "type", "algorithm", "bottleneck_tier"],  # op ids are names ("allreduce")
            allow_empty=["iteration", "group_size", "bytes[B]", "duration[us]", "busbw[GB/s]",
                         "ideal[us]", "efficiency"]),
        "timeseries": read_columns(p("timeseries.csv"), numeric=["time[us]", "utilization", "queue[B]"],
                                   text=["port", "from", "to", "tier"], allow_empty=["queue[B]"]),
        "has_trace": os.path.isfile(p("trace.json")),
        "timing": load_timing(p("timing.json")),
    }


def load_timing(path):
    """timing.json (wall clock, CPU, RSS: what summary.json leaves out to stay deterministic); {}
    when absent or unreadable, as for reports written before it existed."""
    try:
        with open(path, encoding="utf-8") as f:
            timing = json.load(f)
    except (OSError, ValueError):
        return {}
    return timing if isinstance(timing, dict) else {}

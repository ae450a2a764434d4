"""report.html: one self-contained page (inline CSS, charts as base64 data URIs, no scripts and no
external resources) with the charts and the tables of summary.json."""
import base64
import html
import json
import math
import os

from .inputs import get

_CSS = """body{font-family:sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{font-size:1.2em;border-bottom:1px solid #ccc;margin-top:2em}
table{border-collapse:collapse;margin:.5em 0;font-size:.85em}
th,td{border:1px solid #ddd;padding:2px 8px;text-align:right}th{background:#f3f3f3}
td.l,th.l{text-align:left}.bottleneck{background:#fff4d6;border-left:4px solid #e0a800;padding:.6em 1em}
.note{color:#666;font-style:italic}.bad{color:#b00020;font-weight:bold}.ok{color:#137333;font-weight:bold}
figure{margin:1em 0}figure img{max-width:100%}figcaption{color:#444;font-size:.85em;max-width:900px}"""

_MIME = {"png": "image/png", "svg": "image/svg+xml"}
MAX_OP_ROWS = 200


def esc(value):
    return html.escape(str(value), quote=True)


def fmt(value):
    """Deterministic short text for a JSON value."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return "{:,}".format(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return "—"
        if value.is_integer() and abs(value) < 1e15:
            return "{:,}".format(int(value))
        return "{:,.1f}".format(value) if abs(value) >= 1000 else "%.4g" % value
    if isinstance(value, dict):
        return ", ".join("%s: %s" % (k, fmt(v)) for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(fmt(v) for v in value) if all(not isinstance(v, (dict, list)) for v in value) \
            else json.dumps(value, sort_keys=True)
    return str(value)


def table(rows, columns):
    """rows: dicts; columns: (key or function, header). Text columns align left."""
    out = ["<table><tr>%s</tr>" % "".join("<th>%s</th>" % esc(h) for _, h in columns)]
    for row in rows:
        cells = []
        for key, _ in columns:
            v = key(row) if callable(key) else row.get(key) if isinstance(row, dict) else None
            cls = ' class="l"' if isinstance(v, str) else ""
            cells.append("<td%s>%s</td>" % (cls, esc(fmt(v))))
        out.append("<tr>%s</tr>" % "".join(cells))
    out.append("</table>")
    return "\n".join(out)


def note(text):
    return '<p class="note">%s</p>' % esc(text)


def _missing(summary, key):
    if key in summary:  # present but null: the backend could not measure it
        return note("Not reported for this run (%s is null in summary.json)." % key)
    return note("Not in summary.json (%s): this rocesim version does not report it." % key)


def _section(title, body):
    return "<h2>%s</h2>\n%s" % (esc(title), body)


def run_facts(s, timing=None):
    topo = get_any(s, "/effective_config/topology")
    wl = get_any(s, "/effective_config/workload")
    facts = [
        ("version", s.get("version")), ("seed", s.get("seed")), ("backend", s.get("backend")),
        ("topology", "%s (%s)" % (topo.get("name", "?"), topo.get("generator", "?")) if isinstance(topo, dict) else topo),
        ("workload", wl.get("name") if isinstance(wl, dict) else wl),
        ("routing", get_any(s, "/effective_config/routing")),
    ]
    run = get(s, "/run", "dict") or {}
    # Wall-clock figures come from timing.json; summaries written before it carry them in "run".
    timed = (timing or {}).get("run") if isinstance((timing or {}).get("run"), dict) else run
    for key, label in (("completed", "completed"), ("dag_nodes", "DAG nodes"), ("transfers", "transfers"),
                       ("sim_end_us", "simulated time [us]"), ("events", "events")):
        facts.append((label, run.get(key)))
    for key, label in (("wall_time_s", "wall time [s]"), ("events_per_wall_s", "events per wall second")):
        facts.append((label, timed.get(key)))
    rows = "\n".join('<tr><th class="l">%s</th><td class="l">%s</td></tr>' % (esc(k), esc(fmt(v))) for k, v in facts)
    return "<table>%s</table>" % rows


def get_any(summary, pointer):
    node = summary
    for key in pointer.strip("/").split("/"):
        if not isinstance(node, dict) or key not in node:
            return None
        node = node[key]
    return node


def bottleneck(s):
    b = get(s, "/bottleneck", "dict")
    if b is None:
        return _missing(s, "bottleneck")
    sentence = b.get("summary") or "No bottleneck summary."
    tier = b.get("tier")
    extra = " (tier: %s)" % tier if tier else ""
    return '<p class="bottleneck">%s%s</p>' % (esc(sentence), esc(extra))


def jobs(s):
    rows = get(s, "/jobs", "list")
    if not rows:
        return _missing(s, "jobs")
    return table(rows, [("name", "job"), ("world_size", "world size"), ("endpoints", "endpoints"),
                        ("start_us", "start [us]"), ("end_us", "end [us]"), ("duration_us", "duration [us]")])


def ops(s):
    rows = get(s, "/ops", "list")
    if not rows:
        return _missing(s, "ops")
    rows = [r for r in rows if isinstance(r, dict)]
    attr = lambda k: lambda r: (r.get("attribution") or {}).get(k) if isinstance(r.get("attribution"), dict) else None  # noqa: E731
    speedup = lambda r: ", ".join("%s ×%s" % (t, fmt(f)) for t, f in sorted((attr("speedup_if_nonblocking")(r) or {}).items()))  # noqa: E731
    cols = [("job", "job"), ("iteration", "iter"), ("id", "op"), ("type", "type"), ("algorithm", "algorithm"),
            ("group_size", "group size"), ("bytes", "bytes [B]"), ("duration_us", "duration [us]"),
            ("algbw_GBps", "algbw [GB/s]"), ("busbw_GBps", "busbw [GB/s]"), ("ideal_us", "ideal [us]"),
            ("efficiency", "efficiency"), (attr("bottleneck_tier"), "bottleneck tier"),
            (lambda r: speedup(r) or None, "speedup if non-blocking"),
            (lambda r: _links_text(attr("critical_links")(r)), "critical links")]
    body = table(rows[:MAX_OP_ROWS], cols)
    if len(rows) > MAX_OP_ROWS:
        body += note("First %d of %d collectives; all of them are in summary.json and collectives.csv."
                     % (MAX_OP_ROWS, len(rows)))
    return body


def _links_text(links, limit=3):
    """Critical links as "from→to 97%" (the first few), whatever detail the summary gives."""
    if not isinstance(links, list) or not links:
        return None
    parts = []
    for link in links[:limit]:
        if isinstance(link, dict) and "from" in link and "to" in link:
            util = link.get("utilization")
            pct = " %.0f%%" % (100 * util) if isinstance(util, (int, float)) and not isinstance(util, bool) else ""
            parts.append("%s→%s%s" % (link["from"], link["to"], pct))
        else:
            parts.append(fmt(link))
    return ", ".join(parts) + (" (+%d)" % (len(links) - limit) if len(links) > limit else "")


def tiers_table(s):
    rows = get(s, "/tiers", "list")
    if rows is None:
        return _missing(s, "tiers")
    return table(rows, [("tier", "tier"), ("direction", "direction"), ("ports", "ports"), ("bytes", "bytes [B]"),
                        ("util_mean", "util mean"), ("util_p50", "p50"), ("util_p99", "p99"), ("util_max", "max"),
                        ("paused_us", "paused [us]"), ("pause_frames", "pause frames"), ("ecn_marks", "ECN marks"),
                        ("drops", "drops")])


def hot_links(s):
    rows = get(s, "/hot_links", "list")
    if rows is None:
        return _missing(s, "hot_links")
    return table(rows, [("port", "port"), ("from", "from"), ("to", "to"), ("tier", "tier"), ("direction", "dir"),
                        ("utilization", "utilization"), ("bytes", "bytes [B]"), ("paused_us", "paused [us]"),
                        ("ecn_marks", "ECN marks"), ("drops", "drops"), ("max_queue_bytes", "max queue [B]")])


def fct(s):
    f = get(s, "/fct", "dict")
    if f is None:
        return _missing(s, "fct")
    return table([f], [("count", "flows"), ("mean_us", "mean [us]"), ("p50_us", "p50 [us]"), ("p90_us", "p90 [us]"),
                       ("p99_us", "p99 [us]"), ("max_us", "max [us]")])


def pfc_drops(s):
    parts = []
    pfc, drops = get(s, "/pfc", "dict"), get(s, "/drops", "dict")
    if pfc is None:
        parts.append(_missing(s, "pfc"))
    elif not pfc.get("measured", True):
        parts.append(note("PFC: not measured by this backend."))
    else:
        parts.append(table([pfc], [("pause_frames", "pause frames"), ("paused_us", "paused [us]")]))
        per_tier = pfc.get("per_tier")
        if isinstance(per_tier, dict) and per_tier and all(isinstance(v, dict) for v in per_tier.values()):
            keys = sorted({k for v in per_tier.values() for k in v})
            parts.append(table([dict(v, tier=t) for t, v in per_tier.items()], [("tier", "tier")] + [(k, k) for k in keys]))
        elif isinstance(per_tier, list) and per_tier and all(isinstance(v, dict) for v in per_tier):
            keys = sorted({k for v in per_tier for k in v})
            parts.append(table(per_tier, [(k, k) for k in keys]))
        elif per_tier:
            parts.append("<p>per tier: %s</p>" % esc(fmt(per_tier)))
    if drops is None:
        parts.append(_missing(s, "drops"))
    elif not drops.get("measured", True):
        parts.append(note("Drops: not measured by this backend."))
    else:
        parts.append("<p>Drops: %s</p>" % esc(fmt(drops.get("total"))))
    return "\n".join(parts)


def conservation(s):
    c = get(s, "/conservation", "dict")
    if c is None:
        return _missing(s, "conservation")
    ok = c.get("ok")
    verdict = '<span class="ok">OK</span>' if ok is True else '<span class="bad">MISMATCH</span>' if ok is False else "—"
    return "<p>Bytes started %s, delivered %s: %s</p>" % (esc(fmt(c.get("bytes_started"))),
                                                          esc(fmt(c.get("bytes_delivered"))), verdict)


def figure(chart, fmt_):
    with open(chart.path, "rb") as f:
        data = base64.b64encode(f.read()).decode("ascii")
    return ('<figure><img alt="%s" src="data:%s;base64,%s"><figcaption>%s</figcaption></figure>'
            % (esc(chart.title), _MIME[fmt_], data, esc(chart.caption)))


def files(run_dir, out_dir, has_trace):
    """Links to the run's data files, relative so the page keeps working when the folder moves."""
    items = []
    for name in ("summary.json", "collectives.csv", "flows.csv", "links.csv", "timeseries.csv"):
        if os.path.isfile(os.path.join(run_dir, name)):
            items.append('<li><a href="%s">%s</a></li>' % (esc(_rel(run_dir, out_dir, name)), esc(name)))
    if has_trace:
        items.append('<li><a href="%s">trace.json</a>: Chrome trace of the run; open it in ui.perfetto.dev '
                     'or chrome://tracing (load the file there; nothing is fetched from this page).</li>'
                     % esc(_rel(run_dir, out_dir, "trace.json")))
    else:
        items.append("<li>trace.json is missing: no timeline for this run.</li>")
    return "<ul>%s</ul>" % "\n".join(items)


def _rel(run_dir, out_dir, name):
    return os.path.relpath(os.path.join(run_dir, name), out_dir).replace(os.sep, "/")


def build(run, charts, out_dir, fmt_):
    """charts: (title, Chart or the reason it was skipped) in display order."""
    s = run["summary"]
    topo = get_any(s, "/effective_config/topology/name")
    wl = get_any(s, "/effective_config/workload/name")
    title = "rocesim report: %s × %s (%s)" % (topo or "?", wl or "?", s.get("backend", "?"))
    body = ["<h1>%s</h1>" % esc(title), bottleneck(s), _section("Run", run_facts(s, run.get("timing"))), _section("Jobs", jobs(s))]
    chart_html = []
    for name, chart in charts:
        if isinstance(chart, str):
            chart_html.append("<h3>%s</h3>%s" % (esc(name), note("Skipped: " + chart)))
        else:
            chart_html.append("<h3>%s</h3>%s" % (esc(name), figure(chart, fmt_)))
    body += [_section("Charts", "\n".join(chart_html)), _section("Collectives", ops(s)),
             _section("Tiers", tiers_table(s)), _section("Hot links", hot_links(s)),
             _section("Flow completion times", fct(s)), _section("PFC and drops", pfc_drops(s)),
             _section("Conservation", conservation(s)), _section("Files", files(run["dir"], out_dir, run["has_trace"]))]
    return ('<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>%s</title><style>%s</style></head>\n'
            "<body>\n%s\n</body></html>\n" % (esc(title), _CSS, "\n".join(body)))

#!/usr/bin/env python3
"""The AMD what-if study's table and plots (issue 19), from `rocesim sweep` output folders.

Usage: amd_study_table.py [--rocesim BIN] [--plots DIR] SWEEP_DIR [SWEEP_DIR ...] > table.md

One row per sweep point (points in sweep.csv order, sweeps in argument order):
- iteration [ms]: summary.json run.sim_end_us (one iteration of the job, all ops in order);
- per-tier utilization: over the ports of the tier that carried bytes in the run (links.csv,
  direction "up"), mean of 8*bytes/(rate*sim_end), i.e. averaged over the whole iteration,
  compute phases included (a job smaller than the fabric leaves most ports idle, so the fabric-wide
  mean in summary.json's tiers[] would mostly measure the idle ones). One column per link tier in
  TIER_ORDER (every tier the study's generators build: the scale-up domain, NIC links, the
  rail-optimized rail-leaf-spine and spine-core tiers, the rail-only rail-leaf-rail-spine and
  rail-spine-rail-core tiers), then one more column for any other tier a row's fabric has (e.g.
  leaf-spine). A cell is "–" when the fabric has no such tier (from `rocesim topo --json`
  links_by_tier), "idle" when it has the tier but the run sent no byte over it;
- slowest op: the communication op with the longest duration, with its efficiency
  (ideal_us / duration_us, see README "Reading a report");
- bottleneck: summary.json bottleneck.summary, verbatim;
- network $/accel: switch ports (billed per switch radix), transceivers and NIC ports from
  `rocesim topo --json` of the run's effective topology, at the assumed list prices in PRICES
  (per port, by the NIC link rate; no published price list: an assumption for ratios, not quotes);
  scale-up switches and links are not priced (rocesim's cost model counts scale-out only);
- W/accel: the topology's cost model power (accelerators, servers, NICs, transceivers, switch
  ports) over its accelerators, for the whole fabric; rack kW: one compute rack's power.
Plots (with matplotlib): iteration.svg (iteration time per point) and utilization.svg (per-tier
utilization per point).
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile

# Assumed list prices in USD per port by NIC/fabric link rate (Gb/s): switch port, transceiver
# (one per cable end), NIC port. Order-of-magnitude assumptions for comparing designs.
PRICES = {400: (500.0, 500.0, 1200.0), 800: (900.0, 900.0, 2000.0)}

TIER_ORDER = ["scale-up", "nic", "rail-leaf-spine", "rail-leaf-rail-spine", "spine-core", "rail-spine-rail-core"]


def util_cell(row, tier):
    """The utilization cell: a number, "idle" (the fabric has the tier, the run left it unused) or "–" (no such tier)."""
    if tier in row["util"]:
        return "%.2f" % row["util"][tier]
    return "idle" if tier in row["topo"]["tiers"] else "–"


def read_csv(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def tier_utilization(links_csv):
    """{tier: mean utilization over its 'up' ports that carried bytes}."""
    sums, counts = {}, {}
    with open(links_csv, newline="") as f:
        for row in csv.DictReader(f):
            if row["direction"] != "up" or not row["bytes[B]"] or int(row["bytes[B]"]) == 0:
                continue
            t = row["tier"]
            sums[t] = sums.get(t, 0.0) + float(row["utilization"])
            counts[t] = counts.get(t, 0) + 1
    return {t: sums[t] / counts[t] for t in sums}


def tier_name(summary):
    """fluid | packet | analytic, "packet/UET" for the Ultra Ethernet transport."""
    backend = summary["effective_config"].get("backend", {})
    transport = backend.get("params", {}).get("nic", {}).get("transport", "roce")
    name = summary.get("backend", backend.get("name", "?"))
    return name + "/UET" if transport == "uet" else name


def topo_figures(rocesim, topology_doc, cache):
    key = json.dumps(topology_doc, sort_keys=True)
    if key in cache:
        return cache[key]
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(topology_doc, f)
        path = f.name
    try:
        out = subprocess.run([rocesim, "topo", path, "--json", "--route-sample", "0"], check=True,
                             stdout=subprocess.PIPE, universal_newlines=True).stdout
    finally:
        os.unlink(path)
    t = json.loads(out)
    accel = t["endpoints"]
    cost = t.get("cost", {})
    nic_rate = round(t["capacity_bps_by_tier"]["nic"] / t["links_by_tier"]["nic"] / 1e9)
    sw, tx, nic = PRICES.get(nic_rate, PRICES[800 if nic_rate > 400 else 400])
    ports = sum(s["billed_ports"] for s in cost.get("switches_by_tier", {}).values())
    transceivers = sum(c["transceivers"] for c in cost.get("cables_by_level", {}).values())
    dollars = ports * sw + transceivers * tx + cost.get("nic_ports", 0) * nic
    rack = cost.get("rack") or {}
    # Link tiers the fabric has, named as links.csv names them ("scale_up" there is "scale-up" here).
    tiers = [k.replace("scale_up", "scale-up") for k, n in t["links_by_tier"].items() if n > 0]
    fig = {"accelerators": accel, "tiers": tiers, "usd_per_accel": dollars / accel,
           "w_per_accel": cost.get("power_w", 0.0) / accel,
           "rack_kw": rack.get("power_w", 0.0) / 1000.0, "nic_gbps": nic_rate}
    cache[key] = fig
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rocesim", default="build/rocesim")
    ap.add_argument("--plots", default="")
    ap.add_argument("sweeps", nargs="+")
    args = ap.parse_args()
    cache, rows = {}, []
    for sweep in args.sweeps:
        for p in read_csv(os.path.join(sweep, "sweep.csv")):
            point = os.path.join(sweep, p["dir"])
            summary_path = os.path.join(point, "summary.json")
            if p["status"] != "ok" or not os.path.exists(summary_path):
                rows.append({"study": os.path.basename(sweep.rstrip("/")), "status": p["status"], "dir": p["dir"]})
                continue
            with open(summary_path) as f:
                s = json.load(f)
            topo = s["effective_config"]["topology"]
            comm = [o for o in s["ops"] if o.get("type") != "compute" and "duration_us" in o]
            slow = max(comm, key=lambda o: o["duration_us"]) if comm else None
            rows.append({
                "study": os.path.basename(sweep.rstrip("/")), "status": "ok", "dir": p["dir"],
                "fabric": topo.get("name", "?"), "backend": tier_name(s), "job": s["jobs"][0]["name"], "ranks": s["jobs"][0]["world_size"],
                "iteration_ms": s["run"]["sim_end_us"] / 1000.0,
                "util": tier_utilization(os.path.join(point, "links.csv")),
                "slow": slow, "bottleneck": (s.get("bottleneck") or {}).get("summary", ""),
                "topo": topo_figures(args.rocesim, topo, cache)})
    ok = [r for r in rows if r["status"] == "ok"]
    tiers = TIER_ORDER + sorted({t for r in ok for t in r["topo"]["tiers"] + list(r["util"]) if t not in TIER_ORDER})
    print("| study | fabric | tier | job (ranks) | iteration [ms] | utilization: " + " / ".join(tiers) +
          " | slowest comm op [ms] (efficiency) | bottleneck (rocesim's sentence) | network $/accel | W/accel | rack kW |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        if r["status"] != "ok":
            print("| %s | %s: %s | | | | | | | | | |" % (r["study"], r["dir"], r["status"]))
            continue
        util = " / ".join(util_cell(r, t) for t in tiers)
        slow = r["slow"]
        slow_text = ""
        if slow:
            eff = "%.2f" % slow["efficiency"] if "efficiency" in slow else "–"
            slow_text = "%s %.2f (%s)" % (slow["id"], slow["duration_us"] / 1000.0, eff)
        t = r["topo"]
        print("| %s | %s | %s | %s (%d) | %.2f | %s | %s | %s | %.0f | %.0f | %.1f |" % (
            r["study"], r["fabric"], r["backend"], r["job"], r["ranks"], r["iteration_ms"], util, slow_text,
            r["bottleneck"].replace("|", "/") or "– (attribution off or skipped)", t["usd_per_accel"], t["w_per_accel"], t["rack_kw"]))
    if args.plots:
        plot(rows, args.plots, tiers)


def plot(rows, out_dir, tiers):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("amd_study_table: no matplotlib, no plots", file=sys.stderr)
        return
    ok = [r for r in rows if r["status"] == "ok"]
    if not ok:
        return
    os.makedirs(out_dir, exist_ok=True)
    labels = ["%s\n%s %d %s" % (r["fabric"], r["job"], r["ranks"], r["backend"]) for r in ok]
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(ok)), 4.5))
    ax.bar(range(len(ok)), [r["iteration_ms"] for r in ok], color="tab:blue")
    ax.set_xticks(range(len(ok)))
    ax.set_xticklabels(labels, rotation=75, fontsize=6)
    ax.set_ylabel("iteration time [ms]")
    backends = sorted({r["backend"] for r in ok})
    ax.set_title("AMD what-if study: one iteration (%s)" % ", ".join(backends))
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "iteration.svg"), metadata={"Date": None})
    plt.close(fig)
    fig, ax = plt.subplots(figsize=(max(6, 0.7 * len(ok)), 4.5))
    width = 0.8 / len(tiers)
    for k, tier in enumerate(tiers):
        ax.bar([i + k * width for i in range(len(ok))], [r["util"].get(tier, 0.0) for r in ok], width, label=tier)
    ax.set_xticks([i + 0.4 for i in range(len(ok))])
    ax.set_xticklabels(labels, rotation=75, fontsize=6)
    ax.set_ylabel("mean utilization of busy ports (up)")
    ax.legend(fontsize=6)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "utilization.svg"), metadata={"Date": None})
    plt.close(fig)


if __name__ == "__main__":
    main()

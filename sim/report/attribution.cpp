#include "report/attribution.hpp"

#include <cmath>
#include <cstdio>
#include <optional>

#include "report/critical_links.hpp"
#include "report/link_tiers.hpp"
#include "report/run_analysis.hpp"
#include "report/tidy.hpp"

namespace rocesim::report {
namespace {

using nlohmann::json;
using topology::Fabric;

constexpr std::size_t kCriticalLinks = 3;
constexpr double kRatioEps = 1e-9;

std::optional<Time> op_time(const observe::RunRecord& r, std::size_t i) {
  if (i >= r.op_start.size() || i >= r.op_end.size()) return std::nullopt;
  const Time s = r.op_start[i], e = r.op_end[i];
  if (s == Time::max() || e == Time::max() || e < s) return std::nullopt;
  return e - s;
}

std::optional<Time> main_time(const OpInput& op) {
  if (op.start == Time::max() || op.end == Time::max() || op.end < op.start) return std::nullopt;
  return op.end - op.start;
}

Rate scaled(Rate r, double factor) { return Rate{static_cast<std::uint64_t>(std::ceil(static_cast<double>(r.bps) * factor))}; }

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

std::string op_label(const OpInput& op) { return std::string(op.type) + " '" + std::string(op.id) + "'"; }

// Critical links and ECMP collisions of every op from the main run's record.
// Fills attr[i]["critical_links"] and returns, per op, the ECMP-imbalance candidate (or null): the
// verdict needs the re-runs (see attribute()).
std::vector<json> add_link_findings(const AttributionInput& in, const std::vector<TierRatio>& ratios,
                                    std::vector<json>& attr, std::vector<char>& linked) {
  std::vector<json> candidates(in.ops.size());
  const Fabric& f = *in.fabric;
  std::vector<Time> starts, ends;
  // Without re-runs only the critical links of ops with detail are reported (the collision
  // verdict needs the re-runs): the other ops' loads are not measured at all.
  std::vector<char> wanted;
  for (const OpInput& op : in.ops) {
    starts.push_back(op.network ? op.start : Time::max());
    ends.push_back(op.network ? op.end : Time::max());
    wanted.push_back(in.rerun || op.detail ? 1 : 0);
  }
  // Only tiers whose hottest own port reaches kCollisionHotUtilization can be ECMP candidates.
  visit_op_link_loads(f, *in.router, *in.record, starts, ends, kCollisionHotUtilization, [&](std::size_t i, OpLinkLoad&& load) {
    if (load.path_ports.empty()) return;
    linked[i] = 1;
    json crit = json::array();
    const std::size_t shown = in.ops[i].detail ? std::min(kCriticalLinks, load.path_ports.size()) : 0;
    for (std::size_t k = 0; k < shown; ++k) {
      const PortLoad& pl = load.path_ports[k];
      json o = port_identity_json(f, pl.port);
      o["utilization"] = tidy(pl.utilization);
      // The pause time inside the op's window; the whole run's if the pause log overflowed (a
      // note in the record says so).
      const observe::RunRecord& rec = *in.record;
      if (!rec.has_pfc || pl.port >= rec.ports.size()) {
        o["paused_us"] = nullptr;
      } else {
        const Time paused = rec.pauses_complete ? paused_in_window(rec, pl.port, starts[i], ends[i]) : rec.ports[pl.port].paused;
        o["paused_us"] = tidy(paused.us());
      }
      crit.push_back(std::move(o));
    }
    if (in.ops[i].detail) attr[i]["critical_links"] = std::move(crit);
    const ScopeLoad* worst = nullptr;
    for (const ScopeLoad& s : load.scopes) {
      bool nominal_1to1 = false;
      for (const TierRatio& t : ratios) nominal_1to1 |= t.link_tier == s.tier && t.ratio <= 1 + kRatioEps;
      if (!nominal_1to1 || s.max_path_utilization < kCollisionHotUtilization ||
          s.mean_utilization > kCollisionMeanFraction * s.max_path_utilization)
        continue;
      if (worst == nullptr || quantized(s.max_path_utilization) > quantized(worst->max_path_utilization)) worst = &s;
    }
    if (worst != nullptr) {
      candidates[i] = json{{"tier", worst->tier},
                           {"direction", worst->up ? "up" : "down"},
                           {"hottest_utilization", tidy(worst->max_path_utilization)},
                           {"scope_mean_utilization", tidy(worst->mean_utilization)}};
    }
  }, wanted);
  return candidates;
}

std::string no_tier_sentence(const AttributionInput& in, const std::vector<TierRatio>& over, const std::vector<json>& attr,
                             const std::vector<double>& efficiency) {
  std::string s = over.empty() ? "no switch tier is oversubscribed"
                               : "no oversubscribed tier slows any communication op by more than 5 %";
  for (std::size_t i = 0; i < attr.size(); ++i) {
    if (!attr[i].contains("ecmp_collisions") || attr[i]["ecmp_collisions"].is_null()) continue;
    const json& c = attr[i]["ecmp_collisions"];
    return s + "; ECMP collisions on the " + c["tier"].get<std::string>() + " " + c["direction"].get<std::string>() +
           " links slow " + op_label(in.ops[i]) + " (hottest link " +
           fmt("%.0f", 100 * c["hottest_utilization"].get<double>()) + " % utilized, tier mean " +
           fmt("%.0f", 100 * c["scope_mean_utilization"].get<double>()) + " %)";
  }
  std::size_t worst = efficiency.size();
  for (std::size_t i = 0; i < efficiency.size(); ++i) {
    if (efficiency[i] > 0 && (worst == efficiency.size() || efficiency[i] < efficiency[worst])) worst = i;
  }
  if (worst < efficiency.size()) {
    s += "; lowest efficiency against the lower bound " + fmt("%.3f", efficiency[worst]) + " (" +
         op_label(in.ops[worst]) + ")";
  }
  return s;
}

}  // namespace

std::vector<TierRatio> tier_ratios(const Fabric& f) {
  const int top = f.max_tier();
  std::vector<double> down(static_cast<std::size_t>(top) + 1, 0.0), up(down.size(), 0.0);
  std::vector<std::string> label(down.size());
  for (topology::NodeId n = f.endpoints(); n < f.node_count(); ++n) {
    const topology::Node& node = f.node(n);
    if (node.role != topology::NodeRole::fabric_switch) continue;
    for (topology::PortId p = node.first_port; p < node.first_port + node.port_count; ++p) {
      const bool is_up = p >= node.up_begin;
      (is_up ? up : down)[node.tier] += static_cast<double>(f.port_rate(p).bps);
      if (is_up && label[node.tier].empty()) label[node.tier] = link_tier_name(f, f.port(p).link);
    }
  }
  std::vector<TierRatio> out;
  for (int t = 1; t <= top; ++t) {
    if (up[static_cast<std::size_t>(t)] > 0) {
      out.push_back(TierRatio{t, label[static_cast<std::size_t>(t)], down[static_cast<std::size_t>(t)] / up[static_cast<std::size_t>(t)]});
    }
  }
  return out;
}

Fabric nonblocking_fabric(const Fabric& f, double factor) {
  std::vector<Rate> rates;
  rates.reserve(f.link_count());
  for (const topology::Link& l : f.links()) rates.push_back(l.kind == topology::LinkKind::fabric ? scaled(l.rate, factor) : l.rate);
  return f.with_link_rates(rates);
}

Fabric tier_nonblocking_fabric(const Fabric& f, const TierRatio& tier) {
  std::vector<Rate> rates;
  rates.reserve(f.link_count());
  for (const topology::Link& l : f.links()) {
    const bool uplink = l.kind == topology::LinkKind::fabric && f.node(l.a).tier == tier.tier && f.node(l.b).tier > tier.tier;
    rates.push_back(uplink ? scaled(l.rate, tier.ratio) : l.rate);
  }
  return f.with_link_rates(rates);
}

AttributionResult attribute(const AttributionInput& in) {
  AttributionResult res;
  const std::size_t n = in.ops.size();
  res.op_fields.assign(n, json());
  res.ideal_us.assign(n, NAN);
  res.efficiency.assign(n, NAN);
  std::vector<json> attr(n);
  const std::vector<TierRatio> ratios = tier_ratios(*in.fabric);
  std::vector<json> collision_candidates(n);
  std::vector<char> linked(n, 0);  // the op's window loads were measured
  if (in.router != nullptr && in.record != nullptr && !in.record->transfers.empty()) {
    collision_candidates = add_link_findings(in, ratios, attr, linked);
  }

  std::vector<double> efficiency(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const std::optional<Time> d = main_time(in.ops[i]);
    if (!in.ops[i].network || !d || in.ops[i].lower_bound == Time::max()) continue;
    res.ideal_us[i] = tidy(in.ops[i].lower_bound.us());
    if (in.ops[i].detail) res.op_fields[i]["ideal_us"] = res.ideal_us[i];
    if (d->ps > 0) {
      efficiency[i] = static_cast<double>(in.ops[i].lower_bound.ps) / static_cast<double>(d->ps);
      res.efficiency[i] = tidy(efficiency[i]);
      if (in.ops[i].detail) res.op_fields[i]["efficiency"] = res.efficiency[i];
    }
  }
  if (in.rerun) {
    std::vector<TierRatio> over;
    for (const TierRatio& t : ratios) {
      if (t.ratio > 1 + kRatioEps) over.push_back(t);
    }
    const observe::RunRecord nonblocking = in.rerun(nonblocking_fabric(*in.fabric));
    ++res.reruns;
    std::optional<observe::RunRecord> base;
    if (!in.main_is_fluid) {
      base = in.rerun(*in.fabric);
      ++res.reruns;
    }
    std::vector<observe::RunRecord> whatif;
    for (const TierRatio& t : over) {
      whatif.push_back(in.rerun(tier_nonblocking_fabric(*in.fabric, t)));
      ++res.reruns;
    }
    std::vector<int> limited(over.size(), 0);
    std::vector<double> best_speedup(over.size(), 0.0);
    std::vector<std::size_t> best_op(over.size(), 0);
    int network_ops = 0;
    for (std::size_t i = 0; i < n; ++i) {
      const std::optional<Time> d = main_time(in.ops[i]);
      if (!in.ops[i].network || !d) continue;
      ++network_ops;
      const std::optional<Time> tnb = op_time(nonblocking, i);
      if (tnb && in.ops[i].detail) res.op_fields[i]["nonblocking_us"] = tidy(tnb->us());
      const std::optional<Time> tb = in.main_is_fluid ? d : op_time(*base, i);
      json speedups = json::object();
      std::optional<std::size_t> top;
      double top_speedup = 0;
      for (std::size_t k = 0; k < over.size(); ++k) {
        const std::optional<Time> tw = op_time(whatif[k], i);
        if (!tb || !tw || tw->ps <= 0) continue;
        const double sp = static_cast<double>(tb->ps) / static_cast<double>(tw->ps);
        speedups[over[k].link_tier] = tidy(sp);
        if (sp > top_speedup) {
          top_speedup = sp;
          top = k;
        }
      }
      const bool limits = top && top_speedup > kBottleneckSpeedup;
      // An op without detail keeps only what is not null: thousands of such ops are aggregated.
      if (in.ops[i].detail) attr[i]["speedup_if_nonblocking"] = speedups;
      if (in.ops[i].detail || limits) attr[i]["bottleneck_tier"] = limits ? json(over[*top].link_tier) : json(nullptr);
      // ECMP imbalance needs evidence that the fabric, not the NICs, slowed the op: the fluid
      // base is > 5 % slower than the non-blocking re-run and no oversubscribed tier explains it.
      if (linked[i]) {
        const bool fabric_slow =
            tnb && tb && static_cast<double>(tb->ps) > kBottleneckSpeedup * static_cast<double>(tnb->ps);
        json found = fabric_slow && !limits ? collision_candidates[i] : json(nullptr);
        if (in.ops[i].detail || !found.is_null()) attr[i]["ecmp_collisions"] = std::move(found);
      }
      if (limits) {
        ++limited[*top];
        if (top_speedup > best_speedup[*top]) {
          best_speedup[*top] = top_speedup;
          best_op[*top] = i;
        }
      }
    }
    std::optional<std::size_t> winner;
    for (std::size_t k = 0; k < over.size(); ++k) {
      if (limited[k] > 0 && (!winner || limited[k] > limited[*winner])) winner = k;
    }
    std::string sentence;
    if (winner) {
      const std::string& tier = over[*winner].link_tier;
      sentence = tier + " uplinks (" + fmt("%.3g", over[*winner].ratio) + ":1) limit " + std::to_string(limited[*winner]) +
                 " of " + std::to_string(network_ops) + " communication ops: " + op_label(in.ops[best_op[*winner]]) +
                 " would be " + fmt("%.2f", best_speedup[*winner]) + "x faster with a non-blocking " + tier + " tier";
    } else {
      sentence = no_tier_sentence(in, over, attr, efficiency);
    }
    res.bottleneck = json{{"tier", winner ? json(over[*winner].link_tier) : json(nullptr)},
                          {"summary", sentence},
                          {"fluid_reruns", res.reruns}};
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (!attr[i].empty()) res.op_fields[i]["attribution"] = std::move(attr[i]);
  }
  return res;
}

}  // namespace rocesim::report

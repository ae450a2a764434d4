#include "report/run_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include "report/link_tiers.hpp"
#include "report/percentiles.hpp"
#include "report/tidy.hpp"
#include "topology/failures.hpp"

namespace rocesim::report {
namespace {

using nlohmann::json;
using topology::PortId;

double port_utilization(const topology::Fabric& f, const observe::RunRecord& r, PortId p, Time window) {
  return 8.0 * r.ports[p].tx_bytes / (static_cast<double>(f.port_rate(p).bps) * window.seconds());
}

// Bottom-up order of (tier, direction) groups: tier rank, then label, then "up" before "down".
struct GroupKey {
  int rank = 0;
  std::string tier;
  bool up = true;
  bool operator<(const GroupKey& o) const {
    return std::tie(rank, tier, o.up) < std::tie(o.rank, o.tier, up);
  }
};

json measured_or_null(bool measured, double v) { return measured ? json(tidy(v)) : json(nullptr); }
json measured_or_null(bool measured, std::uint64_t v) { return measured ? json(v) : json(nullptr); }

}  // namespace

json port_identity_json(const topology::Fabric& f, PortId p) {
  const topology::Port& port = f.port(p);
  return json{{"port", p},
              {"from", topology::node_name(f, port.node)},
              {"to", topology::node_name(f, port.peer)},
              {"tier", link_tier_name(f, port.link)},
              {"direction", port_goes_up(f, p) ? "up" : "down"}};
}

json tier_utilization_json(const topology::Fabric& f, const observe::RunRecord& r, Time window) {
  struct Group {
    std::vector<double> util;
    double bytes = 0, paused_us = 0;
    std::uint64_t pauses = 0, ecn = 0, drops = 0;
  };
  std::map<GroupKey, Group> groups;
  for (PortId p = 0; p < f.port_count(); ++p) {
    const topology::LinkId l = f.port(p).link;
    Group& g = groups[GroupKey{link_tier_rank(f, l), link_tier_name(f, l), port_goes_up(f, p)}];
    const observe::PortRecord& pr = r.ports[p];
    g.util.push_back(port_utilization(f, r, p, window));
    g.bytes += pr.tx_bytes;
    g.paused_us += pr.paused.us();
    g.pauses += pr.pauses_received;
    g.ecn += pr.ecn_marks;
    g.drops += pr.drops;
  }
  json out = json::array();
  for (auto& [key, g] : groups) {
    const SampleSummary s = summarize_sample(g.util);
    out.push_back(json{{"tier", key.tier},
                       {"direction", key.up ? "up" : "down"},
                       {"ports", s.count},
                       {"bytes", std::llround(g.bytes)},
                       {"util_mean", tidy(s.mean)},
                       {"util_p50", tidy(s.p50)},
                       {"util_p99", tidy(s.p99)},
                       {"util_max", tidy(s.max)},
                       {"paused_us", measured_or_null(r.has_pfc, g.paused_us)},
                       {"pause_frames", measured_or_null(r.has_pfc, g.pauses)},
                       {"ecn_marks", measured_or_null(r.has_ecn, g.ecn)},
                       {"drops", measured_or_null(r.has_drops, g.drops)}});
  }
  return out;
}

json hot_links_json(const topology::Fabric& f, const observe::RunRecord& r, Time window, std::size_t top_n) {
  std::vector<std::pair<double, PortId>> by_util;
  by_util.reserve(f.port_count());
  for (PortId p = 0; p < f.port_count(); ++p) by_util.emplace_back(port_utilization(f, r, p, window), p);
  const std::size_t n = std::min(top_n, by_util.size());
  // Highest utilization first; equal utilizations in ascending port id (deterministic).
  std::partial_sort(by_util.begin(), by_util.begin() + static_cast<std::ptrdiff_t>(n), by_util.end(),
                    [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  json out = json::array();
  for (std::size_t i = 0; i < n; ++i) {
    const PortId p = by_util[i].second;
    const observe::PortRecord& pr = r.ports[p];
    json o = port_identity_json(f, p);
    o["utilization"] = tidy(by_util[i].first);
    o["bytes"] = std::llround(pr.tx_bytes);
    o["paused_us"] = measured_or_null(r.has_pfc, pr.paused.us());
    o["ecn_marks"] = measured_or_null(r.has_ecn, pr.ecn_marks);
    o["drops"] = measured_or_null(r.has_drops, pr.drops);
    o["max_queue_bytes"] = r.has_queues ? json(pr.max_queue_bytes) : json(nullptr);
    out.push_back(std::move(o));
  }
  return out;
}

json fct_json(const observe::RunRecord& r) {
  std::vector<double> us;
  us.reserve(r.transfers.size());
  for (const observe::TransferRecord& t : r.transfers) {
    if (t.end != Time::max()) us.push_back((t.end - t.start).us());
  }
  const SampleSummary s = summarize_sample(us);
  return json{{"count", s.count},          {"mean_us", tidy(s.mean)}, {"p50_us", tidy(s.p50)},
              {"p90_us", tidy(s.p90)},     {"p99_us", tidy(s.p99)},   {"max_us", tidy(s.max)}};
}

json pfc_json(const topology::Fabric& f, const observe::RunRecord& r) {
  if (!r.has_pfc) {
    return json{{"measured", false}, {"pause_frames", nullptr}, {"paused_us", nullptr}, {"longest_pause_us", nullptr},
                {"per_tier", nullptr}};
  }
  std::map<std::string, std::pair<std::uint64_t, double>> per_tier;
  std::uint64_t frames = 0;
  double paused_us = 0;
  Time longest{};
  for (PortId p = 0; p < f.port_count() && p < r.ports.size(); ++p) {
    longest = std::max(longest, r.ports[p].longest_pause);
    auto& t = per_tier[link_tier_name(f, f.port(p).link)];
    t.first += r.ports[p].pauses_received;
    t.second += r.ports[p].paused.us();
    frames += r.ports[p].pauses_received;
    paused_us += r.ports[p].paused.us();
  }
  json tiers = json::object();
  for (const auto& [name, v] : per_tier) tiers[name] = json{{"pause_frames", v.first}, {"paused_us", tidy(v.second)}};
  return json{{"measured", true}, {"pause_frames", frames}, {"paused_us", tidy(paused_us)},
              {"longest_pause_us", tidy(longest.us())}, {"per_tier", tiers}};
}

json drops_json(const observe::RunRecord& r) {
  if (!r.has_drops) return json{{"measured", false}, {"total", nullptr}};
  std::uint64_t total = 0;
  std::uint64_t trimmed = 0;
  for (const observe::PortRecord& p : r.ports) {
    total += p.drops;
    trimmed += p.trims;
  }
  json out{{"measured", true}, {"total", total}};
  if (r.has_trims) out["trimmed"] = trimmed;  // UET: cut to a header, not dropped (not in total)
  return out;
}

json conservation_json(const observe::RunRecord& r, std::int64_t bytes_expected) {
  return json{{"bytes_started", r.bytes_started},
              {"bytes_delivered", r.bytes_delivered},
              {"bytes_expected", bytes_expected},
              {"ok", r.bytes_started == r.bytes_delivered && r.bytes_delivered == bytes_expected}};
}

json run_analysis_sections(const topology::Fabric& f, const observe::RunRecord& r, Time window,
                           std::int64_t bytes_expected) {
  json out = json::object();
  if (r.ports.size() == f.port_count() && f.port_count() > 0 && window.ps > 0) {
    out["tiers"] = tier_utilization_json(f, r, window);
    out["hot_links"] = hot_links_json(f, r, window);
    out["pfc"] = pfc_json(f, r);
    out["drops"] = drops_json(r);
  }
  if (!r.transfers.empty()) out["fct"] = fct_json(r);
  out["conservation"] = conservation_json(r, bytes_expected);
  return out;
}

}  // namespace rocesim::report

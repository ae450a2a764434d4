// Failures at time zero: reading, naming nodes, marking links down or slower (see header).
#include "topology/failures.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <tuple>

#include "core/config_error.hpp"

namespace rocesim::topology {
namespace {

// Dense per-role / per-tier indices, so "t2.5" resolves in O(1).
struct NodeNames {
  std::vector<std::vector<NodeId>> tier;  // tier[t][j]: node id of the j-th tier-t switch
  std::vector<NodeId> scale_up;
  std::vector<std::uint32_t> index_of;    // node → its j

  explicit NodeNames(const Fabric& f) : tier(kMaxTier + 1), index_of(f.node_count(), 0) {
    for (NodeId n = 0; n < f.node_count(); ++n) {
      const Node& node = f.node(n);
      if (node.role == NodeRole::fabric_switch) {
        index_of[n] = static_cast<std::uint32_t>(tier[node.tier].size());
        tier[node.tier].push_back(n);
      } else if (node.role == NodeRole::scale_up_switch) {
        index_of[n] = static_cast<std::uint32_t>(scale_up.size());
        scale_up.push_back(n);
      }
    }
  }
};

bool parse_index(std::string_view s, std::uint64_t& v) {
  if (s.empty()) return false;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc{} && end == s.data() + s.size();
}

// Node id for `name`, or kNone.
NodeId resolve(const Fabric& f, const NodeNames& names, const std::string& name) {
  std::uint64_t a = 0, b = 0;
  if (name.rfind("acc", 0) == 0 && parse_index(std::string_view(name).substr(3), a)) {
    return a < f.endpoints() ? static_cast<NodeId>(a) : kNone;
  }
  if (name.rfind("su", 0) == 0 && parse_index(std::string_view(name).substr(2), a)) {
    return a < names.scale_up.size() ? names.scale_up[a] : kNone;
  }
  const auto dot = name.find('.');
  if (name.size() > 1 && name[0] == 't' && dot != std::string::npos &&
      parse_index(std::string_view(name).substr(1, dot - 1), a) && parse_index(std::string_view(name).substr(dot + 1), b)) {
    if (a < 1 || a > kMaxTier || b >= names.tier[a].size()) return kNone;
    return names.tier[a][b];
  }
  return kNone;
}

}  // namespace

std::string node_name(const Fabric& f, NodeId n) {
  // snprintf rather than "acc" + to_string(...): the latter trips a GCC 12 -Wrestrict false positive.
  const Node& node = f.node(n);
  char buf[40];
  if (node.role == NodeRole::accelerator) {
    std::snprintf(buf, sizeof buf, "acc%u", n);
    return buf;
  }
  std::uint32_t j = 0;
  for (NodeId m = 0; m < n; ++m) {
    const Node& o = f.node(m);
    j += o.role == node.role && (node.role != NodeRole::fabric_switch || o.tier == node.tier);
  }
  if (node.role == NodeRole::scale_up_switch) {
    std::snprintf(buf, sizeof buf, "su%u", j);
  } else {
    std::snprintf(buf, sizeof buf, "t%u.%u", static_cast<unsigned>(node.tier), j);
  }
  return buf;
}

std::vector<std::string> node_names(const Fabric& f) {
  std::vector<std::string> out(f.node_count());
  std::uint32_t scale_up = 0;
  std::vector<std::uint32_t> per_tier;  // switches seen so far, by tier
  char buf[40];
  for (NodeId n = 0; n < f.node_count(); ++n) {
    const Node& node = f.node(n);
    if (node.role == NodeRole::accelerator) {
      std::snprintf(buf, sizeof buf, "acc%u", n);
    } else if (node.role == NodeRole::scale_up_switch) {
      std::snprintf(buf, sizeof buf, "su%u", scale_up++);
    } else {
      if (per_tier.size() <= static_cast<std::size_t>(node.tier)) per_tier.resize(static_cast<std::size_t>(node.tier) + 1, 0);
      std::snprintf(buf, sizeof buf, "t%u.%u", static_cast<unsigned>(node.tier), per_tier[node.tier]++);
    }
    out[n] = buf;
  }
  return out;
}

std::vector<FailureSpec> parse_failures(JsonReader& top) {
  std::vector<FailureSpec> out;
  const nlohmann::json& list = top.array("failures");
  for (std::size_t i = 0; i < list.size(); ++i) {
    JsonReader r(list[i], top.file(), top.element_path("failures", i));
    FailureSpec f;
    if (r.has("at")) {
      f.at = r.time("at");
      if (f.at->ps < 0) r.fail("at", "a failure cannot start before time zero");
    }
    if (r.has("until")) {
      f.until = r.time("until");
      const Time start = f.at.value_or(Time{});
      if (*f.until <= start) r.fail("until", "a failure must end after it starts (" + to_string(start) + ")");
    }
    if (r.has("switch") == r.has("link")) r.fail_here("give exactly one of \"switch\" or \"link\"");
    if (r.has("switch")) {
      f.node = r.string("switch");
      for (const char* k : {"index", "rate"}) {
        if (r.has(k)) r.fail(k, "only links have \"" + std::string(k) + "\" (a failed switch is down)");
      }
    } else {
      const nlohmann::json& ends = r.array("link");
      if (ends.size() != 2 || !ends[0].is_string() || !ends[1].is_string()) {
        r.fail("link", "expected two node names, such as [\"t1.0\", \"t2.3\"]");
      }
      f.node = ends[0].get<std::string>();
      f.peer = ends[1].get<std::string>();
      if (r.has("index")) f.index = static_cast<std::uint32_t>(r.integer("index", 0, 1 << 20));
      if (r.has("rate")) {
        f.rate = r.rate("rate");
        if (f.rate->bps == 0) r.fail("rate", "a rate of 0 is a link down: omit \"rate\" instead");
      }
    }
    r.finish();
    out.push_back(std::move(f));
  }
  return out;
}

nlohmann::json failures_to_json(const std::vector<FailureSpec>& failures) {
  nlohmann::json out = nlohmann::json::array();
  for (const FailureSpec& f : failures) {
    nlohmann::json j;
    if (f.peer.empty()) {
      j["switch"] = f.node;
    } else {
      j["link"] = {f.node, f.peer};
      if (f.index) j["index"] = *f.index;
      if (f.rate) j["rate"] = to_string(*f.rate);
    }
    if (f.at) j["at"] = to_string(*f.at);
    if (f.until) j["until"] = to_string(*f.until);
    out.push_back(std::move(j));
  }
  return out;
}

namespace {

// The links entry i names (validated); `whole_switch` is set for a switch entry.
std::vector<LinkId> resolve_entry(const Fabric& healthy, const NodeNames& names, const FailureSpec& f, std::size_t i,
                                  const std::string& file, bool& whole_switch) {
  const std::string path = "/failures/" + std::to_string(i);
  const NodeId a = resolve(healthy, names, f.node);
  const std::string which = f.peer.empty() ? "/switch" : "/link/0";
  if (a == kNone) throw ConfigError(file, path + which, "unknown node \"" + f.node + "\" (names: acc<i>, t<tier>.<j>, su<j>)");
  std::vector<LinkId> between;
  whole_switch = f.peer.empty();
  if (whole_switch) {
    if (healthy.node(a).role != NodeRole::fabric_switch) throw ConfigError(file, path + "/switch", "\"" + f.node + "\" is not a switch");
    for (const Port& p : healthy.ports_of(a)) between.push_back(p.link);
    return between;
  }
  const NodeId b = resolve(healthy, names, f.peer);
  if (b == kNone) throw ConfigError(file, path + "/link/1", "unknown node \"" + f.peer + "\" (names: acc<i>, t<tier>.<j>, su<j>)");
  for (const Port& p : healthy.ports_of(a)) {
    if (p.peer == b) between.push_back(p.link);
  }
  std::sort(between.begin(), between.end());
  if (between.empty()) throw ConfigError(file, path + "/link", "no link joins " + f.node + " and " + f.peer);
  if (f.index) {
    if (*f.index >= between.size()) {
      throw ConfigError(file, path + "/index", std::to_string(between.size()) + " parallel link(s) join " + f.node + " and " +
                                                   f.peer + "; index " + std::to_string(*f.index) + " does not exist");
    }
    between = {between[*f.index]};
  }
  for (const LinkId l : between) {
    if (f.rate && *f.rate > healthy.link(l).rate) {
      throw ConfigError(file, path + "/rate", "a degraded link cannot run faster than its healthy " + to_string(healthy.link(l).rate));
    }
  }
  return between;
}

}  // namespace

Fabric apply_failures(const Fabric& healthy, const std::vector<FailureSpec>& failures, const std::string& file,
                      FailureEffect* effect) {
  const NodeNames names(healthy);
  std::vector<Rate> rate(healthy.link_count());
  for (LinkId l = 0; l < healthy.link_count(); ++l) rate[l] = healthy.link(l).rate;
  std::vector<std::uint8_t> down(healthy.link_count(), 0);
  FailureEffect fx;
  for (std::size_t i = 0; i < failures.size(); ++i) {
    const FailureSpec& f = failures[i];
    bool whole_switch = false;
    const std::vector<LinkId> links = resolve_entry(healthy, names, f, i, file, whole_switch);
    if (f.timed()) continue;
    fx.switches_down += whole_switch;
    for (const LinkId l : links) {
      if (!f.rate) {
        down[l] = 1;
      } else {
        rate[l] = *f.rate;
      }
    }
  }
  for (LinkId l = 0; l < healthy.link_count(); ++l) {
    const std::uint64_t healthy_bps = healthy.link(l).rate.bps;
    if (down[l]) {
      ++fx.links_down;
      fx.capacity_lost_bps += healthy_bps;
    } else if (rate[l].bps != healthy_bps) {
      ++fx.links_degraded;
      fx.capacity_lost_bps += healthy_bps - rate[l].bps;
    }
  }
  Fabric failed = healthy.with_link_state(rate, down);
  if (effect != nullptr) {
    fx.healthy_bisection_bps = bisection_bps(healthy);
    fx.bisection_bps = bisection_bps(failed);
    *effect = fx;
  }
  return failed;
}

std::vector<LinkChange> failure_schedule(const Fabric& healthy, const std::vector<FailureSpec>& failures,
                                         const std::string& file) {
  const NodeNames names(healthy);
  struct Span {
    LinkId link;
    Time from, to;
    std::size_t entry;
    bool timed;                 // starts after time zero or ends
    std::optional<Rate> rate;   // a degradation; absent: down
  };
  std::vector<Span> spans;
  for (std::size_t i = 0; i < failures.size(); ++i) {
    const FailureSpec& f = failures[i];
    bool whole_switch = false;
    const std::vector<LinkId> links = resolve_entry(healthy, names, f, i, file, whole_switch);
    const bool timed = f.timed() || f.until.has_value();
    for (const LinkId l : links) spans.push_back(Span{l, f.at.value_or(Time{}), f.until.value_or(Time::max()), i, timed, f.rate});
  }
  std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) {
    return std::tie(x.link, x.from.ps, x.entry) < std::tie(y.link, y.from.ps, y.entry);
  });
  // Per link, overlapping "down" spans merge (the link is down while any of them holds); a
  // degradation overlapping anything timed is ambiguous (which rate?) and an error.
  std::vector<LinkChange> out;
  const auto flush = [&](const Span& merged, std::size_t end_entry) {
    if (merged.from.ps > 0) {
      out.push_back(LinkChange{merged.from, merged.link, merged.rate.has_value(), merged.rate.value_or(Rate{}), merged.entry, false});
    }
    if (merged.to != Time::max()) out.push_back(LinkChange{merged.to, merged.link, true, healthy.link(merged.link).rate, end_entry, true});
  };
  for (std::size_t k = 0; k < spans.size();) {
    Span merged = spans[k];
    std::size_t end_entry = merged.entry;
    for (++k; k < spans.size() && spans[k].link == merged.link && spans[k].from < merged.to; ++k) {
      const Span& b = spans[k];
      if ((merged.timed || b.timed) && (merged.rate || b.rate)) {
        const Link& l = healthy.link(b.link);
        throw ConfigError(file, "/failures/" + std::to_string(std::max(end_entry, b.entry)),
                          "overlaps /failures/" + std::to_string(std::min(end_entry, b.entry)) + " on the link " +
                              node_name(healthy, l.a) + " - " + node_name(healthy, l.b) +
                              ": a degraded rate cannot overlap another failure of the same link in time when either is "
                              "timed (\"at\"/\"until\"); overlapping down entries are fine");
      }
      merged.timed = merged.timed || b.timed;
      if (b.to > merged.to) {
        merged.to = b.to;
        end_entry = b.entry;
      }
    }
    flush(merged, end_entry);
  }
  std::stable_sort(out.begin(), out.end(), [](const LinkChange& x, const LinkChange& y) {
    return std::tie(x.at.ps, y.restore, x.entry, x.link) < std::tie(y.at.ps, x.restore, y.entry, y.link);
  });
  return out;
}

std::uint64_t bisection_bps(const Fabric& f) {
  if (f.max_tier() < 1) return 0;
  std::vector<std::uint64_t> level(static_cast<std::size_t>(f.max_tier()) + 1, 0);  // [1..T]
  for (LinkId l = 0; l < f.link_count(); ++l) {
    const Link& link = f.link(l);
    if (!f.link_up(l) || link.kind == LinkKind::scale_up) continue;
    level[link.kind == LinkKind::nic ? 1 : link.tier] += link.rate.bps;
  }
  std::uint64_t out = UINT64_MAX;
  for (std::size_t t = 1; t < level.size(); ++t) out = std::min(out, level[t] / 2);
  return out;
}

}  // namespace rocesim::topology

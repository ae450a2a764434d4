#include "flow/spread.hpp"

#include <string>

#include "core/config_error.hpp"

namespace rocesim::flow {

routing::RoutingParams fluid_routing_params(routing::RoutingParams p) {
  if (p.load_balancing == routing::LoadBalancing::flowlet) p.load_balancing = routing::LoadBalancing::ecmp;
  return p;
}

routing::RoutingParams uet_routing_params(routing::RoutingParams p) {
  if (p.load_balancing != routing::LoadBalancing::adaptive) p.load_balancing = routing::LoadBalancing::spray;
  return p;
}

bool take_fluid_transport(nlohmann::json& params) {
  if (!params.is_object() || !params.contains("nic")) return false;
  const nlohmann::json nic = params["nic"];
  if (!nic.is_object()) throw ConfigError("--set", "/backend/nic", "expected an object such as {\"transport\": \"uet\"}");
  for (const auto& [key, value] : nic.items()) {
    if (key != "transport") {
      throw ConfigError("--set", "/backend/nic/" + key,
                        "the fluid backend takes only nic.transport (roce or uet); other nic keys are the packet "
                        "backend's (--backend packet)");
    }
  }
  const nlohmann::json& t = nic["transport"];
  if (t.is_array()) {
    throw ConfigError("--set", "/backend/nic/transport",
                      "a transport per class (RoCE and UET jobs on one fabric) is modelled by the packet backend only");
  }
  if (!t.is_string() || (t != "roce" && t != "uet")) {
    throw ConfigError("--set", "/backend/nic/transport", "expected \"roce\" or \"uet\"");
  }
  params.erase("nic");
  return t == "uet";
}

Spreader::Spreader(const topology::Fabric& fabric, const routing::Router& router)
    : fabric_(fabric), router_(router), mode_(router.params().load_balancing) {
  if (mode_ == routing::LoadBalancing::flowlet) {
    throw ConfigError("", "/routing/load_balancing",
                      "'flowlet' is not modelled by the fluid backend (flowlets are cut at packet gaps, which a "
                      "fluid flow does not have); expected ecmp, spray or adaptive, or use --backend packet");
  }
  if (spreads()) {
    node_frac_.assign(fabric.node_count(), 0.0);
    port_frac_.assign(fabric.port_count(), 0.0);
  }
}

void Spreader::spread(const routing::FlowKey& key, std::span<const topology::PortId> path,
                      std::vector<ConstraintId>& ports, std::vector<double>& coefs) {
  const auto pinned = [&] {
    for (topology::PortId p : path) {
      ports.push_back(p);
      coefs.push_back(1.0);
    }
  };
  if (!spreads()) return pinned();
  // A relay accelerator inside the path: the packet tier keeps such paths pinned.
  for (std::size_t i = 0; i + 1 < path.size(); ++i)
    if (fabric_.node(fabric_.port(path[i]).peer).role == topology::NodeRole::accelerator) return pinned();

  const std::size_t first = ports.size();
  ports.push_back(path[0]);
  coefs.push_back(1.0);
  level_.assign(1, fabric_.port(path[0]).peer);
  node_frac_[level_[0]] = 1.0;
  // Bounded like Router::path: an up-down route has at most a few dozen hops.
  for (int hop = 0; hop < 64 && !level_.empty(); ++hop) {
    next_.clear();
    for (topology::NodeId n : level_) {
      const double phi = node_frac_[n];
      node_frac_[n] = 0.0;
      if (n == key.dst) continue;
      const auto add = [&](topology::PortId p, double a) {
        if (port_frac_[p] == 0.0) ports.push_back(p);
        port_frac_[p] += a;
        const topology::NodeId m = fabric_.port(p).peer;
        if (node_frac_[m] == 0.0) next_.push_back(m);
        node_frac_[m] += a;
      };
      if (fabric_.node(n).role != topology::NodeRole::fabric_switch) {
        add(router_.select(n, key), phi);
        continue;
      }
      const routing::PortRange c = router_.candidates(n, key.dst);
      double total = 0.0;
      for (std::uint32_t i = 0; i < c.count; ++i) total += static_cast<double>(router_.port_rate(c.at(i)).bps);
      if (!(total > 0.0)) continue;  // no way on from n (cannot happen on a routable fabric)
      for (std::uint32_t i = 0; i < c.count; ++i)
        add(c.at(i), phi * static_cast<double>(router_.port_rate(c.at(i)).bps) / total);
    }
    level_.swap(next_);
  }
  for (std::size_t i = first + 1; i < ports.size(); ++i) {
    coefs.push_back(port_frac_[ports[i]]);
    port_frac_[ports[i]] = 0.0;
  }
  for (topology::NodeId n : level_) node_frac_[n] = 0.0;
}

}  // namespace rocesim::flow

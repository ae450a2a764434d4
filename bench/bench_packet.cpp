// Packet-backend benchmark: runs a flow-list CSV (`id,src,dst,bytes,start_us,after`, the
// /work/shared/bench format) on a topology file through PacketNet and prints wall time, events,
// events/s, FCT min/p50/p99/max and makespan. A flow starts at start_us or, when `after` is set,
// when flow `after` completes (all bytes delivered and acknowledged: nic.complete_on = "ack").
// It drives the backend directly (`rocesim run --backend packet` runs the same flows through the
// workload layer, with its own flow labels).
// Usage: bench_packet TOPOLOGY.json FLOWS.csv [key=value ...]: PacketNet parameters such as
// nic.qps_per_connection=4, pfc.xoff=60000 or nic.receiver=reorder_tolerant; routing.seed=N,
// routing.hash=uniform, routing.load_balancing=ecmp|spray|flowlet|adaptive and
// routing.flowlet_gap=TIME (e.g. 4us); cc.* for the congestion control.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "core/simulator.hpp"
#include "cc/cc_factory.hpp"
#include "net/packet_net.hpp"
#include "routing/router.hpp"
#include "topology/topology.hpp"

namespace {

using namespace rocesim;

struct Flow {
  std::uint32_t src = 0, dst = 0;
  std::int64_t bytes = 0;
  std::int64_t start_ps = -1;  // -1: starts after `after`
  std::uint32_t after = UINT32_MAX;
  Time started{}, done{};
};

std::vector<Flow> read_flows(const std::string& path, std::vector<std::vector<std::uint32_t>>& children) {
  std::ifstream in(path);
  if (!in) throw ConfigError(path, "", "cannot open flow list");
  std::string line;
  std::getline(in, line);  // header
  std::vector<Flow> flows;
  std::vector<std::uint64_t> ids;
  std::size_t lineno = 1;
  while (std::getline(in, line)) {
    ++lineno;
    if (line.empty()) continue;
    std::vector<std::string> col;
    std::stringstream ss(line);
    std::string c;
    while (std::getline(ss, c, ',')) col.push_back(c);
    if (col.size() == 5) col.emplace_back();
    if (col.size() != 6) throw ConfigError(path, "line " + std::to_string(lineno), "expected 6 columns");
    Flow f;
    ids.push_back(std::stoull(col[0]));
    f.src = static_cast<std::uint32_t>(std::stoul(col[1]));
    f.dst = static_cast<std::uint32_t>(std::stoul(col[2]));
    f.bytes = std::stoll(col[3]);
    if (!col[4].empty()) f.start_ps = static_cast<std::int64_t>(std::stod(col[4]) * 1e6);
    if (!col[5].empty()) f.after = static_cast<std::uint32_t>(std::stoul(col[5]));
    flows.push_back(f);
  }
  // Map `after` ids to indices (ids are 1..n in order in the shared lists, but do not rely on it).
  std::vector<std::pair<std::uint64_t, std::uint32_t>> by_id;
  for (std::uint32_t i = 0; i < ids.size(); ++i) by_id.emplace_back(ids[i], i);
  std::sort(by_id.begin(), by_id.end());
  children.assign(flows.size(), {});
  for (std::uint32_t i = 0; i < flows.size(); ++i) {
    if (flows[i].after == UINT32_MAX) continue;
    auto it = std::lower_bound(by_id.begin(), by_id.end(), std::make_pair<std::uint64_t, std::uint32_t>(flows[i].after, 0));
    if (it == by_id.end() || it->first != flows[i].after) throw ConfigError(path, "flow " + std::to_string(ids[i]), "unknown `after`");
    children[it->second].push_back(i);
  }
  return flows;
}

class Driver final : public EventHandler, public TransferSink {
 public:
  Driver(Simulator& sim, net::PacketNet& net, std::vector<Flow>& flows, std::vector<std::vector<std::uint32_t>>& children)
      : sim_(sim), net_(net), flows_(flows), children_(children) {}
  void on_event(Simulator&, std::uint32_t, std::uint64_t arg) override { launch(static_cast<std::uint32_t>(arg)); }
  void on_transfer_done(std::uint64_t tag, Time now) override {
    flows_[tag].done = now;
    ++done_;
    for (std::uint32_t c : children_[tag]) launch(c);
  }
  void launch(std::uint32_t i) {
    flows_[i].started = sim_.now();
    net_.start(TransferRequest{flows_[i].src, flows_[i].dst, Bytes{flows_[i].bytes}, i, 0, i});
  }
  std::size_t done() const { return done_; }

 private:
  Simulator& sim_;
  net::PacketNet& net_;
  std::vector<Flow>& flows_;
  std::vector<std::vector<std::uint32_t>>& children_;
  std::size_t done_ = 0;
};

int run(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: bench_packet TOPOLOGY.json FLOWS.csv [cc.key=value | routing.seed=N | net.key=value ...]\n");
    return 2;
  }
  const topology::Fabric fabric = topology::build_fabric(topology::load_topology_file(argv[1]));
  nlohmann::json doc = nlohmann::json::object();
  doc["nic"]["complete_on"] = "ack";
  nlohmann::json root = nlohmann::json::object();  // holds "cc" when any cc.* argument is given
  routing::RoutingParams rp;
  for (int a = 3; a < argc; ++a) {
    const std::string arg = argv[a];
    if (arg.rfind("routing.seed=", 0) == 0) {
      rp.seed = std::stoull(arg.substr(13));
    } else if (arg == "routing.hash=uniform") {
      rp.hash = routing::HashKind::uniform;
    } else if (arg.rfind("routing.load_balancing=", 0) == 0) {
      const std::string lb = arg.substr(23);
      if (lb == "ecmp") {
        rp.load_balancing = routing::LoadBalancing::ecmp;
      } else if (lb == "spray") {
        rp.load_balancing = routing::LoadBalancing::spray;
      } else if (lb == "flowlet") {
        rp.load_balancing = routing::LoadBalancing::flowlet;
      } else if (lb == "adaptive") {
        rp.load_balancing = routing::LoadBalancing::adaptive;
      } else {
        throw ConfigError("--set", "/routing/load_balancing", "expected ecmp, spray, flowlet or adaptive, got \"" + lb + "\"");
      }
    } else if (arg.rfind("routing.flowlet_gap=", 0) == 0) {
      nlohmann::json gap = nlohmann::json::object();
      apply_override(gap, "flowlet_gap=" + arg.substr(20));
      JsonReader r(gap, "--set", "/routing");
      rp.flowlet_gap = r.time_or("flowlet_gap", rp.flowlet_gap);
      r.finish();
    } else if (arg.rfind("cc.", 0) == 0) {
      apply_override(root, arg);
    } else {
      apply_override(doc, arg);
    }
  }
  const routing::Router router(fabric, rp);
  JsonReader reader(doc, "--set");
  const net::NetParams params = net::read_net_params(reader);
  cc::CcSetup cc = cc::make_cc_strategy(root.contains("cc") ? root["cc"] : nlohmann::json(), "--set",
                                        cc::cc_context(params));

  std::vector<std::vector<std::uint32_t>> children;
  std::vector<Flow> flows = read_flows(argv[2], children);
  Simulator sim;
  net::PacketNet net(sim, fabric, router, params, std::move(cc.strategy));
  Driver driver(sim, net, flows, children);
  net.set_sink(&driver);
  for (std::uint32_t i = 0; i < flows.size(); ++i) {
    if (flows[i].start_ps >= 0) sim.schedule_at(Time{flows[i].start_ps}, &driver, 0, i);
  }
  const auto t0 = std::chrono::steady_clock::now();
  const std::clock_t c0 = std::clock();
  sim.run();
  const double cpu = static_cast<double>(std::clock() - c0) / CLOCKS_PER_SEC;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (net.stall().stalled) {
    std::fprintf(stderr, "stalled: %s\n", net.stall_message().c_str());
    return 1;
  }
  if (driver.done() != flows.size()) {
    std::fprintf(stderr, "only %zu of %zu flows completed\n", driver.done(), flows.size());
    return 1;
  }
  std::vector<double> fct;
  Time makespan{};
  double total_bytes = 0;
  for (const Flow& f : flows) {
    fct.push_back((f.done - f.started).us());
    makespan = std::max(makespan, f.done);
    total_bytes += static_cast<double>(f.bytes);
  }
  std::sort(fct.begin(), fct.end());
  const auto pct = [&](double q) { return fct[std::min(fct.size() - 1, static_cast<std::size_t>(q * static_cast<double>(fct.size())))]; };
  const auto& c = net.counters();
  if (root.contains("cc")) std::printf("cc %s\n", cc.effective.dump().c_str());
  std::uint64_t pauses = 0;
  for (const auto& pc : net.all_port_counters()) pauses += pc.pauses_sent;
  std::printf("flows %zu  wall %.3f s  cpu %.3f s  events %llu  events/s %.2f M\n", flows.size(), wall, cpu,
              static_cast<unsigned long long>(sim.events_executed()), static_cast<double>(sim.events_executed()) / wall / 1e6);
  std::printf("FCT us: min %.1f p50 %.1f p99 %.1f max %.1f  makespan %.3f ms  throughput %.1f Gb/s (%s)\n", fct.front(),
              pct(0.5), pct(0.99), fct.back(), makespan.seconds() * 1e3, total_bytes * 8 / makespan.seconds() / 1e9,
              routing::to_string(rp.load_balancing));
  std::printf("packets sent %llu retransmitted %llu naks %llu placed out of order %llu drops %llu lossless drops %llu "
              "pause frames %llu (XOFF %llu) peak packets %zu cnps %llu\n",
              static_cast<unsigned long long>(c.data_packets_sent), static_cast<unsigned long long>(c.retransmitted_packets),
              static_cast<unsigned long long>(c.naks_sent), static_cast<unsigned long long>(c.placed_out_of_order),
              static_cast<unsigned long long>(c.drops), static_cast<unsigned long long>(c.lossless_drops),
              static_cast<unsigned long long>(c.pause_frames), static_cast<unsigned long long>(pauses), c.peak_packets_in_use,
              static_cast<unsigned long long>(c.cnps_sent));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const rocesim::ConfigError& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return rocesim::kExitBadInput;
  }
}

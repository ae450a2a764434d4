#include "observe/backend_observer.hpp"

#include <algorithm>
#include <string>

#include "flow/fluid_net.hpp"
#include "net/packet_net.hpp"

namespace rocesim::observe {
namespace {

// True once PacketNet exposes the current queue depth of a port (a dependent expression, so a
// missing member is "false", not an error).
template <class Net>
constexpr bool kHasQueueBytes = requires(const Net& n) { n.queue_bytes(topology::PortId{}); };

template <class Net>
class PacketProbe final : public PortProbe {
 public:
  explicit PacketProbe(const Net& net) : net_(net) {}
  void tx_bytes(std::span<double> out) const override {
    for (topology::PortId p = 0; p < out.size(); ++p) out[p] = net_.serialized_bytes(p);
  }
  bool track_activity() override { return true; }  // touched_ports() is kept always (it only grows)
  std::span<const topology::PortId> active_ports() const override { return net_.touched_ports(); }
  void tx_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    for (const topology::PortId p : ports) out[p] = net_.serialized_bytes(p);
  }
  void paused_ps_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    for (const topology::PortId p : ports) out[p] = static_cast<double>(net_.paused_time_now(p).ps);
  }
  void queue_bytes_of(std::span<const topology::PortId> ports, std::span<std::int64_t> out) const override {
    if constexpr (kHasQueueBytes<Net>) {
      for (const topology::PortId p : ports) out[p] = net_.queue_bytes(p);
    }
  }
  bool has_pauses() const override { return true; }
  void paused_ps(std::span<double> out) const override {
    for (topology::PortId p = 0; p < out.size(); ++p) out[p] = static_cast<double>(net_.paused_time_now(p).ps);
  }
  bool has_queues() const override { return kHasQueueBytes<Net>; }
  void queue_bytes(std::span<std::int64_t> out) const override {
    if constexpr (kHasQueueBytes<Net>) {
      for (topology::PortId p = 0; p < out.size(); ++p) out[p] = net_.queue_bytes(p);
    }
  }

 private:
  const Net& net_;
};

class FluidProbe final : public PortProbe {
 public:
  explicit FluidProbe(flow::FluidNet& net) : net_(net) {}
  void tx_bytes(std::span<double> out) const override {
    net_.sampled_port_bytes(out);  // O(ports): integrated loads, not a pass over every flow
  }
  // Only the ports a flow crossed since the last sample (at 131k GPUs, a million ports mostly
  // idle: reading them all cost ~20 ms per sample).
  bool track_activity() override {
    net_.track_loaded_ports();
    return true;
  }
  std::span<const topology::PortId> active_ports() const override { return net_.loaded_ports(); }
  void tx_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const override {
    net_.sampled_port_bytes_of(ports, out);
  }
  void sampled() override { net_.prune_loaded_ports(); }

 private:
  flow::FluidNet& net_;
};

}  // namespace

std::unique_ptr<PortProbe> make_port_probe(TransferBackend& backend) {
  if (const auto* packet = dynamic_cast<const net::PacketNet*>(&backend)) {
    return std::make_unique<PacketProbe<net::PacketNet>>(*packet);
  }
  if (auto* fluid = dynamic_cast<flow::FluidNet*>(&backend)) return std::make_unique<FluidProbe>(*fluid);
  return nullptr;
}

void collect_ports(const TransferBackend& backend, const TransferRecorder& recorder, RunRecord& record) {
  // The backend's configuration warnings belong with the numbers they may have spoiled.
  for (const std::string& w : backend.warnings()) record.notes.push_back("warning: " + w);
  record.ports.clear();
  record.pauses.clear();
  record.pauses_complete = false;
  if (const auto* packet = dynamic_cast<const net::PacketNet*>(&backend)) {
    const std::vector<net::PortCounters> counters = packet->all_port_counters();
    record.ports.resize(counters.size());
    for (std::size_t p = 0; p < counters.size(); ++p) {
      const net::PortCounters& c = counters[p];
      PortRecord& r = record.ports[p];
      r.tx_bytes = static_cast<double>(c.tx_wire_bytes);
      // Pauses still in progress count up to now, as in `pauses` below (a stalled run ends paused).
      r.paused = packet->paused_time_now(static_cast<topology::PortId>(p));
      r.pauses_received = c.pauses_received;
      r.longest_pause = c.longest_pause;
      r.ecn_marks = c.ecn_marks;
      r.drops = c.drops;
      r.max_queue_bytes = c.max_queue_bytes;
      r.trims = c.trims;
    }
    const std::vector<net::PauseSpan> spans = packet->pause_spans_now();
    record.pauses.reserve(spans.size());
    for (const net::PauseSpan& s : spans) record.pauses.push_back(PauseInterval{s.port, s.begin, s.end});
    std::sort(record.pauses.begin(), record.pauses.end(), [](const PauseInterval& a, const PauseInterval& b) {
      return a.port != b.port ? a.port < b.port : a.begin != b.begin ? a.begin < b.begin : a.end < b.end;
    });
    record.pauses_complete = packet->pause_spans_complete();
    if (!record.pauses_complete) {
      record.notes.push_back("the PFC pause log stopped at " + std::to_string(net::PacketNet::kMaxPauseSpans) +
                             " pauses: critical links' paused_us is each port's whole-run pause time, not the op's window");
    }
    record.has_pfc = record.has_ecn = record.has_drops = record.has_queues = true;
    record.has_trims = packet->params().nic.transport == net::Transport::uet;
    return;
  }
  std::vector<double> bytes;
  if (const auto* fluid = dynamic_cast<const flow::FluidNet*>(&backend)) {
    bytes = fluid->port_bytes();
  } else {
    bytes = recorder.path_bytes();
  }
  record.ports.resize(bytes.size());
  for (std::size_t p = 0; p < bytes.size(); ++p) record.ports[p].tx_bytes = bytes[p];
  record.has_pfc = record.has_ecn = record.has_drops = record.has_queues = record.has_trims = false;
}

}  // namespace rocesim::observe

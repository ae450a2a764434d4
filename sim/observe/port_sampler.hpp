// PortSampler: utilization and queue-depth time series of egress ports in bounded memory.
//
// Units: bytes as counts, time in integer ps, utilization 0..1.
// What is sampled: at instants t_1 < t_2 < ... (t_k = k·interval, the last one the run's end),
// each port's cumulative tx bytes B_p(t) (and its queue depth q_p(t) where the backend has
// queues) through a PortProbe. Per interval k:
//   utilization_p,k = 8·(B_p(t_k) − B_p(t_{k−1})) / (rate_p · (t_k − t_{k−1}))
//   queue_p,k       = q_p(t_k) (instantaneous), or the max over merged intervals (below).
// Why every port: the ports worth showing are the hottest ones, known only at the end of the
// run, so the history of every port is kept and the top ones (by whole-run utilization) are
// extracted by finish().
// Memory bound: the history holds per-interval deltas as float (4 B, queue another 4 B) in a
// samples × width table. The sample capacity is S = min(max_samples, budget_cells / ports)
// (even). When the table is full, adjacent pairs are merged (bytes summed, queue max) and the
// interval doubles, so a run of any length keeps between S/2 and S samples and never grows.
// If ports · min_samples > budget_cells (very large fabrics), ports are aggregated into groups
// (the caller's tiers): width = groups, utilization = 8·ΣΔB / (Σrate · Δt) over the group's
// ports (capacity-weighted mean), queue = max over its ports.
// Per-tier aggregates (TimeSeries::tier_*) are kept beside the per-port or per-group table, for
// every group, at the same instants: Σ ΔB, max over ports of the interval's utilization, Σ queue
// and Σ paused time per group (merged pairwise like the table: sums add, maxima take the max).
// They cost O(ports) per sample, the same pass that reads the counters — O(active ports) when
// the probe tracks activity (PortProbe::track_activity): a port whose counters have not moved
// since the previous sample adds exactly 0 to every sum (and keeps its last reading), so only
// the ports the probe lists are read, in ascending port order as in the full pass (same float
// sums, same output). The order comes from a bitmap of the listed ports (ports/64 words scanned
// per sample), not from sorting.
// Interval: the first is SamplerConfig::interval, or 100 ns when automatic; doubling makes it
// fit any run length.
// Driving: the caller runs the simulator up to next_at() and calls sample() (run_pipeline.cpp
// does it with Simulator::run_until, so no sampling event ever sits in the queue and the
// simulated end of the run is unchanged by observation).
// Thread safety: none.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/units.hpp"
#include "observe/run_record.hpp"
#include "topology/fabric.hpp"

namespace rocesim::observe {

// A backend's per-port counters, read in bulk at sampling instants.
// Ports that may be read selectively: a probe that tracks activity lists every port whose
// readings (tx, queue or paused) may have changed since the previous sample, and the sampler
// reads only those, through the *_of calls, which write out[p] for each listed p; a port not
// listed reads what it read last time (0 if never listed). Without it each sample reads every
// port (a million on a 131k-GPU fabric, most of them idle for the whole run).
class PortProbe {
 public:
  virtual ~PortProbe() = default;
  // Asks the probe to list active ports from now on (the sampler calls it once, before the run);
  // false if it cannot, and then every sample reads every port.
  virtual bool track_activity() { return false; }
  // The ports whose readings may have changed since the previous sample (a superset is fine),
  // each once, any order. REQUIRES: track_activity() returned true.
  virtual std::span<const topology::PortId> active_ports() const { return {}; }
  // Called after each sample has read the listed ports: the probe may drop from its list a port
  // whose readings cannot change until it lists it again and whose queue reads 0 (a port not
  // listed adds nothing to a sample, which is what such a port would add).
  virtual void sampled() {}
  virtual void tx_bytes_of(std::span<const topology::PortId> ports, std::span<double> out) const {
    (void)ports;
    (void)out;
  }
  virtual void queue_bytes_of(std::span<const topology::PortId> ports, std::span<std::int64_t> out) const {
    (void)ports;
    (void)out;
  }
  virtual void paused_ps_of(std::span<const topology::PortId> ports, std::span<double> out) const {
    (void)ports;
    (void)out;
  }
  // Cumulative bytes each port (index: PortId) has transmitted up to the simulator's now().
  virtual void tx_bytes(std::span<double> out) const = 0;
  virtual bool has_queues() const { return false; }
  // Bytes queued at each egress port now. REQUIRES: has_queues().
  virtual void queue_bytes(std::span<std::int64_t> out) const { (void)out; }
  virtual bool has_pauses() const { return false; }
  // Cumulative picoseconds each port has been paused by PFC up to now (pauses in progress
  // included). REQUIRES: has_pauses().
  virtual void paused_ps(std::span<double> out) const { (void)out; }
};

struct SamplerConfig {
  Time interval{};                        // first interval; Time{} = automatic
  std::size_t budget_cells = 8u << 20;    // port × sample cells kept (4 B each, 8 B with queues)
  std::size_t max_samples = 512;
  std::size_t min_samples = 32;           // fewer per-port samples than this: aggregate by group
  std::size_t top_ports = 16;             // series written by finish() in per-port mode (--series-ports)
};
inline constexpr std::size_t kMaxSeriesPorts = 4096;  // --series-ports upper bound (rows = samples × ports)

inline constexpr Time kAutoFirstInterval{100'000};  // 100 ns

class PortSampler {
 public:
  // group_of_port[p] < group_names.size() for every port: the aggregation used on large fabrics.
  // REQUIRES: fabric and probe outlive the sampler.
  PortSampler(const topology::Fabric& fabric, PortProbe& probe, SamplerConfig config,
              std::vector<std::uint32_t> group_of_port, std::vector<std::string> group_names);

  bool per_port() const { return per_port_; }
  Time interval() const { return interval_; }
  std::size_t capacity() const { return capacity_; }
  // The instant the next sample is due.
  Time next_at() const { return last_at_.saturating_add(interval_); }
  // REQUIRES: now == next_at(), and the simulator has run every event at or before now.
  void sample(Time now);
  // Takes a last sample at `end` if it is past the last one, then returns the series: in per-port
  // mode the top_ports ports by whole-run utilization (ascending port id; ports that carried
  // nothing are left out), in aggregate mode every group that carried bytes.
  TimeSeries finish(Time end);

 private:
  void take(Time now);
  void list_active();
  void merge_pairs();
  void fill_tiers(TimeSeries& ts) const;

  const topology::Fabric& fabric_;
  PortProbe& probe_;
  SamplerConfig config_;
  std::vector<std::uint32_t> group_of_port_;
  std::vector<std::string> group_names_;
  bool per_port_ = true;
  bool queues_ = false;
  std::size_t width_ = 0;
  std::size_t capacity_ = 0;
  Time interval_{};
  Time last_at_{};
  std::vector<Time> at_;
  std::vector<float> delta_;   // [sample * width + column]
  std::vector<float> queue_;   // same layout, when queues_
  std::vector<double> last_;   // cumulative bytes per port at last_at_
  std::vector<double> cum_;    // scratch, per port
  std::vector<std::int64_t> qnow_;  // scratch, per port
  bool selective_ = false;          // the probe tracks activity: read only active_
  std::vector<topology::PortId> active_;  // this sample's listed ports, ascending (summation order)
  std::vector<std::uint64_t> listed_;     // scratch bitmap over ports (all zero between samples)
  // Per-tier aggregates, [sample * groups + g].
  bool pauses_ = false;
  std::vector<double> port_bps_;
  std::vector<double> group_bps_;
  std::vector<std::size_t> group_ports_;
  std::vector<double> t_bytes_, t_max_, t_queue_, t_paused_;
  std::vector<double> last_paused_, paused_now_;  // per port, cumulative ps
};

}  // namespace rocesim::observe

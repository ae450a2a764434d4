// bench_fluid: wall time, memory and event rate of the fluid backend on rail-optimized fabrics,
// for one data-parallel all-reduce step (and optionally an MoE all-to-all). A program that
// prints figures (scripts/bench_fluid.sh tabulates them), never a unit test.
//
// Fabric: --topology FILE (with --set overrides, e.g. rail_optimized.units=32 to cut the
// 131,072-accelerator example topologies/rail_131k.json down by whole units; ACCELERATORS is then
// ignored), or generated from ACCELERATORS (1:1 everywhere, 400 Gb/s NICs and fabric links, 8
// accelerators per server on an 8-way scale-up switch): rail-optimized, 32 servers per scalable
// unit, rail leaves of radix 64 (32 down, 32 up), 8 units per pod with 32 spines of radix 128,
// and a core tier of 64 cores per spine plane joining the pods (N / 2048 pods).
// --lb spray spreads every flow over its ECMP candidates (routing.load_balancing).
// Parallelism (Llama-3-405B-like): TP 8 inside a server, PP 16, DP = N / 128; rank r = endpoint r,
// tp = r mod 8, pp = ⌊r/8⌋ mod 16, dp = ⌊r/128⌋. Each (tp, pp) pair is one DP group of DP ranks,
// all on rail tp. The step: every DP group runs a ring all-reduce of `bytes` per rank
// (2(DP−1) ring steps, `channels` parallel rings on flow labels 0..C−1).
// MoE (--moe BYTES): afterwards, all-to-all in EP groups of min(64, DP) consecutive DP ranks of
// each (tp, pp): --a2a nccl (default) follows NCCL's schedule (workload algorithm nccl; streamed by
// bench/nccl_stream.hpp), --a2a pairwise sends to one peer at a time (the default before).
// --slack EPS sets the fluid tier's resolve_slack (0: exact); --bundle 1 its bundle_parallel (the
// k channels of one NCCL peer piece as one variable; 0, the default: one variable per transfer);
// --fair-tol DELTA its fair_tolerance (0: exact).
// Churn (--churn K): instead, every accelerator sends K transfers one after another, each to a
// uniformly random other accelerator, of uniformly random size in [1, 2·bytes/K] (seeded): an
// asynchronous start/finish stream whose flows all meet in the spine and core tiers (the giant
// component), to measure the incremental solver's work per event against a full re-solve.
#include <sys/resource.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "core/rng.hpp"
#include "nccl_stream.hpp"
#include "core/simulator.hpp"
#include "flow/fluid_net.hpp"
#include "topology/topology.hpp"
#include "workload/collectives.hpp"
#include "workload/dag_executor.hpp"

using namespace rocesim;

namespace {

nlohmann::json rail_fabric_json(std::uint32_t accelerators) {
  const std::uint32_t units = accelerators / 256;
  nlohmann::json j;
  j["name"] = "rail_bench_" + std::to_string(accelerators);
  j["generator"] = "rail_optimized";
  j["server"] = {{"accelerators", 8}};
  j["scale_up"] = {{"size", 8}, {"rate", "3600Gbps"}, {"latency", "250ns"}};
  nlohmann::json r;
  r["units"] = units;
  r["servers_per_unit"] = 32;
  r["spines"] = 32;
  r["nic_link"] = {{"rate", "400Gbps"}, {"latency", "500ns"}};
  r["rail_leaf"] = {{"radix", 64}, {"oversubscription", "1:1"}, {"uplink", {{"rate", "400Gbps"}, {"latency", "500ns"}}}};
  const bool core = units > 8;
  if (core) {
    r["core"] = true;
    r["units_per_pod"] = 8;
    r["cores_per_plane"] = 64;
    r["spine"] = {{"radix", 128}, {"oversubscription", "1:1"}, {"uplink", {{"rate", "400Gbps"}, {"latency", "500ns"}}}};
    r["core_radix"] = units / 8;
  } else {
    r["spine"] = {{"radix", units * 8}};
  }
  j["rail_optimized"] = r;
  return j;
}

// CPU seconds of this process (user + system): the honest figure on a shared, loaded machine.
double cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

long peak_rss_mib() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss / 1024;
}

// Closed-loop random traffic: each rank's next transfer starts when its previous one completes.
struct Churn final : TransferSink {
  TransferBackend* net = nullptr;
  std::uint32_t n = 0;
  std::uint32_t per_rank = 0;
  std::int64_t max_bytes = 1;
  std::vector<std::uint32_t> sent;
  std::uint64_t completed = 0;
  Rng rng{derive_seed(1, "fluid-bench-churn")};
  void send(std::uint32_t src) {
    auto dst = static_cast<std::uint32_t>(rng.below(n - 1));
    if (dst >= src) ++dst;
    const auto b = 1 + static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(max_bytes)));
    net->start(TransferRequest{src, dst, Bytes{b}, sent[src], 0, src});
    ++sent[src];
  }
  void on_transfer_done(std::uint64_t tag, Time) override {
    ++completed;
    const auto src = static_cast<std::uint32_t>(tag);
    if (sent[src] < per_rank) send(src);
  }
};

// --driver stream: the same step without materializing a DAG (memory O(accelerators)), for the
// largest fabrics. Ring all-reduce per DP group as lower_ring does it with one channel and one
// chunk: rank d sends ring step s to d+1 once it has sent step s−1 and received step s−1 from d−1;
// step s moves piece (d − s) mod DP (reduce-scatter, s < DP−1) or (d + 1 − s') mod DP (all-gather,
// s' = s − DP + 1) of the buffer. A rank done with its all-reduce starts its pairwise all-to-all
// (if --moe): EP − 1 sends of moe/EP bytes to positions e+1, e+2, … of its EP group, one at a time.
struct StreamStep final : TransferSink {
  TransferBackend* net = nullptr;
  std::uint32_t n = 0, dp = 0, ep = 0, steps = 0;
  std::int64_t bytes = 0, moe_bytes = 0;
  std::vector<std::uint32_t> sent, received, round;
  std::vector<std::uint8_t> busy;
  std::uint64_t transfers = 0, ar_done = 0, moe_done = 0;
  // moe_s, printed by both drivers: from the last all-reduce's end to the last all-to-all's end
  // (so ar_s + moe_s is the step); moe_span_s: from the first all-to-all's start.
  Time ar_end{}, moe_start{}, moe_end{};
  bool moe_started = false;
  // FNV-1a over every completion's (tag, picosecond) in callback order: equal digests mean the
  // simulated results are identical, to the picosecond, and were reported in the same order.
  std::uint64_t digest = 14695981039346656037ULL;
  void mix(std::uint64_t x) {
    for (int i = 0; i < 8; ++i) {
      digest ^= (x >> (8 * i)) & 0xff;
      digest *= 1099511628211ULL;
    }
  }

  static constexpr std::uint32_t kGroup = 128;  // TP 8 × PP 16 ranks per DP index
  std::uint32_t at(std::uint32_t r, std::uint32_t d) const { return d * kGroup + r % kGroup; }
  std::uint32_t pos(std::uint32_t r) const { return r / kGroup; }

  void begin() {
    steps = 2 * (dp - 1);
    sent.assign(n, 0);
    received.assign(n, 0);
    round.assign(n, 0);
    busy.assign(n, 0);
    for (std::uint32_t r = 0; r < n; ++r) try_send(r);
  }
  Simulator* sim = nullptr;
  const flow::FluidNet* fluid = nullptr;
  double cpu0 = 0;
  // Progress on stderr every 2^16 completions (the NCCL stream's included), so a run cut short
  // still yields its rate.
  std::uint64_t completions = 0;
  void progress() {
    if ((++completions & ((1u << 16) - 1)) != 0) return;
    const flow::SolveStats ss = fluid != nullptr ? fluid->solver_stats() : flow::SolveStats{};
    std::fprintf(stderr,
                 "progress completions=%llu ar_done=%llu moe_done=%llu simulated_s=%.6f cpu_s=%.1f rss_mib=%ld "
                 "solves=%llu rounds=%llu filled_vars=%llu repeat_filled_vars=%llu\n",
                 static_cast<unsigned long long>(completions), static_cast<unsigned long long>(ar_done),
                 static_cast<unsigned long long>(moe_done), sim->now().seconds(), cpu_seconds() - cpu0, peak_rss_mib(),
                 static_cast<unsigned long long>(ss.solves), static_cast<unsigned long long>(ss.rounds),
                 static_cast<unsigned long long>(ss.filled_vars), static_cast<unsigned long long>(ss.repeat_filled_vars));
  }
  void try_send(std::uint32_t r) {
    const std::uint32_t s = sent[r];
    if (busy[r] || s >= steps || received[r] < s) return;
    const std::uint32_t d = pos(r);
    const std::uint32_t idx = s < dp - 1 ? (d + dp - s) % dp : (d + 1 + dp - (s - (dp - 1)) % dp) % dp;
    const std::int64_t b = workload::piece(bytes, dp, idx);
    busy[r] = 1;
    ++transfers;
    net->start(TransferRequest{r, at(r, (d + 1) % dp), Bytes{b > 0 ? b : 1}, 0, 0, r});
  }
  void maybe_finished(std::uint32_t r, Time now) {
    if (sent[r] != steps || received[r] != steps || round[r] != 0) return;
    ++ar_done;
    ar_end = now;
    round[r] = 1;
    if (moe_bytes > 0 && !moe_started) {
      moe_started = true;
      moe_start = now;
    }
    send_a2a(r);
  }
  bench::NcclStream* nccl = nullptr;  // --a2a nccl: NCCL's schedule instead of one peer at a time
  std::vector<std::uint32_t> finished;
  void send_a2a(std::uint32_t r) {
    if (nccl != nullptr && moe_bytes > 0) {
      nccl->begin(r);
      return;
    }
    if (moe_bytes == 0 || round[r] >= ep) return;
    const std::uint32_t d = pos(r), base = d / ep * ep, e = d - base;
    ++transfers;
    net->start(TransferRequest{r, at(r, base + (e + round[r]) % ep), Bytes{moe_bytes / ep}, 1, 0, n + std::uint64_t{r}});
  }
  void on_transfer_done(std::uint64_t tag, Time now) override {
    mix(tag);
    mix(static_cast<std::uint64_t>(now.ps));
    progress();
    if (nccl != nullptr && nccl->owns(tag)) {
      finished.clear();
      nccl->on_done(tag, finished);
      moe_done += finished.size();
      if (!finished.empty()) moe_end = now;
      return;
    }
    if (tag >= n) {
      const auto r = static_cast<std::uint32_t>(tag - n);
      if (++round[r] < ep) {
        send_a2a(r);
      } else {
        ++moe_done;
        moe_end = now;
      }
      return;
    }
    const auto r = static_cast<std::uint32_t>(tag);
    const std::uint32_t next = at(r, (pos(r) + 1) % dp);
    busy[r] = 0;
    ++sent[r];
    ++received[next];
    try_send(r);
    try_send(next);
    maybe_finished(r, now);
    if (next != r) maybe_finished(next, now);
  }
};

[[noreturn]] void usage() {
  std::fprintf(stderr,
               "usage: bench_fluid ACCELERATORS [--bytes B] [--channels C] [--moe BYTES] [--solver incremental|full]\n"
               "                   [--driver dag|stream] [--churn K] [--hash crc|uniform] [--lb ecmp|spray]\n"
               "                   [--a2a nccl|pairwise] [--slack EPS] [--bundle 0|1] [--fair-tol DELTA]\n"
               "                   [--topology FILE [--set key=value]...]\n"
               "  ACCELERATORS: a multiple of 2048 (or 256 up to 2048); with --topology, ignored (write 0):\n"
               "  the fabric's endpoints, a multiple of 128\n");
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) usage();
  auto n = static_cast<std::uint32_t>(std::strtoul(argv[1], nullptr, 10));
  std::string topology_file;
  std::vector<std::string> overrides;
  std::int64_t bytes = 1LL << 30;
  std::int64_t moe_bytes = 0;
  std::uint32_t channels = 1;
  std::uint32_t churn = 0;
  bool stream = false;
  bool a2a_nccl = true;
  routing::RoutingParams routing_params;
  flow::FluidParams params;
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string k = argv[i];
    const char* v = argv[i + 1];
    if (k == "--bytes") bytes = std::strtoll(v, nullptr, 10);
    else if (k == "--channels") channels = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (k == "--hash") routing_params.hash = std::strcmp(v, "uniform") == 0 ? routing::HashKind::uniform : routing::HashKind::crc;
    else if (k == "--driver") stream = std::strcmp(v, "stream") == 0;
    else if (k == "--churn") churn = static_cast<std::uint32_t>(std::strtoul(v, nullptr, 10));
    else if (k == "--moe") moe_bytes = std::strtoll(v, nullptr, 10);
    else if (k == "--solver") params.incremental = std::strcmp(v, "full") != 0;
    else if (k == "--topology") topology_file = v;
    else if (k == "--set") overrides.emplace_back(v);
    else if (k == "--a2a") a2a_nccl = std::strcmp(v, "pairwise") != 0;
    else if (k == "--slack") params.resolve_slack = std::strtod(v, nullptr);
    else if (k == "--bundle") params.bundle_parallel = std::strcmp(v, "0") != 0;
    else if (k == "--fair-tol") params.fair_tolerance = std::strtod(v, nullptr);
    else if (k == "--lb") routing_params.load_balancing = std::strcmp(v, "spray") == 0 ? routing::LoadBalancing::spray : routing::LoadBalancing::ecmp;
    else usage();
  }
  const auto t_build = std::chrono::steady_clock::now();
  if (topology_file.empty() && (n < 256 || n % 256 != 0 || (n > 2048 && n % 2048 != 0))) usage();
  const topology::TopologySpec spec = topology_file.empty() ? topology::parse_topology(rail_fabric_json(n), "<bench>")
                                                            : topology::load_topology_file(topology_file, overrides);
  const topology::Fabric fabric = topology::build_fabric(spec);
  if (!topology_file.empty()) n = fabric.endpoints();
  if (n < 256 || n % 128 != 0) usage();
  const routing::Router router(fabric, routing_params);

  if (churn > 0) {
    Simulator sim;
    flow::FluidNet net(sim, fabric, router, params);
    Churn c;
    c.net = &net;
    c.n = n;
    c.per_rank = churn;
    c.max_bytes = 2 * bytes / churn;
    c.sent.assign(n, 0);
    net.set_sink(&c);
    const auto t_run = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    for (std::uint32_t r = 0; r < n; ++r) c.send(r);
    sim.run();
    const double run_s = seconds_since(t_run);
    const double run_cpu_s = cpu_seconds() - cpu0;
    const auto& st = net.solver_stats();
    std::printf(
        "accelerators=%u mode=churn solver=%s transfers=%llu simulated_s=%.6f build_s=%.2f run_s=%.2f "
        "run_cpu_s=%.2f events=%llu events_per_s=%.0f batches=%llu rate_updates=%llu filled_vars_per_batch=%.1f incidences_per_batch=%.1f "
        "expansions=%llu peak_active=%zu peak_rss_mib=%ld\n",
        n, params.incremental ? "incremental" : "full", static_cast<unsigned long long>(c.completed),
        sim.now().seconds(), seconds_since(t_build) - run_s, run_s, run_cpu_s,
        static_cast<unsigned long long>(sim.events_executed()), static_cast<double>(sim.events_executed()) / run_cpu_s,
        static_cast<unsigned long long>(net.stats().batches), static_cast<unsigned long long>(net.stats().rate_updates),
        static_cast<double>(st.filled_vars) / static_cast<double>(net.stats().batches),
        static_cast<double>(st.incidences) / static_cast<double>(net.stats().batches),
        static_cast<unsigned long long>(st.expansions), net.stats().peak_active, peak_rss_mib());
    return 0;
  }

  const std::uint32_t tp = 8, pp = 16, dp = n / (tp * pp);
  if (stream) {
    Simulator sim;
    flow::FluidNet net(sim, fabric, router, params);
    StreamStep st;
    st.net = &net;
    st.n = n;
    st.dp = dp;
    st.ep = dp < 64 ? dp : 64;
    st.bytes = bytes;
    st.moe_bytes = moe_bytes;
    st.sim = &sim;
    st.fluid = &net;
    st.cpu0 = cpu_seconds();
    std::unique_ptr<bench::NcclStream> nccl;
    if (a2a_nccl && moe_bytes > 0) {
      nccl = std::make_unique<bench::NcclStream>(net, n, st.ep, StreamStep::kGroup, moe_bytes, 400e9, n);
      st.nccl = nccl.get();
    }
    net.set_sink(&st);
    const double build_s = seconds_since(t_build);
    const auto t_run = std::chrono::steady_clock::now();
    const double cpu0 = cpu_seconds();
    st.begin();
    sim.run();
    const double run_s = seconds_since(t_run);
    const double run_cpu_s = cpu_seconds() - cpu0;
    const bool ok = st.ar_done == n && (moe_bytes == 0 || st.moe_done == n);
    const auto& ss = net.solver_stats();
    std::printf(
        "accelerators=%u mode=stream fabric=%s ports=%zu dp=%u transfers=%llu simulated_s=%.6f build_s=%.2f run_s=%.2f "
        "run_cpu_s=%.2f total_cpu_s=%.2f events=%llu events_per_s=%.0f batches=%llu rate_updates=%llu "
        "flow_incidences=%llu incidences=%llu incidences_per_transfer=%.1f rounds=%llu filled_vars=%llu repeat_filled_vars=%llu expansions=%llu "
        "soft_filled=%llu fill_joins=%llu saturation_joins=%llu "
        "peak_active=%zu peak_rss_mib=%ld ar_s=%.6f moe_s=%.6f moe_span_s=%.6f end_ps=%lld digest=%016llx complete=%d a2a=%s slack=%g bundled=%llu fair_tol=%g\n",
        n, fabric.name().c_str(), fabric.port_count(), dp,
        static_cast<unsigned long long>(st.transfers + (nccl ? nccl->transfers() : 0)),
        sim.now().seconds(), build_s, run_s,
        run_cpu_s, cpu_seconds(), static_cast<unsigned long long>(sim.events_executed()),
        static_cast<double>(sim.events_executed()) / run_cpu_s, static_cast<unsigned long long>(net.stats().batches),
        static_cast<unsigned long long>(net.stats().rate_updates),
        static_cast<unsigned long long>(net.stats().incidences), static_cast<unsigned long long>(ss.incidences),
        static_cast<double>(ss.incidences) / static_cast<double>(st.transfers),
        static_cast<unsigned long long>(ss.rounds), static_cast<unsigned long long>(ss.filled_vars),
        static_cast<unsigned long long>(ss.repeat_filled_vars),
        static_cast<unsigned long long>(ss.expansions), static_cast<unsigned long long>(ss.soft_filled),
        static_cast<unsigned long long>(ss.fill_joins), static_cast<unsigned long long>(ss.saturation_joins),
        net.stats().peak_active, peak_rss_mib(), st.ar_end.seconds(),
        moe_bytes ? (st.moe_end - st.ar_end).seconds() : 0.0, moe_bytes ? (st.moe_end - st.moe_start).seconds() : 0.0,
        static_cast<long long>(sim.now().ps),
        static_cast<unsigned long long>(st.digest), ok ? 1 : 0, nccl ? "nccl" : "pairwise", params.resolve_slack,
        static_cast<unsigned long long>(net.stats().bundled), params.fair_tolerance);
    return ok ? 0 : 1;
  }

  workload::TransferDag dag;
  std::vector<std::uint32_t> node_of(n), rail_of(n), endpoint(n);
  for (std::uint32_t r = 0; r < n; ++r) {
    node_of[r] = r / 8;
    rail_of[r] = r % 8;
    endpoint[r] = r;
  }
  const workload::Locality loc{node_of, rail_of, 400e9};
  std::vector<std::uint32_t> ranks(dp);
  std::vector<workload::NodeIndex> ready(dp, workload::kNoNode), done;
  std::vector<std::vector<workload::NodeIndex>> ar_done(tp * pp);
  workload::CollectiveArgs args;
  args.bytes = Bytes{bytes};
  args.channels = channels;
  for (std::uint32_t t = 0; t < tp; ++t) {
    for (std::uint32_t p = 0; p < pp; ++p) {
      for (std::uint32_t d = 0; d < dp; ++d) ranks[d] = d * tp * pp + p * tp + t;
      workload::lower_collective(dag, workload::CollectiveKind::all_reduce, workload::Algorithm::ring, ranks, args, loc,
                                 ready, done);
      ar_done[t * pp + p] = done;
    }
  }
  std::uint32_t ops = 1;
  if (moe_bytes > 0) {
    ops = 2;
    const std::uint32_t ep = dp < 64 ? dp : 64;
    workload::CollectiveArgs a2a;
    a2a.bytes = Bytes{moe_bytes};
    a2a.op = 1;
    a2a.max_concurrent = a2a_nccl ? 0 : 1;
    std::vector<std::uint32_t> group(ep);
    std::vector<workload::NodeIndex> after(ep);
    for (std::uint32_t g = 0; g < tp * pp; ++g) {
      for (std::uint32_t base = 0; base < dp; base += ep) {
        for (std::uint32_t i = 0; i < ep; ++i) {
          group[i] = (base + i) * tp * pp + g % pp * tp + g / pp;
          after[i] = ar_done[g][base + i];
        }
        workload::lower_collective(dag, workload::CollectiveKind::all_to_all,
                                   a2a_nccl ? workload::Algorithm::nccl : workload::Algorithm::pairwise, group, a2a,
                                   loc, after, done);
      }
    }
  }
  dag.finalize();
  const double build_s = seconds_since(t_build);

  Simulator sim;
  flow::FluidNet net(sim, fabric, router, params);
  workload::DagExecutor exec(sim, net, dag, endpoint, ops);
  net.set_sink(&exec);
  const auto t_run = std::chrono::steady_clock::now();
  const double cpu0 = cpu_seconds();
  exec.start();
  sim.run();
  const double run_s = seconds_since(t_run);
  const double run_cpu_s = cpu_seconds() - cpu0;
  if (!exec.finished()) {
    std::fprintf(stderr, "bench_fluid: DAG did not finish\n");
    return 1;
  }
  const auto& st = net.solver_stats();
  std::printf(
      "accelerators=%u ports=%zu dp=%u channels=%u transfers=%zu simulated_s=%.6f build_s=%.2f run_s=%.2f "
      "run_cpu_s=%.2f total_cpu_s=%.2f events=%llu events_per_s=%.0f batches=%llu rate_updates=%llu filled_vars=%llu incidences=%llu "
      "incidences_per_transfer=%.1f expansions=%llu peak_active=%zu peak_rss_mib=%ld ar_s=%.6f moe_s=%.6f moe_span_s=%.6f\n",
      n, fabric.port_count(), dp, channels, dag.transfer_count(), sim.now().seconds(), build_s, run_s, run_cpu_s,
      cpu_seconds(), static_cast<unsigned long long>(sim.events_executed()),
      static_cast<double>(sim.events_executed()) / run_cpu_s,
      static_cast<unsigned long long>(net.stats().batches), static_cast<unsigned long long>(net.stats().rate_updates),
      static_cast<unsigned long long>(st.filled_vars), static_cast<unsigned long long>(st.incidences),
      static_cast<double>(st.incidences) / static_cast<double>(dag.transfer_count()),
      static_cast<unsigned long long>(st.expansions), net.stats().peak_active, peak_rss_mib(),
      (exec.op_end(0) - exec.op_start(0)).seconds(), ops > 1 ? (exec.op_end(1) - exec.op_end(0)).seconds() : 0.0,
      ops > 1 ? (exec.op_end(1) - exec.op_start(1)).seconds() : 0.0);
  return 0;
}

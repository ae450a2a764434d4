// Classic hold model: keep N events pending; each executed event schedules one new event at
// now + an exponential-ish random delay. Prints events/s for N = 10^4 and 10^6.
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "core/rng.hpp"
#include "core/simulator.hpp"

namespace {

class Holder final : public rocesim::EventHandler {
 public:
  explicit Holder(std::uint64_t seed) : rng_(seed) {}
  void on_event(rocesim::Simulator& sim, std::uint32_t, std::uint64_t) override {
    sim.schedule_in(delay(), this, 0);
  }
  rocesim::Time delay() { return rocesim::Time::from_ps(1 + static_cast<std::int64_t>(rng_.below(2000000))); }

 private:
  rocesim::Rng rng_;
};

double run(std::size_t pending, std::uint64_t events) {
  rocesim::Simulator sim;
  Holder h(42);
  for (std::size_t i = 0; i < pending; ++i) sim.schedule_at(h.delay(), &h, 0);
  const auto t0 = std::chrono::steady_clock::now();
  std::uint64_t done = 0;
  while (done < events) done += sim.run_until(sim.now() + rocesim::Time::from_us(1));
  const auto t1 = std::chrono::steady_clock::now();
  const double secs = std::chrono::duration<double>(t1 - t0).count();
  const double rate = static_cast<double>(done) / secs;
  std::printf("hold model: %8zu pending, %10llu events, %.3f s, %.2f M events/s\n", pending,
              static_cast<unsigned long long>(done), secs, rate / 1e6);
  return rate;
}

}  // namespace

int main(int argc, char** argv) {
  const std::uint64_t events = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000000ULL;
  run(10000, events);
  run(1000000, events);
  return 0;
}

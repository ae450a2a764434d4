// ProcessUsage: what the process has consumed so far, for the run's phase figures.
//
// cpu_s = user + system CPU seconds of the whole process (getrusage RUSAGE_SELF), peak_rss_bytes =
// the high-water mark of resident memory (VmHWM of /proc/self/status, kB × 1024) and rss_bytes the
// current resident size (VmRSS). Where /proc is missing, the RSS figures are 0 (getrusage's
// ru_maxrss is used for the peak). Taking a sample reads one small file: call it between phases,
// never per event.
// Thread safety: safe; each call reads the kernel's counters.
#pragma once

#include <cstdint>

namespace rocesim::app {

struct ProcessUsage {
  double cpu_s = 0.0;
  std::uint64_t peak_rss_bytes = 0;
  std::uint64_t rss_bytes = 0;
};

ProcessUsage sample_process_usage();

}  // namespace rocesim::app

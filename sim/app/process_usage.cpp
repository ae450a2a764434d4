#include "app/process_usage.hpp"

#include <sys/resource.h>

#include <cstdio>
#include <cstring>

namespace rocesim::app {

ProcessUsage sample_process_usage() {
  ProcessUsage u;
  rusage ru{};
  if (getrusage(RUSAGE_SELF, &ru) == 0) {
    const auto secs = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6; };
    u.cpu_s = secs(ru.ru_utime) + secs(ru.ru_stime);
    u.peak_rss_bytes = static_cast<std::uint64_t>(ru.ru_maxrss) * 1024;  // Linux reports kB
  }
  if (std::FILE* f = std::fopen("/proc/self/status", "r")) {
    char line[256];
    unsigned long long kb = 0;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::sscanf(line, "VmHWM: %llu kB", &kb) == 1) u.peak_rss_bytes = kb * 1024;
      if (std::sscanf(line, "VmRSS: %llu kB", &kb) == 1) u.rss_bytes = kb * 1024;
    }
    std::fclose(f);
  }
  return u;
}

}  // namespace rocesim::app

#include "core/memory_budget.hpp"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <utility>

namespace rocesim {
namespace {

std::uint64_t g_limit = 0;  // 0: not set, use the machine's
std::string g_activity;

}  // namespace

std::uint64_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || page <= 0) return UINT64_MAX;
  return static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page);
}

std::uint64_t memory_limit_bytes() {
  if (g_limit != 0) return g_limit;
  std::uint64_t limit = physical_memory_bytes();
  rlimit as{};
  if (getrlimit(RLIMIT_AS, &as) == 0 && as.rlim_cur != RLIM_INFINITY) {
    limit = std::min<std::uint64_t>(limit, as.rlim_cur);
  }
  return limit;
}

void set_memory_limit_bytes(std::uint64_t bytes) { g_limit = bytes; }

std::uint64_t resident_bytes() {
  std::FILE* f = std::fopen("/proc/self/statm", "r");
  if (f == nullptr) return 0;
  unsigned long long size = 0, resident = 0;
  const int n = std::fscanf(f, "%llu %llu", &size, &resident);
  std::fclose(f);
  const long page = sysconf(_SC_PAGE_SIZE);
  if (n != 2 || page <= 0) return 0;
  return resident * static_cast<std::uint64_t>(page);
}

std::string gib_string(std::uint64_t bytes) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.2f GiB", static_cast<double>(bytes) / 1073741824.0);
  return buf;
}

void require_memory(std::uint64_t estimate, const std::string& what, const std::string& detail) {
  const std::uint64_t limit = memory_limit_bytes();
  if (estimate <= limit) return;
  throw MemoryLimitError(what + " needs an estimated " + gib_string(estimate) + " (" + detail + "), more than the " +
                         gib_string(limit) + " limit (physical memory or ulimit -v; raise it with --max-memory)");
}

ActivityScope::ActivityScope(std::string what)
    : previous_(std::exchange(g_activity, std::move(what))), exceptions_(std::uncaught_exceptions()) {}
// Unwinding (an exception thrown inside the scope) keeps the activity for main()'s message.
ActivityScope::~ActivityScope() {
  if (std::uncaught_exceptions() == exceptions_) g_activity = std::move(previous_);
}

const std::string& current_activity() { return g_activity; }

}  // namespace rocesim

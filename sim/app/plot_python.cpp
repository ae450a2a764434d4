#include "app/plot_python.hpp"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string_view>

namespace rocesim::app {
namespace {

// The python3 a shell would run: the first executable PATH entry (empty PATH entries mean ".").
std::string python3_on_path() {
  const char* env = std::getenv("PATH");
  if (env == nullptr) return {};
  const std::string_view path(env);
  std::size_t start = 0;
  for (;;) {
    const std::size_t colon = path.find(':', start);
    const std::string_view dir = path.substr(start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    const std::filesystem::path candidate =
        std::filesystem::absolute((dir.empty() ? std::filesystem::path(".") : std::filesystem::path(dir)) / "python3");
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec) && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate.string();
    }
    if (colon == std::string_view::npos) return {};
    start = colon + 1;
  }
}

bool has_matplotlib(const std::string& python) {
  std::string cmd = "'";
  for (char c : python) {
    if (c == '\'') cmd.append("'\\''");
    else cmd.push_back(c);
  }
  cmd.append("' -c 'import matplotlib' >/dev/null 2>&1");
  return std::system(cmd.c_str()) == 0;
}

}  // namespace

PlotPython find_plot_python() {
  PlotPython out;
  for (const std::string& candidate : {python3_on_path(), std::string("/usr/bin/python3")}) {
    if (candidate.empty() || std::find(out.tried.begin(), out.tried.end(), candidate) != out.tried.end()) continue;
    std::error_code ec;
    if (!std::filesystem::exists(candidate, ec)) continue;
    out.tried.push_back(candidate);
    if (has_matplotlib(candidate)) {
      out.path = candidate;
      return out;
    }
  }
  return out;
}

}  // namespace rocesim::app

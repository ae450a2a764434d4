#include "workload/trace_import.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "workload/readers/chakra_reader.hpp"
#include "workload/readers/flow_csv_reader.hpp"
#include "workload/readers/simai_reader.hpp"

namespace rocesim::workload {
namespace {

namespace fs = std::filesystem;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// True when some file in the prefix's folder is named <prefix-name>.<digits>.et (Chakra's per-rank naming).
bool is_chakra_prefix(const std::string& path) {
  const fs::path p(path);
  const fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  const std::string stem = p.filename().string();
  std::error_code ec;
  if (stem.empty() || !fs::is_directory(dir, ec)) return false;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    if (name.size() > stem.size() + 4 && name.compare(0, stem.size(), stem) == 0 && name[stem.size()] == '.' &&
        ends_with(name, ".et")) {
      const std::string_view rank(name.data() + stem.size() + 1, name.size() - stem.size() - 4);
      if (!rank.empty() && std::all_of(rank.begin(), rank.end(), [](char c) { return c >= '0' && c <= '9'; })) {
        return true;
      }
    }
  }
  return false;
}

std::string sniff_content(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ConfigError(path, "", "cannot open file");
  std::string head(512, '\0');
  in.read(head.data(), static_cast<std::streamsize>(head.size()));
  head.resize(static_cast<std::size_t>(in.gcount()));
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b) {
    return "chakra";  // gzip: Chakra traces are the only compressed input we read
  }
  const auto first = head.find_first_not_of(" \t\r\n");
  if (first != std::string::npos && head[first] == '{') return "native";
  const std::string first_line = head.substr(0, head.find('\n'));
  if (first_line.find("start_us") != std::string::npos && first_line.find("src") != std::string::npos) return "flows";
  if (first_line.find("all_gpus") != std::string::npos || first_line.find("model_parallel_NPU_group") != std::string::npos) {
    return "simai";
  }
  throw ConfigError(path, "", "cannot tell the trace format from the name or content; pass --format chakra|simai|flows");
}

}  // namespace

std::string detect_trace_format(const std::string& path) {
  std::error_code ec;
  if (fs::is_directory(path, ec)) return "chakra";
  if (!fs::exists(path, ec)) {
    if (is_chakra_prefix(path)) return "chakra";
    throw ConfigError(path, "", "no such file, directory or Chakra prefix (<prefix>.<rank>.et)");
  }
  if (ends_with(path, ".csv")) return "flows";
  if (ends_with(path, ".et") || ends_with(path, ".et.gz")) return "chakra";
  if (ends_with(path, ".txt")) return "simai";
  if (ends_with(path, ".json")) return "native";
  return sniff_content(path);
}

std::optional<nlohmann::json> import_trace(const std::string& path, std::string_view format) {
  ActivityScope activity("importing the trace " + path);  // named by the out-of-memory message
  std::string chosen(format);
  if (format == "auto") {
    chosen = detect_trace_format(path);
  } else if (format != "chakra" && format != "simai" && format != "flows") {
    throw ConfigError(path, "", "unknown trace format \"" + std::string(format) + "\" (expected auto, chakra, simai, flows)");
  }
  if (chosen == "native") return std::nullopt;
  if (chosen == "flows") return read_flow_csv(path);
  if (chosen == "chakra") return read_chakra(path);
  return read_simai(path);
}

std::string import_report_summary(const nlohmann::json& doc) {
  const auto it = doc.find("import_report");
  if (it == doc.end() || !it->is_object()) return "";
  const nlohmann::json& report = *it;
  std::string out = report.value("format", std::string("trace")) + " import:";
  // Counts are JSON objects (sorted keys), so the line is deterministic.
  auto list = [&report](const char* key, std::int64_t& total) {
    std::string detail;
    total = 0;
    const auto it = report.find(key);
    if (it == report.end()) return detail;
    for (const auto& [what, count] : it->items()) {
      total += count.get<std::int64_t>();
      if (!detail.empty()) detail += ", ";
      detail += what;
      detail += ": ";
      detail += std::to_string(count.get<std::int64_t>());
    }
    return detail;
  };
  std::int64_t dropped = 0, assumed = 0;
  const std::string dropped_detail = list("dropped", dropped);
  const std::string assumed_detail = list("assumptions", assumed);
  if (dropped == 0) {
    out += " every record converted";
  } else {
    out += ' ';
    out += std::to_string(dropped);
    out += " records not converted (" + dropped_detail + "); dependencies through them were kept";
  }
  if (assumed > 0) out += "; assumptions: " + assumed_detail;
  if (const auto w = report.find("warnings"); w != report.end() && w->is_array()) {
    for (const auto& text : *w) out += "; warning: " + text.get<std::string>();
  }
  return out;
}

}  // namespace rocesim::workload

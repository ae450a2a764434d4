// Which files make up a Chakra trace (chakra_rank_files in chakra_reader.hpp): a directory of
// <prefix>.<rank>.et files, a prefix, or one file; ranks must run 0..N-1 without gaps.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/config_error.hpp"
#include "workload/readers/chakra_reader.hpp"
#include "workload/readers/reader_util.hpp"

namespace rocesim::workload {
namespace {

namespace fs = std::filesystem;

// "<prefix>.<rank>.et" → (prefix, rank); nullopt for other names.
std::optional<std::pair<std::string, std::size_t>> split_rank_name(const std::string& filename) {
  if (filename.size() < 4 || filename.compare(filename.size() - 3, 3, ".et") != 0) return std::nullopt;
  const std::string stem = filename.substr(0, filename.size() - 3);
  const auto dot = stem.rfind('.');
  if (dot == std::string::npos) return std::nullopt;
  const auto rank = parse_uint(std::string_view(stem).substr(dot + 1));
  if (!rank) return std::nullopt;
  return std::make_pair(stem.substr(0, dot), static_cast<std::size_t>(*rank));
}

}  // namespace

std::vector<std::string> chakra_rank_files(const std::string& path) {
  std::error_code ec;
  if (fs::is_regular_file(path, ec)) return {path};
  const bool is_dir = fs::is_directory(path, ec);
  const fs::path dir = is_dir ? fs::path(path) : (fs::path(path).has_parent_path() ? fs::path(path).parent_path() : fs::path("."));
  const std::string want_prefix = is_dir ? "" : fs::path(path).filename().string();
  std::map<std::size_t, std::string> by_rank;
  std::string prefix = want_prefix;
  for (const auto& entry : fs::directory_iterator(dir, ec)) {
    const std::string fname = entry.path().filename().string();
    const auto split = split_rank_name(fname);
    if (!split) {
      if (is_dir && fname.size() > 3 && fname.compare(fname.size() - 3, 3, ".et") == 0) {
        throw ConfigError(entry.path().string(), "", "Chakra file names must be <prefix>.<rank>.et");
      }
      continue;
    }
    if (!is_dir && split->first != want_prefix) continue;
    if (prefix.empty()) prefix = split->first;
    if (split->first != prefix) {
      throw ConfigError(path, "", "directory mixes Chakra prefixes \"" + prefix + "\" and \"" + split->first + "\"");
    }
    if (!by_rank.emplace(split->second, entry.path().string()).second) {
      throw ConfigError(entry.path().string(), "", "rank " + std::to_string(split->second) + " appears twice");
    }
  }
  if (ec) throw ConfigError(path, "", "cannot list directory: " + ec.message());
  if (by_rank.empty()) throw ConfigError(path, "", "no Chakra files (<prefix>.<rank>.et) found");
  std::vector<std::string> files;
  for (const auto& [rank, file] : by_rank) {
    if (rank != files.size()) {
      throw ConfigError(path, "", "Chakra rank files must be numbered 0..N-1; rank " + std::to_string(files.size()) + " is missing");
    }
    files.push_back(file);
  }
  return files;
}

}  // namespace rocesim::workload

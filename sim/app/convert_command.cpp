// `rocesim convert INPUT [--format auto|chakra|simai|flows] [-o OUT.json]`: writes the native workload
// JSON for a trace (Chakra .et files, SimAI text, flow CSV) to OUT.json or stdout. A native .json input
// is re-emitted after parsing. Whatever the reader could not convert is summarised on stderr.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/json_reader.hpp"
#include "workload/trace_import.hpp"

namespace rocesim::app {
namespace {

struct ConvertOptions {
  std::string input;
  std::string format = "auto";
  std::string output;
};

// Writes next to the target and renames, so a failed run never leaves a half-written OUT.json.
void write_atomically(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(path, "", "cannot open for writing");
    out << text;
    out.flush();
    if (!out) throw ConfigError(path, "", "write failed");
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    throw ConfigError(path, "", "cannot rename the temporary file into place");
  }
}

void run_convert(const ConvertOptions& opt) {
  std::optional<nlohmann::json> doc = workload::import_trace(opt.input, opt.format);
  if (!doc) doc = load_json_file(opt.input);
  const std::string summary = workload::import_report_summary(*doc);
  if (!summary.empty()) std::cerr << summary << '\n';
  const std::string text = doc->dump(2) + "\n";
  if (opt.output.empty()) {
    std::cout << text;
  } else {
    write_atomically(opt.output, text);
  }
}

}  // namespace

void register_convert(CLI::App& app, CommandContext& ctx) {
  auto opt = std::make_shared<ConvertOptions>();
  CLI::App* cmd = app.add_subcommand("convert", "Convert a trace (Chakra .et, SimAI text, flow CSV) to native workload JSON");
  cmd->add_option("input", opt->input, "Trace file, Chakra directory or Chakra prefix (<prefix>.<rank>.et)")->required();
  cmd->add_option("--format", opt->format, "Input format")
      ->check(CLI::IsMember({"auto", "chakra", "simai", "flows"}))
      ->capture_default_str();
  cmd->add_option("-o,--output", opt->output, "Output JSON file (default: stdout)");
  add_max_memory_option(cmd);
  cmd->callback([opt, &ctx] {
    run_convert(*opt);
    ctx.exit_code = 0;
  });
}

}  // namespace rocesim::app

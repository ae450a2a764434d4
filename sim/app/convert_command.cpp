// `rocesim convert INPUT [--format auto|chakra|simai|flows] [-o OUT.json]`: writes the native workload
// JSON for a trace (Chakra .et files, SimAI text, flow CSV) to OUT.json or stdout. A native .json input
// is re-emitted after parsing. Whatever the reader could not convert is summarised on stderr.
#include <CLI/CLI.hpp>

#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <string>

#include "app/commands.hpp"
#include "core/config_error.hpp"
#include "core/memory_budget.hpp"
#include "core/json_reader.hpp"
#include "workload/readers/flow_csv_reader.hpp"
#include "workload/trace_import.hpp"

namespace rocesim::app {
namespace {

struct ConvertOptions {
  std::string input;
  std::string format = "auto";
  std::string output;
};

// Writes next to the target and renames, so a failed run never leaves a half-written OUT.json.
void write_atomically(const std::string& path, const std::function<void(std::ostream&)>& write) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ConfigError(path, "", "cannot open for writing");
    write(out);
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

void emit(const std::string& output, const std::function<void(std::ostream&)>& write) {
  if (output.empty()) {
    write(std::cout);
    std::cout.flush();
  } else {
    write_atomically(output, write);
  }
}

void run_convert(const ConvertOptions& opt) {
  if (opt.format == "flows" || (opt.format == "auto" && workload::detect_trace_format(opt.input) == "flows")) {
    // Streamed: the native text is written from the compact flow list without a JSON document,
    // which would cost ~1 KB per flow (readers/flow_csv_reader.hpp); same bytes as doc.dump(2).
    ActivityScope activity("importing the trace " + opt.input);
    const workload::FlowList flows = workload::parse_flow_csv_file(opt.input);
    emit(opt.output, [&flows](std::ostream& out) {
      workload::write_flow_list_native(flows, out);
      out << '\n';
    });
    return;
  }
  std::optional<nlohmann::json> doc = workload::import_trace(opt.input, opt.format);
  if (!doc) doc = load_json_file(opt.input);
  const std::string summary = workload::import_report_summary(*doc);
  if (!summary.empty()) std::cerr << summary << '\n';
  const std::string text = doc->dump(2) + "\n";
  emit(opt.output, [&text](std::ostream& out) { out << text; });
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

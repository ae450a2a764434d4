// Runs the rocesim executable for end-to-end tests and captures its exit code and output.
#pragma once

#include <string>
#include <vector>

namespace rocesim::test {

struct CliResult {
  int exit_code = -1;
  std::string out;  // stdout
  std::string err;  // stderr
};

// Runs `rocesim <args>` through /bin/sh (args are passed verbatim, so quote as in a shell).
CliResult run_cli(const std::string& args);

struct PtyResult {
  int exit_code = -1;     // -1: killed (timed out) or did not exit normally
  bool timed_out = false;
  std::string output;     // what the terminal showed: stdout and stderr interleaved, with \r
};

// Runs `rocesim <args>` from the source root as a person does in a terminal: stdin, stdout and
// stderr are one pseudo-terminal (forkpty). Kills it after `timeout_s` wall seconds.
PtyResult run_cli_pty(const std::string& args, double timeout_s);

// The README's ```sh lines that start with "rocesim ", without that word (the documented commands).
std::vector<std::string> readme_commands();

// A fresh empty directory under the build tree for one test's files.
std::string scratch_dir(const std::string& name);

// The whole content of `path` ("" if it cannot be read).
std::string read_file(const std::string& path);

// Runs `rocesim <args>` with `dir` as the working directory, stdout/stderr to dir/stdout.txt and
// dir/stderr.txt, stdin from /dev/null; returns the exit code (-1 if it did not exit normally).
int run_cli_in(const std::string& dir, const std::string& args);

// Writes `text` to `path` (creating parent directories).
void write_file(const std::string& path, const std::string& text);

// Runs a shell command line; returns its exit code (-1 if it did not exit normally).
int shell(const std::string& cmd);

// The built binary, single-quoted for a shell command line.
std::string quoted_exe();

// `rel` under the source root.
std::string source_path(const std::string& rel);

// CSV text as rows of cells, one row per line: commas inside double quotes do not split a cell
// and the quotes are dropped (enough for sweep.csv and the study tables the tests read).
std::vector<std::vector<std::string>> csv_cells(const std::string& text);

}  // namespace rocesim::test

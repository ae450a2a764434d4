#include "cli_runner.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace rocesim::test {
std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run_cli_in(const std::string& dir, const std::string& args) {
  const std::string cmd = "cd '" + dir + "' && '" + std::string(ROCESIM_EXE) + "' " + args +
                          " >stdout.txt 2>stderr.txt </dev/null";
  const int status = std::system(cmd.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string scratch_dir(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::path(ROCESIM_BINARY_DIR) / "test-scratch" / name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

void write_file(const std::string& path, const std::string& text) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

CliResult run_cli(const std::string& args) {
  static_assert(sizeof(ROCESIM_EXE) > 1, "ROCESIM_EXE must name the built binary");
  const std::string dir = scratch_dir("cli-" + std::to_string(std::hash<std::string>{}(args)));
  const std::string out = dir + "/stdout", err = dir + "/stderr";
  const std::string cmd = "cd '" + std::string(ROCESIM_SOURCE_DIR) + "' && '" + std::string(ROCESIM_EXE) + "' " + args +
                          " >'" + out + "' 2>'" + err + "' </dev/null";
  const int status = std::system(cmd.c_str());
  CliResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

}  // namespace rocesim::test

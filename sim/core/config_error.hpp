// ConfigError: the one exception type for bad user input. The CLI catches it, prints
// "<file>: <json path>: <message>" on stderr and exits with code 2.
#pragma once

#include <stdexcept>
#include <string>

namespace rocesim {

class ConfigError : public std::runtime_error {
 public:
  ConfigError(std::string file, std::string path, std::string message)
      : std::runtime_error(format(file, path, message)),
        file_(std::move(file)),
        path_(std::move(path)),
        message_(std::move(message)) {}

  const std::string& file() const { return file_; }
  const std::string& path() const { return path_; }
  const std::string& message() const { return message_; }

 private:
  static std::string format(const std::string& file, const std::string& path, const std::string& msg) {
    std::string out = file.empty() ? std::string("<input>") : file;
    if (!path.empty()) out += ": " + path;
    return out + ": " + msg;
  }
  std::string file_, path_, message_;
};

// Exit code for bad input, everywhere.
inline constexpr int kExitBadInput = 2;
// A valid input the machine or the model cannot carry through: too much memory, a clock that
// stopped advancing. The CLI prints "error: <what>" and exits with kExitResources.
class ResourceError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};
inline constexpr int kExitResources = 3;

// Exit code for a bug (an exception no layer turned into a ConfigError): sysexits' EX_SOFTWARE.
inline constexpr int kExitInternal = 70;

}  // namespace rocesim

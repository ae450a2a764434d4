#include <doctest/doctest.h>

#include "cli_runner.hpp"

using rocesim::test::run_cli;

TEST_CASE("rocesim --help lists the tool and exits 0; an unknown option exits 2") {
  const auto ok = run_cli("--help");
  CHECK(ok.exit_code == 0);
  CHECK(ok.out.find("rocesim") != std::string::npos);
  const auto bad = run_cli("--no-such-option");
  CHECK(bad.exit_code == 2);
}

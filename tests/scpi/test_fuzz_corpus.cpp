// Replays the fuzz corpora (tests/fuzz/corpus/scpi_*): the seeds and every input the fuzzer
// once failed on must keep the invariants of tests/fuzz/scpi_targets.hpp.
#include "fuzz/scpi_targets.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {
void replay(const std::string& corpus, const auto& check) {
  const fs::path dir = fs::path(LEDLAB_SOURCE_DIR) / "tests/fuzz/corpus" / corpus;
  std::size_t inputs = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    for (std::uint64_t split = 1; split <= 8; ++split) {
      INFO(e.path().filename().string() << " split seed " << split);
      CHECK(check(s.str(), split) == std::nullopt);
    }
    ++inputs;
  }
  CHECK(inputs > 0);
}
}  // namespace

TEST_CASE("every input in the twin's fuzz corpus keeps the device answering, framed alike in any pieces") {
  replay("scpi_device", ledlab::fuzz::check_device_input);
}

TEST_CASE("every input in the client's fuzz corpus frames alike at once, in pieces and through a session") {
  replay("scpi_reply", ledlab::fuzz::check_reply_input);
}

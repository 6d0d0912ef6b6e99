// Replays the input fuzz corpora (tests/fuzz/corpus/{station,params,host}, and the shipped
// station files): the seeds and every input the fuzzer once failed on must keep the
// invariants of tests/fuzz/input_targets.hpp.
#include "fuzz/input_targets.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace fs = std::filesystem;

namespace {

void replay(const fs::path& dir, const auto& check) {
  std::size_t inputs = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    INFO(e.path().filename().string());
    CHECK(check(s.str(), 1) == std::nullopt);
    ++inputs;
  }
  CHECK(inputs > 0);
}

const fs::path kCorpus = fs::path(LEDLAB_SOURCE_DIR) / "tests/fuzz/corpus";

}  // namespace

TEST_CASE("every station file in the fuzz corpus is refused naming the file or parses to finite, in-range settings") {
  replay(kCorpus / "station", ledlab::fuzz::check_station_input);
  replay(fs::path(LEDLAB_SOURCE_DIR) / "sequences/stations", ledlab::fuzz::check_station_input);
}

TEST_CASE("every -p override set in the fuzz corpus resolves to typed finite values or an error naming the parameter") {
  replay(kCorpus / "params", ledlab::fuzz::check_params_input);
}

TEST_CASE("every script in the host-function fuzz corpus ends, finished or failed at a file:line") {
  replay(kCorpus / "host", ledlab::fuzz::check_host_input);
}

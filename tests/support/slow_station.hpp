#pragma once
// sequences/stations/sim.toml at a slower clock (60x instead of 3600x), written into a test's
// folder: a run on it lasts long enough to be paused, resumed and aborted from the dashboard.
#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

namespace ledlab::test {

inline std::filesystem::path slow_station(const std::filesystem::path& dir) {
  std::ifstream in(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto at = text.find("time_scale = 3600");
  REQUIRE(at != std::string::npos);
  text.replace(at, 17, "time_scale = 60");
  const std::filesystem::path path = dir / "station.toml";
  std::ofstream(path) << text;
  return path;
}

}  // namespace ledlab::test

// `ledlab discover` finds the twins `ledlab sim` serves, by mDNS / DNS-SD, in a network
// namespace the test makes (multicast on its loopback), and asks each for *IDN?.
#include "support/cli_process.hpp"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>

using ledlab::test::in_build;
using ledlab::test::run_shell;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool namespaces_available() { return run_shell("unshare -rn true").code == 0; }

// Instrument name -> port, from `ledlab sim`'s "opm   power_meter   tcp://127.0.0.1:40123" lines.
std::map<std::string, std::string> served_ports(const std::string& sim_output) {
  std::map<std::string, std::string> ports;
  const std::regex line(R"((\S+)\s+\S+\s+tcp://127\.0\.0\.1:(\d+))");
  std::istringstream in(sim_output);
  for (std::string l; std::getline(in, l);) {
    std::smatch m;
    if (std::regex_search(l, m, line)) ports[m[1]] = m[2];
  }
  return ports;
}

ledlab::test::Ran discover_in_namespace(const std::string& dir, const std::string& args) {
  run_shell("mkdir -p " + dir);
  return run_shell(std::string(LEDLAB_SOURCE_DIR) + "/tests/integration/discover_in_netns.sh " + LEDLAB_BINARY_DIR +
                   "/ledlab " LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml " + dir + " " + args);
}

}  // namespace

TEST_CASE("ledlab discover finds every twin of ledlab sim by mDNS with its resource string and IDN reply") {
  if (!namespaces_available()) {
    WARN("unshare -rn is not permitted here: mDNS discovery in a namespace not tested");
    return;
  }
  const std::string dir = in_build("discover_mdns");
  const auto r = discover_in_namespace(dir, "--json --method mdns --timeout 2");
  INFO(r.out);
  INFO(slurp(dir + "/discover.err"));
  REQUIRE(r.code == 0);
  const auto ports = served_ports(slurp(dir + "/sim.txt"));
  REQUIRE(ports.size() >= 5);
  const auto found = nlohmann::json::parse(slurp(dir + "/discover.out"));
  INFO(found.dump(1));
  REQUIRE(found.size() == ports.size());
  for (const auto& [name, port] : ports) {
    const std::string resource = "TCPIP0::127.0.0.1::" + port + "::SOCKET";
    auto it = std::find_if(found.begin(), found.end(), [&](const nlohmann::json& f) { return f["resource"] == resource; });
    INFO(name << " at " << resource);
    REQUIRE(it != found.end());
    CHECK((*it)["via"] == "mdns _scpi-raw._tcp");
    CHECK((*it)["name"] == name + " (sim-bench)");
    CHECK((*it)["error"] == "");
    // The TXT record carries the twin's identity; *IDN?, asked over the link, agrees.
    CHECK((*it)["details"]["txtvers"] == "1");
    const std::string maker_model =
        (*it)["details"]["Manufacturer"].get<std::string>() + "," + (*it)["details"]["Model"].get<std::string>() + ",";
    CHECK((*it)["idn"].get<std::string>().rfind(maker_model, 0) == 0);
  }
}

TEST_CASE("ledlab discover prints one line per twin with its IDN reply, and none with --no-idn") {
  if (!namespaces_available()) {
    WARN("unshare -rn is not permitted here: mDNS discovery in a namespace not tested");
    return;
  }
  const std::string dir = in_build("discover_text");
  auto r = discover_in_namespace(dir, "--method mdns --timeout 1");
  REQUIRE(r.code == 0);
  const auto text = slurp(dir + "/discover.out");
  INFO(text);
  const auto ports = served_ports(slurp(dir + "/sim.txt"));
  REQUIRE_FALSE(ports.empty());
  for (const auto& [name, port] : ports) {
    const std::regex line("TCPIP0::127\\.0\\.0\\.1::" + port + "::SOCKET +mdns _scpi-raw\\._tcp \"" + name +
                          " \\(sim-bench\\)\"  [^,\n]+,[^,\n]+,.*\n");
    CHECK(std::regex_search(text, line));
  }

  r = discover_in_namespace(dir, "--method mdns --timeout 1 --no-idn");
  REQUIRE(r.code == 0);
  const auto bare = slurp(dir + "/discover.out");
  INFO(bare);
  // Another `ledlab sim`, other ports.
  for (const auto& [name, port] : served_ports(slurp(dir + "/sim.txt")))
    CHECK(std::regex_search(bare, std::regex("::" + port + "::SOCKET +mdns _scpi-raw\\._tcp \"" + name + " \\(sim-bench\\)\"\n")));
}

TEST_CASE("ledlab discover with nothing to find says so and exits 0") {
  if (!namespaces_available()) {
    WARN("unshare -rn is not permitted here");
    return;
  }
  const auto r = run_shell("unshare -rn sh -c 'ip link set lo up; ip link set lo multicast on; ip route add 224.0.0.0/4 dev lo; " +
                           std::string(LEDLAB_BINARY_DIR) + "/ledlab discover --method mdns --timeout 0.3'");
  INFO(r.out);
  CHECK(r.code == 0);
  CHECK(r.out == "no instruments found\n");
}

TEST_CASE("ledlab discover fails with the reason when no multicast interface is up") {
  if (!namespaces_available()) {
    WARN("unshare -rn is not permitted here");
    return;
  }
  // A fresh namespace: loopback down, no interface to send a query on.
  const auto r = run_shell("unshare -rn " + std::string(LEDLAB_BINARY_DIR) + "/ledlab discover --method mdns --timeout 0.3");
  INFO(r.out);
  CHECK(r.code == 1);
  CHECK_THAT(r.out, Catch::Contains("mdns: ") && Catch::Contains("no query could be sent"));
}

#pragma once
// The pre-flight check: before a run switches anything on, compare what its sequence needs
// (needs{} in the script, engine/needs.hpp) with what the station's drivers declare
// (instruments::Capabilities, valid after attach()) for every socket, through the socket's
// lane mapping. The result either refuses the run with a list of what is missing (role,
// instrument, driver, what) or names the fallbacks the run will use, which the lane adapters
// apply and the run's provenance and event log record. `ledlab check --sequence` prints it.
#include "core/error.hpp"
#include "engine/needs.hpp"
#include "engine/socket_config.hpp"
#include "engine/station_config.hpp"
#include "instruments/common/capabilities.hpp"

#include <boost/asio/awaitable.hpp>
#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace ledlab::engine {

class Station;

// What a socket's lane adapters may do in place of a capability its driver lacks. Set by the
// pre-flight only where the sequence allows the fallback (needs{}: fallback = ...) and the
// driver lacks the capability; everything else stays false, so an adapter never substitutes
// a measurement the sequence did not agree to.
struct Fallbacks {
  // bert.gate_bits(bits) runs a gate by time of bits / bit rate seconds (the counts then
  // report the bits actually compared).
  bool gate_by_time = false;
  // chamber.dut_temperature() reads the chamber air (a chamber without a DUT probe).
  bool dut_temperature_from_air = false;

  bool any() const { return gate_by_time || dut_temperature_from_air; }
  nlohmann::json to_json() const;
};

// One role of one socket as the pre-flight sees it.
struct RoleView {
  std::string role;        // "bert"
  std::string instrument;  // the station's instrument serving it
  instruments::Capabilities caps;
  // Lanes of the socket this role reaches through its mapping (direct channels that exist on
  // the instrument, or switch inputs that exist on the switch with outputs wired to existing
  // channels). 0 for whole-DUT roles (chamber, a pattern generator driving every emitter).
  int lanes_reachable = 0;
  std::string optical_switch;  // the switch the lanes go through, if any
};

struct SocketView {
  std::string socket;  // "A"
  int lanes = 0;       // lanes of the DUT in the socket
  std::vector<RoleView> roles;

  const RoleView* find(std::string_view role) const;
};

// One line of a report: what `role` (served by `instrument`, driver `driver`) lacks, or the
// fallback it will use.
struct PreflightItem {
  std::string role;
  std::string instrument;
  std::string driver;
  std::string what;

  std::string describe() const;  // "bert (instrument bert, driver n4903b): cannot gate by bits"
};

struct PreflightReport {
  std::string socket;
  std::vector<PreflightItem> missing;    // any: the run is refused
  std::vector<PreflightItem> fallbacks;  // what will be used instead, with the sequence's leave
  std::vector<PreflightItem> notes;      // optional roles the station does not have
  Fallbacks use;

  bool ok() const { return missing.empty(); }
  // Lines for the terminal: "pre-flight socket A: refused ..." then one line per item.
  std::string describe() const;
  nlohmann::json to_json() const;
};

// The check proper: pure, no I/O.
PreflightReport preflight(const SequenceNeeds& needs, const SocketView& socket);

// Lanes of a `lanes`-lane socket that `map` reaches on an instrument declaring `instrument`:
// direct channels that exist on it, or (through a switch declaring `optical_switch`) lanes
// whose switch input exists, provided some output is wired to an existing channel. A switch
// whose driver declares no inputs and outputs is taken as the station file wires it.
int reachable_lanes(const RoleMap& map, const instruments::Capabilities& instrument, int lanes,
                    const instruments::Capabilities* optical_switch);

// The socket as the pre-flight sees it, from attached instruments. A role whose instrument the
// station lacks is left out (and so reported missing when needed).
SocketView socket_view(const Station& station, const SocketConfig& socket);
// A station without [sockets]: one socket "A", every instrument under its own name, lane n on
// channel n. Its DUT has [bench.array] rows x cols lanes when the station states them, else
// as many as the instrument with the most channels.
SocketView implicit_socket_view(const Station& station);
// Every socket of the station, or the implicit one.
std::vector<SocketView> socket_views(const Station& station);

// attach() on every instrument (connect and *IDN?, no setting changed), concurrently, then
// the check for every socket. Fails only when an instrument cannot be attached.
boost::asio::awaitable<Result<std::vector<PreflightReport>>> attach_and_check(Station& station,
                                                                             const SequenceNeeds& needs);

// `ledlab check --sequence`: every instrument of `config` attached (nothing set), with what
// it declares, and the pre-flight report of every socket. `simulate` serves the station's
// twins in-process first (any free ports), as `ledlab run --sim` does.
struct StationCheck {
  std::vector<instruments::Capabilities> instruments;  // in station order
  std::vector<std::string> names;
  // Per instrument, how its *IDN? compares with its dialect when that is worth a line (a
  // mismatch the station lets through with identity = "warn"); empty otherwise.
  std::vector<std::string> identity;
  std::vector<PreflightReport> reports;
};
// What each instrument declares, one line each, then the reports.
std::string describe(const StationCheck& check);
Result<StationCheck> check_station_for(const StationConfig& config, const SequenceNeeds& needs, bool simulate = false);

// The fallbacks of every report together (one run over all of the station's sockets).
Fallbacks combined(const std::vector<PreflightReport>& reports);
// The report of `socket` (a batch's run), or the only one when `socket` is empty; null if none.
const PreflightReport* report_for(const std::vector<PreflightReport>& reports, std::string_view socket);
// "pre-flight refused the station: it cannot run SEQ:" and a line per missing item.
std::string refusal_message(std::string_view sequence, const std::vector<PreflightReport>& reports);
// The data of the run's "preflight" event: the needs, every report and the fallbacks in use.
nlohmann::json preflight_event_data(const SequenceNeeds& needs, const std::vector<PreflightReport>& reports);

// The reports as one block of text, and whether all of them passed.
std::string describe(const std::vector<PreflightReport>& reports);
bool all_ok(const std::vector<PreflightReport>& reports);

}  // namespace ledlab::engine

#pragma once
// Optical N x M switch: routes the light entering one of its inputs to one of its outputs, so
// one instrument channel can serve many lanes (a 400-lane array on a 4-channel BERT) or
// several DUTs. Inputs and outputs are 1-based. A route is one-to-one: closing input i to
// output o opens whatever o and i were routed to before (a MEMS matrix switch moves one
// mirror per output). A route takes the switch's settle time; the driver waits for it with
// *OPC? (IEEE 488.2 10.19) before it reports the route closed.
// One driver class serves every model; the model's SCPI dialect is a table (dialects.cpp).
#include "instruments/common/instrument.hpp"

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ledlab::instruments {

// How a model answers "which input is routed to this output?".
enum class RoutedReply {
  input_number,   // the input (or ingress port) number, 0 = output open
  letter_output,  // "A,3": input letter, output it is routed to (1 x N switches)
};

// Command formats of one switch model. Every format gets every argument and uses the ones it
// names: {in} input, {out} output, {egress} the output's port number on switches that number
// all ports in one row (inputs + out), {in_letter} "A" for input 1. route_many gets the
// comma-joined lists {ins}, {outs}, {egresses} and {pairs} (each pair formatted with
// route_pair). An empty format means the model lacks the feature: route_many falls back to one
// route per pair, size from config options "inputs" / "outputs".
struct OpticalSwitchDialect {
  std::string_view driver;  // station file name: driver = "ledlab-switch"
  std::string_view description;
  // The *IDN? replies the dialect serves, and where that comes from (dialect_identity.hpp).
  DialectIdentity identity{};
  std::string_view size_inputs;   // query -> number of inputs, or empty
  std::string_view size_outputs;  // query -> number of outputs, or empty
  std::string_view route;         // "ROUT:CLOS (@{in}!{out})"
  std::string_view route_many;    // "ROUT:CLOS (@{pairs})"
  std::string_view route_pair;    // "{in}!{out}"
  std::string_view routed_input;  // query for one output: "ROUT:CONN? {out}"
  RoutedReply routed_reply = RoutedReply::input_number;
  std::string_view open_all;      // "ROUT:OPEN:ALL"
};

const OpticalSwitchDialect* find_optical_switch_dialect(std::string_view driver);
std::vector<std::string> optical_switch_dialect_names();

class OpticalSwitch : public Instrument {
 public:
  OpticalSwitch(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const OpticalSwitchDialect& dialect);

  int inputs() const { return inputs_; }
  int outputs() const { return outputs_; }
  const OpticalSwitchDialect& dialect() const { return dialect_; }
  // The routes as last set by this driver: output -> input.
  const std::map<int, int>& routes() const { return routes_; }

  // Reads the switch's size (where the model reports it) without changing any route.
  boost::asio::awaitable<Status> attach() override;
  // attach(), *CLS, then the routes this driver holds (none at first: every output open).
  boost::asio::awaitable<Status> initialize() override;

  // Routes `input` to `output`, then waits until the switch has settled (*OPC?).
  boost::asio::awaitable<Status> route(int input, int output);
  // Several routes (input, output) at once, in one command where the model has one, then one
  // settle wait. Two pairs naming the same input or output are refused before anything is sent.
  boost::asio::awaitable<Status> route_many(std::vector<std::pair<int, int>> routes);
  // The input the switch reports routed to `output`; 0 when the output is open.
  boost::asio::awaitable<Result<int>> routed_input(int output);
  boost::asio::awaitable<Status> open_all();

  // Opens every route: no light goes anywhere it was not sent on purpose.
  boost::asio::awaitable<Status> safe_state() override;
  // Its size, for the pre-flight check of the sockets' switch inputs and outputs.
  Capabilities capabilities() const override;
  boost::asio::awaitable<Result<std::string>> sample_reading() override;

  // The command that routes the pairs (exposed for the dialect tests). Pairs must be valid.
  std::string format_route(int input, int output) const;
  std::string format_route_many(const std::vector<std::pair<int, int>>& routes) const;
  std::string format_routed_input(int output) const;
  // Parses a reply of routed_input for `output` as the dialect formats it.
  Result<int> parse_routed_input(std::string_view reply, int output) const;

 private:
  Status check_pairs(const std::vector<std::pair<int, int>>& routes, std::string_view command) const;
  boost::asio::awaitable<Status> send_routes(const std::vector<std::pair<int, int>>& routes);
  void remember(int input, int output);
  // Opens all, then closes again the routes this driver last set (its "routes" setting).
  boost::asio::awaitable<Status> resend_routes();

  const OpticalSwitchDialect& dialect_;
  int inputs_ = 1;
  int outputs_ = 1;
  std::map<int, int> routes_;
};

}  // namespace ledlab::instruments

#include "instruments/optical_switch/optical_switch.hpp"

#include "instruments/common/dialect_table.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <charconv>
#include <optional>
#include <set>

namespace ledlab::instruments {

namespace asio = boost::asio;

namespace {
// The instrument refused a route (SCPI error): it kept the old ones, so the driver does too.
bool refused(const Status& st) { return !st && st.error().code == Errc::instrument; }

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '"' || s.back() == '\r')) s.remove_suffix(1);
  return std::string(s);
}

std::optional<int> to_int(std::string_view s) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return v;
}
}  // namespace

OpticalSwitch::OpticalSwitch(InstrumentConfig config, std::unique_ptr<scpi::Session> session,
                             const OpticalSwitchDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect) {
  inputs_ = static_cast<int>(config_.option("inputs", 1));
  outputs_ = static_cast<int>(config_.option("outputs", 1));
  auto& t = settings_table_;
  t.declare_value("driver", "", "", dialect_.driver);
  t.declare_value("inputs", "", "", inputs_);  // facts, read at attach where the model reports them
  t.declare_value("outputs", "", "", outputs_);
  t.declare({"routes", "", dialect_.route,
             [this] {
               nlohmann::json routes = nlohmann::json::object();
               for (auto [out, in] : routes_) routes[std::to_string(out)] = in;
               return routes;
             },
             [this] { return resend_routes(); }});
}

asio::awaitable<Status> OpticalSwitch::attach() {
  if (auto st = co_await Instrument::attach(); !st) co_return st;
  for (auto [query, size] : {std::pair{dialect_.size_inputs, &inputs_}, std::pair{dialect_.size_outputs, &outputs_}}) {
    if (query.empty()) continue;
    auto n = co_await session_->query_int(std::string(query));
    if (!n) co_return fail(n.error());
    if (*n < 1) co_return fail(error(Errc::protocol, fmt::format("reports a size of {}", *n), query));
    *size = static_cast<int>(*n);
  }
  co_return Status{};
}

asio::awaitable<Status> OpticalSwitch::initialize() {
  if (auto st = co_await Instrument::initialize(); !st) co_return st;
  co_return co_await reapply_settings();
}

std::string OpticalSwitch::format_route(int input, int output) const {
  // Input letters: A for input 1, as 1 x N switches name their common port.
  const std::string letter(1, static_cast<char>('A' + (input - 1) % 26));
  return fmt::format(fmt::runtime(dialect_.route), fmt::arg("in", input), fmt::arg("out", output),
                     fmt::arg("egress", inputs_ + output), fmt::arg("in_letter", letter));
}

std::string OpticalSwitch::format_route_many(const std::vector<std::pair<int, int>>& routes) const {
  std::vector<int> ins, outs, egresses;
  std::vector<std::string> pairs;
  for (auto [in, out] : routes) {
    ins.push_back(in);
    outs.push_back(out);
    egresses.push_back(inputs_ + out);
    if (!dialect_.route_pair.empty())
      pairs.push_back(fmt::format(fmt::runtime(dialect_.route_pair), fmt::arg("in", in), fmt::arg("out", out),
                                  fmt::arg("egress", inputs_ + out)));
  }
  return fmt::format(fmt::runtime(dialect_.route_many), fmt::arg("ins", fmt::join(ins, ",")),
                     fmt::arg("outs", fmt::join(outs, ",")), fmt::arg("egresses", fmt::join(egresses, ",")),
                     fmt::arg("pairs", fmt::join(pairs, ",")));
}

std::string OpticalSwitch::format_routed_input(int output) const {
  return fmt::format(fmt::runtime(dialect_.routed_input), fmt::arg("out", output), fmt::arg("egress", inputs_ + output));
}

Result<int> OpticalSwitch::parse_routed_input(std::string_view reply, int output) const {
  const std::string text = trim(reply);
  const auto bad = [&] {
    return fail(error(Errc::protocol, fmt::format("unexpected reply '{}'", text), dialect_.routed_input));
  };
  switch (dialect_.routed_reply) {
    case RoutedReply::input_number: {
      auto n = to_int(text);
      if (!n || *n < 0 || *n > inputs_) return bad();
      return *n;
    }
    case RoutedReply::letter_output: {
      // "A,3": input A is routed to output 3; any other output is dark.
      const auto comma = text.find(',');
      if (comma != 1 || text[0] < 'A' || text[0] > 'Z') return bad();
      auto out = to_int(std::string_view(text).substr(2));
      if (!out) return bad();
      return *out == output ? text[0] - 'A' + 1 : 0;
    }
  }
  return bad();
}

Status OpticalSwitch::check_pairs(const std::vector<std::pair<int, int>>& routes, std::string_view command) const {
  std::set<int> ins, outs;
  for (auto [in, out] : routes) {
    if (in < 1 || in > inputs_)
      return fail(error(Errc::invalid_argument, fmt::format("input {} is not 1..{}", in, inputs_), command));
    if (out < 1 || out > outputs_)
      return fail(error(Errc::invalid_argument, fmt::format("output {} is not 1..{}", out, outputs_), command));
    // One light per output and one output per input: two pairs sharing either would leave
    // the result to the order the switch applies them in.
    if (!ins.insert(in).second)
      return fail(error(Errc::invalid_argument, fmt::format("input {} is routed twice", in), command));
    if (!outs.insert(out).second)
      return fail(error(Errc::invalid_argument, fmt::format("output {} is routed twice", out), command));
  }
  return {};
}

void OpticalSwitch::remember(int input, int output) {
  std::erase_if(routes_, [&](const auto& r) { return r.first == output || r.second == input; });
  routes_[output] = input;
}

asio::awaitable<Status> OpticalSwitch::send_routes(const std::vector<std::pair<int, int>>& routes) {
  if (routes.empty()) co_return Status{};
  if (routes.size() > 1 && !dialect_.route_many.empty()) {
    if (auto st = co_await session_->write_checked(format_route_many(routes)); !st) co_return st;
  } else {
    for (auto [in, out] : routes)
      if (auto st = co_await session_->write_checked(format_route(in, out)); !st) co_return st;
  }
  // The mirrors move after the command is accepted: *OPC? answers once they have settled
  // (IEEE 488.2 12.5.3, the operation complete query).
  co_return co_await session_->wait_complete();
}

asio::awaitable<Status> OpticalSwitch::route(int input, int output) {
  std::vector<std::pair<int, int>> one;
  one.emplace_back(input, output);
  co_return co_await route_many(std::move(one));
}

asio::awaitable<Status> OpticalSwitch::route_many(std::vector<std::pair<int, int>> routes) {
  const std::string command = routes.size() == 1 ? std::string(dialect_.route) : std::string(dialect_.route_many);
  if (auto st = check_pairs(routes, command); !st) co_return st;
  if (dialect_.route_many.empty() && dialect_.open_all.empty() && routes.size() > 1)
    co_return fail(error(Errc::invalid_argument,
                         fmt::format("driver '{}' holds one route at a time, not {}", dialect_.driver, routes.size()),
                         dialect_.route));
  auto st = co_await send_routes(routes);
  if (refused(st)) co_return st;
  // After a transport failure the routes stay, for reapply_settings to send.
  for (auto [in, out] : routes) remember(in, out);
  co_return st;
}

asio::awaitable<Result<int>> OpticalSwitch::routed_input(int output) {
  const std::string command = format_routed_input(output);
  if (output < 1 || output > outputs_)
    co_return fail(error(Errc::invalid_argument, fmt::format("output {} is not 1..{}", output, outputs_), command));
  auto reply = co_await session_->query(command);
  if (!reply) co_return fail(reply.error());
  co_return parse_routed_input(*reply, output);
}

asio::awaitable<Status> OpticalSwitch::open_all() {
  routes_.clear();
  // A 1 x N switch has no open position: its one route stays where it is.
  if (dialect_.open_all.empty()) co_return Status{};
  if (auto st = co_await session_->write_checked(std::string(dialect_.open_all)); !st) co_return st;
  co_return co_await session_->wait_complete();
}

asio::awaitable<Status> OpticalSwitch::safe_state() { co_return co_await open_all(); }

asio::awaitable<Status> OpticalSwitch::resend_routes() {
  std::vector<std::pair<int, int>> routes;
  for (auto [out, in] : routes_) routes.emplace_back(in, out);
  if (!dialect_.open_all.empty()) {
    if (auto st = co_await session_->write_checked(std::string(dialect_.open_all)); !st) co_return st;
  }
  if (routes.empty()) co_return co_await session_->wait_complete();
  co_return co_await send_routes(routes);
}

Capabilities OpticalSwitch::capabilities() const {
  Capabilities c = Instrument::capabilities();
  c.inputs = inputs_;
  c.outputs = outputs_;
  return c;
}

asio::awaitable<Result<std::string>> OpticalSwitch::sample_reading() {
  // What the switch itself reports for its first outputs; nothing is moved.
  std::vector<std::string> parts;
  const int shown = std::min(outputs_, 8);
  for (int out = 1; out <= shown; ++out) {
    auto in = co_await routed_input(out);
    if (!in) co_return fail(in.error());
    parts.push_back(*in == 0 ? fmt::format("out {} open", out) : fmt::format("out {} <- in {}", out, *in));
  }
  co_return fmt::format("{} x {}: {}{}", inputs_, outputs_, fmt::join(parts, ", "), outputs_ > shown ? ", ..." : "");
}

namespace {
std::unique_ptr<Instrument> make_optical_switch(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const OpticalSwitchDialect* d = find_optical_switch_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<OpticalSwitch>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files"): the size of models that do not report it, and
// the simulated twin's settle time.
std::vector<SettingKey> optical_switch_keys() {
  return {
      {"options", "inputs", 1, 100000, false, true},
      {"options", "outputs", 1, 100000, false, true},
      {"options", "settle_s", 0, 10},
  };
}
// A model that does not report its size needs it from the station: without it every route
// beyond input 1 / output 1 would be refused as out of range. A 1 x N model (no bulk route, no
// open position) has one input.
std::optional<SettingProblem> check_optical_switch_settings(const InstrumentConfig& c) {
  const OpticalSwitchDialect* d = find_optical_switch_dialect(c.driver.empty() ? "ledlab-switch" : c.driver);
  if (!d) return std::nullopt;
  for (auto [query, key] : {std::pair{d->size_inputs, "inputs"}, std::pair{d->size_outputs, "outputs"}})
    if (query.empty() && !c.options.contains(key))
      return SettingProblem{"options", key, fmt::format("required: the {} does not report its size", d->description)};
  if (d->route_many.empty() && d->open_all.empty() && c.option("inputs", 1) != 1)
    return SettingProblem{"options", "inputs", fmt::format("the {} has one input", d->description)};
  return std::nullopt;
}
}  // namespace

LEDLAB_REGISTER_DRIVER(optical_switch, optical_switch_dialect_names(), make_optical_switch, optical_switch_keys(),
                       check_optical_switch_settings, identity_in<find_optical_switch_dialect>);

}  // namespace ledlab::instruments

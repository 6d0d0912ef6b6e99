// smu.* of a socket: a channel per lane (electrical: never through an optical switch). Where
// the socket's lanes are the whole SMU the all-channel commands serve as they are; otherwise
// each lane's channel is set on its own and readings are picked from one bulk read.
#include "engine/run/binding_args.hpp"
#include "engine/socket/role_bindings.hpp"
#include "instruments/smu/smu.hpp"

namespace ledlab::engine::socket {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::Smu;
using instruments::SmuReading;
using namespace binding;

namespace {

json readings_json(const std::vector<SmuReading>& r) {
  json v = json::array(), i = json::array();
  for (const auto& x : r) {
    v.push_back(x.voltage_v);
    i.push_back(x.current_a);
  }
  json out = json::object();
  out["voltage_v"] = std::move(v);
  out["current_a"] = std::move(i);
  return out;
}

asio::awaitable<Result<json>> measure_lanes(RoleBinding rb, Smu* smu) {
  auto all = co_await smu->measure_all();
  if (!all) co_return fail(all.error());
  if (rb.role->whole_instrument(smu->channel_count())) co_return readings_json(*all);
  const auto blocks = rb.role->blocks(smu->channel_count());
  auto mine = pick_channels(*all, blocks.front(), rb.role->describe());
  if (!mine) co_return fail(mine.error());
  co_return readings_json(*mine);
}

asio::awaitable<Result<json>> measure_lane(RoleBinding rb, Smu* smu, int lane) {
  auto r = co_await smu->measure(rb.role->lane(lane).channels.front());
  if (!r) co_return fail(r.error());
  json out = json::object();
  out["voltage_v"] = r->voltage_v;
  out["current_a"] = r->current_a;
  co_return out;
}

// What one lane's channel gets: a current, a voltage or an output state.
enum class Set { current, voltage, output };

asio::awaitable<Status> set_channel(Smu* smu, Set what, int channel, double value) {
  switch (what) {
    case Set::current: co_return co_await smu->source_current_a(channel, value);
    case Set::voltage: co_return co_await smu->source_voltage_v(channel, value);
    case Set::output: co_return co_await smu->set_output(channel, value != 0);
  }
  co_return Status{};
}

// Every lane of the socket; the SMU's own all-channel command when the socket is the whole SMU.
asio::awaitable<Result<json>> set_all(RoleBinding rb, Smu* smu, Set what, double value) {
  auto held = co_await rb.role->hold();
  if (rb.role->whole_instrument(smu->channel_count())) {
    switch (what) {
      case Set::current: co_return co_await as_json(smu->source_current_all_a(value));
      case Set::voltage: co_return co_await as_json(smu->source_voltage_all_v(value));
      case Set::output: co_return co_await as_json(smu->set_output_all(value != 0));
    }
  }
  for (int ch : rb.role->blocks(smu->channel_count()).front().channels)
    if (auto st = co_await set_channel(smu, what, ch, value); !st) co_return fail(st.error());
  co_return json();
}

asio::awaitable<Result<json>> set_lane(RoleBinding rb, Smu* smu, Set what, int lane, double value) {
  co_return co_await as_json(set_channel(smu, what, rb.role->lane(lane).channels.front(), value));
}

asio::awaitable<Result<json>> lane_count(RoleBinding rb, Smu* smu) { co_return json(rb.role->lanes(smu->channel_count())); }

asio::awaitable<Result<json>> driver_power(Smu* smu) {
  const auto w = smu->declared_driver_power_per_lane_w();
  co_return w ? json(*w) : json();
}

}  // namespace

void bind_smu_role(lua::SequenceRunner& runner, const RoleBinding& rb, Smu* smu) {
  const std::string n = rb.role->map().role;
  const auto lanes = [rb, smu] { return rb.role->lanes(smu->channel_count()); };
  // `smu.<method>(lane, value)`
  const auto per_lane = [&](std::string method, std::string what, Set set) -> Method {
    return [rb, smu, lanes, method = n + "." + method, what, set](json a) -> asio::awaitable<Result<json>> {
      if (auto st = count_args(a, 2, method, "lane, " + what); !st) co_return fail(st.error());
      auto lane = whole_arg(a, 0, method, "lane", 1, lanes());
      if (!lane) co_return fail(lane.error());
      auto x = number_arg(a, 1, method, what);
      if (!x) co_return fail(x.error());
      co_return co_await set_lane(rb, smu, set, static_cast<int>(*lane), *x);
    };
  };
  add(runner, n + ".source_current", per_lane("source_current", "amperes", Set::current));
  add(runner, n + ".source_voltage", per_lane("source_voltage", "volts", Set::voltage));
  add(runner, n + ".source_current_all", one_number(n + ".source_current_all", "amperes", [rb, smu](double a) {
        return set_all(rb, smu, Set::current, a);
      }));
  add(runner, n + ".source_voltage_all", one_number(n + ".source_voltage_all", "volts", [rb, smu](double v) {
        return set_all(rb, smu, Set::voltage, v);
      }));
  add(runner, n + ".set_compliance_v", one_number(n + ".set_compliance_v", "volts", [smu](double v) { return smu->set_compliance_v(v); }));
  add(runner, n + ".set_compliance_a", one_number(n + ".set_compliance_a", "amperes", [smu](double a) { return smu->set_compliance_a(a); }));
  add(runner, n + ".output", [rb, smu, lanes, n](json a) -> asio::awaitable<Result<json>> {
    if (a.size() != 2 || !a[1].is_boolean())
      co_return fail(Errc::invalid_argument, n + ".output: expected two arguments, a lane and true or false");
    auto lane = whole_arg(a, 0, n + ".output", "lane", 1, lanes());
    if (!lane) co_return fail(lane.error());
    co_return co_await set_lane(rb, smu, Set::output, static_cast<int>(*lane), a[1].get<bool>() ? 1 : 0);
  });
  add(runner, n + ".output_all", [rb, smu, n](json a) -> asio::awaitable<Result<json>> {
    if (a.size() != 1 || !a[0].is_boolean())
      co_return fail(Errc::invalid_argument, n + ".output_all: expected one argument, true or false");
    co_return co_await set_all(rb, smu, Set::output, a[0].get<bool>() ? 1 : 0);
  });
  add(runner, n + ".measure", [rb, smu, lanes, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".measure", "lane"); !st) co_return fail(st.error());
    auto lane = whole_arg(a, 0, n + ".measure", "lane", 1, lanes());
    if (!lane) co_return fail(lane.error());
    co_return co_await measure_lane(rb, smu, static_cast<int>(*lane));
  });
  add(runner, n + ".measure_all", no_args(n + ".measure_all", [rb, smu] { return measure_lanes(rb, smu); }));
  add(runner, n + ".channels", no_args(n + ".channels", [rb, smu] { return lane_count(rb, smu); }));
  add(runner, n + ".driver_power_per_lane", no_args(n + ".driver_power_per_lane", [smu] { return driver_power(smu); }));
}

}  // namespace ledlab::engine::socket

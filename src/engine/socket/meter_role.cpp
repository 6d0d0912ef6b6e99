// opm.* of a socket: one reading per lane of the DUT, from the meter's channels the lanes are
// wired to, or block by block through an optical switch.
#include "engine/run/binding_args.hpp"
#include "engine/socket/role_bindings.hpp"
#include "instruments/power_meter/power_meter.hpp"

#include <limits>

namespace ledlab::engine::socket {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::PowerMeter;
using namespace binding;

namespace {

asio::awaitable<Result<json>> read_lanes(RoleBinding rb, PowerMeter* pm) {
  // One bulk read of the whole meter, as before sockets.
  if (rb.role->whole_instrument(pm->channel_count())) co_return co_await as_json(pm->read_all_w());
  std::vector<double> out(static_cast<std::size_t>(rb.role->lanes(pm->channel_count())));
  for (const auto& block : rb.role->blocks(pm->channel_count())) {
    auto held = co_await rb.role->hold();
    if (auto st = co_await rb.role->route(block); !st) co_return fail(st.error());
    auto all = co_await pm->read_all_w();
    if (!all) co_return fail(all.error());
    auto mine = pick_channels(*all, block, rb.role->describe());
    if (!mine) co_return fail(mine.error());
    for (std::size_t k = 0; k < block.lanes.size(); ++k) out[static_cast<std::size_t>(block.lanes[k])] = (*mine)[k];
  }
  co_return json(out);
}

asio::awaitable<Result<json>> read_lane(RoleBinding rb, PowerMeter* pm, int lane) {
  const LaneBlock block = rb.role->lane(lane);
  auto held = co_await rb.role->hold();
  if (auto st = co_await rb.role->route(block); !st) co_return fail(st.error());
  co_return co_await as_json(pm->read_power_w(block.channels.front()));
}

asio::awaitable<Result<json>> set_wavelength(RoleBinding rb, PowerMeter* pm, double nm) {
  auto held = co_await rb.role->hold();
  co_return co_await as_json(pm->set_wavelength_nm(nm));
}

}  // namespace

void bind_meter_role(lua::SequenceRunner& runner, const RoleBinding& rb, PowerMeter* pm) {
  const std::string n = rb.role->map().role;
  add(runner, n + ".read_all", no_args(n + ".read_all", [rb, pm] { return read_lanes(rb, pm); }));
  add(runner, n + ".read", [rb, pm, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".read", "lane"); !st) co_return fail(st.error());
    auto lane = whole_arg(a, 0, n + ".read", "lane", 1, rb.role->lanes(pm->channel_count()));
    if (!lane) co_return fail(lane.error());
    co_return co_await read_lane(rb, pm, static_cast<int>(*lane));
  });
  add(runner, n + ".set_wavelength", one_number(n + ".set_wavelength", "nm", [rb, pm](double nm) {
        return set_wavelength(rb, pm, nm);
      }));
}

}  // namespace ledlab::engine::socket

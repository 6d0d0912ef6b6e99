// bert.* of a socket: every lane of the DUT gated and read, directly or in blocks of the
// channels behind an optical switch. A BERT shared by several sockets keeps each socket's bit
// rate and pattern: they are set again, under the socket's hold, before its gate.
#include "engine/run/binding_args.hpp"
#include "engine/socket/role_bindings.hpp"
#include "instruments/bert/bert.hpp"

#include <fmt/format.h>

#include <cstdint>
#include <optional>

namespace ledlab::engine::socket {

namespace asio = boost::asio;
using nlohmann::json;
using instruments::Bert;
using namespace binding;

namespace {

// What this socket last set on the BERT (a shared one may have another socket's since).
struct BertSettings {
  std::optional<double> bit_rate_hz;
  std::optional<instruments::Prbs> pattern;
};

asio::awaitable<Status> restore(Bert* b, const BertSettings& mine) {
  if (mine.bit_rate_hz && b->bit_rate_hz() != *mine.bit_rate_hz)
    if (auto st = co_await b->set_bit_rate_hz(*mine.bit_rate_hz); !st) co_return st;
  if (mine.pattern && b->pattern() != *mine.pattern)
    if (auto st = co_await b->set_pattern(*mine.pattern); !st) co_return st;
  co_return Status{};
}

bool gates_by_bits(const Bert* b) {
  const auto* dialect = instruments::find_bert_dialect(b->config().driver);
  return dialect && !dialect->set_gate_bits.empty();
}

// The gate for `bits` per lane: by bits, or where the model cannot count bits and pre-flight
// allows it, by the time those bits take at the bit rate.
asio::awaitable<Result<double>> set_gate(const RoleBinding& rb, Bert* b, std::uint64_t bits) {
  const double seconds = static_cast<double>(bits) / b->bit_rate_hz();
  if (gates_by_bits(b)) {
    if (auto st = co_await b->set_gate_bits(bits); !st) co_return fail(st.error());
    co_return seconds;
  }
  if (!rb.allowed->gate_by_time)
    co_return fail(Errc::config,
                   fmt::format("{}: {} cannot gate by bits (driver '{}') and pre-flight allowed no gate by time",
                               rb.role->method("gate_bits"), rb.role->describe(), b->config().driver));
  note_fallback(*rb.used, &FallbacksUsed::gate_by_time,
                fmt::format("{}: gated by time ({:.6g} s for {:.6g} bits at {:.6g} b/s): driver '{}' cannot gate by bits",
                            rb.role->describe(), seconds, static_cast<double>(bits), b->bit_rate_hz(), b->config().driver));
  if (auto st = co_await b->set_gate_time_s(seconds); !st) co_return fail(st.error());
  co_return seconds;
}

asio::awaitable<Result<json>> gate_lanes(RoleBinding rb, Bert* b, std::shared_ptr<BertSettings> mine, std::uint64_t bits) {
  const int lanes = rb.role->lanes(b->lane_count());
  std::vector<std::uint64_t> errors(static_cast<std::size_t>(lanes)), counted(static_cast<std::size_t>(lanes));
  for (const auto& block : rb.role->blocks(b->lane_count())) {
    // Route, gate and read are one step: no other socket re-routes or restarts the gate between.
    auto held = co_await rb.role->hold();
    if (auto st = co_await restore(b, *mine); !st) co_return fail(st.error());
    if (auto st = co_await rb.role->route(block); !st) co_return fail(st.error());
    auto seconds = co_await set_gate(rb, b, bits);
    if (!seconds) co_return fail(seconds.error());
    if (auto st = co_await b->start_gate(); !st) co_return fail(st.error());
    // A 1e-12 gate takes 25 min at 2 Gb/s: wait it out on the run's clock first, so *OPC?
    // (bounded by the session's opc_timeout) only covers the end of the gate.
    co_await rb.clock->sleep(*seconds);
    if (auto st = co_await b->wait_gate(); !st) co_return fail(st.error());
    auto counts = co_await b->read_all();
    if (!counts) co_return fail(counts.error());
    auto mine_counts = pick_channels(*counts, block, rb.role->describe());
    if (!mine_counts) co_return fail(mine_counts.error());
    for (std::size_t k = 0; k < block.lanes.size(); ++k) {
      errors[static_cast<std::size_t>(block.lanes[k])] = (*mine_counts)[k].errors;
      counted[static_cast<std::size_t>(block.lanes[k])] = (*mine_counts)[k].bits;
    }
  }
  json out = json::object();
  out["errors"] = errors;
  out["bits"] = counted;
  co_return out;
}

asio::awaitable<Result<json>> amplitudes(RoleBinding rb, Bert* b) {
  if (rb.role->whole_instrument(b->lane_count())) co_return co_await as_json(b->read_amplitudes_w());
  std::vector<double> out(static_cast<std::size_t>(rb.role->lanes(b->lane_count())));
  for (const auto& block : rb.role->blocks(b->lane_count())) {
    auto held = co_await rb.role->hold();
    if (auto st = co_await rb.role->route(block); !st) co_return fail(st.error());
    auto all = co_await b->read_amplitudes_w();
    if (!all) co_return fail(all.error());
    auto mine = pick_channels(*all, block, rb.role->describe());
    if (!mine) co_return fail(mine.error());
    for (std::size_t k = 0; k < block.lanes.size(); ++k) out[static_cast<std::size_t>(block.lanes[k])] = (*mine)[k];
  }
  co_return json(out);
}

asio::awaitable<Result<json>> set_bit_rate(RoleBinding rb, Bert* b, std::shared_ptr<BertSettings> mine, double hz) {
  auto held = co_await rb.role->hold();
  if (auto st = co_await b->set_bit_rate_hz(hz); !st) co_return fail(st.error());
  mine->bit_rate_hz = b->bit_rate_hz();
  co_return json();
}

asio::awaitable<Result<json>> set_pattern(RoleBinding rb, Bert* b, std::shared_ptr<BertSettings> mine,
                                          instruments::Prbs pattern) {
  auto held = co_await rb.role->hold();
  if (auto st = co_await b->set_pattern(pattern); !st) co_return fail(st.error());
  mine->pattern = pattern;
  co_return json();
}

}  // namespace

void bind_bert_role(lua::SequenceRunner& runner, const RoleBinding& rb, Bert* b) {
  auto mine = std::make_shared<BertSettings>();
  const std::string n = rb.role->map().role;
  add(runner, n + ".set_bit_rate", [rb, b, mine, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".set_bit_rate", "hz"); !st) co_return fail(st.error());
    auto hz = number_arg(a, 0, n + ".set_bit_rate", "hz");
    if (!hz) co_return fail(hz.error());
    co_return co_await set_bit_rate(rb, b, mine, *hz);
  });
  // Gates every lane for a number of bits and returns {errors={...}, bits={...}} per lane.
  add(runner, n + ".gate_bits", [rb, b, mine, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".gate_bits", "bits"); !st) co_return fail(st.error());
    auto whole = whole_arg(a, 0, n + ".gate_bits", "bits", 1, static_cast<std::int64_t>(Bert::kMaxGateBits));
    if (!whole) co_return fail(whole.error());
    co_return co_await gate_lanes(rb, b, mine, static_cast<std::uint64_t>(*whole));
  });
  add(runner, n + ".amplitudes", no_args(n + ".amplitudes", [rb, b] { return amplitudes(rb, b); }));
  // PRBS order of generator and detector both: 7, 15, 23 or 31.
  add(runner, n + ".set_pattern", [rb, b, mine, n](json a) -> asio::awaitable<Result<json>> {
    if (auto st = count_args(a, 1, n + ".set_pattern", "PRBS order"); !st) co_return fail(st.error());
    auto order = whole_arg(a, 0, n + ".set_pattern", "PRBS order", 7, 31);
    if (!order) co_return fail(order.error());
    auto pattern = instruments::prbs_from_order(static_cast<int>(*order));
    if (!pattern) co_return fail(Errc::invalid_argument, fmt::format("{}.set_pattern: PRBS{} (use 7, 15, 23 or 31)", n, *order));
    co_return co_await set_pattern(rb, b, mine, *pattern);
  });
}

}  // namespace ledlab::engine::socket

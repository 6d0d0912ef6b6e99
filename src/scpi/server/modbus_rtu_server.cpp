#include "scpi/server/modbus_rtu_server.hpp"

#include "core/log.hpp"
#include "io/modbus/rtu_timing.hpp"
#include "io/with_timeout.hpp"
#include "scpi/server/reply_pacing.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

#include <array>

namespace ledlab::scpi::server {

namespace asio = boost::asio;
namespace mb = io::modbus;

namespace {
constexpr std::string_view kModule = "twin";
constexpr std::uint8_t kBroadcast = 0;
}  // namespace

ModbusRtuServer::ModbusRtuServer(asio::io_context& io, std::shared_ptr<Device> device, mb::RegisterMap map,
                                 std::uint8_t unit, io::SerialSettings line, std::shared_ptr<Clock> clock)
    : SerialServer(io, device, line, clock), view_(std::move(device), std::move(map)), unit_(unit), baud_(line.baud),
      pacing_clock_(clock ? std::move(clock) : std::make_shared<Clock>(1.0)) {}

asio::awaitable<void> ModbusRtuServer::serve(std::shared_ptr<asio::posix::stream_descriptor> port, std::uint64_t generation) {
  ConnectionState state;
  std::string input;
  std::array<char, 512> chunk{};
  asio::steady_timer timer(port->get_executor());
  const auto t35 = mb::rtu_silent_interval(baud_);
  const auto still_plugged = [&] { return generation == plug_count() && port->is_open(); };
  for (;;) {
    // How long the frame at the front is, once its function says so.
    std::optional<std::size_t> frame_bytes;
    bool unknown_function = false;
    if (input.size() >= 2) {
      const auto pdu = mb::request_pdu_size(std::string_view(input).substr(1));
      if (pdu && *pdu == 0) unknown_function = true;
      else if (pdu) frame_bytes = 1 + *pdu + 2;
    }
    if (frame_bytes && *frame_bytes > mb::kMaxRtuFrame) {  // a byte count no RTU frame can hold
      ++discarded_;
      input.clear();
      continue;
    }
    std::string frame;
    if (frame_bytes && input.size() >= *frame_bytes) {
      frame = input.substr(0, *frame_bytes);
      input.erase(0, *frame_bytes);
    } else {
      // Unknown length: the frame ends with the line's silence (Serial Line 2.5.1.1).
      const auto limit = unknown_function ? std::chrono::duration_cast<std::chrono::steady_clock::duration>(t35)
                                          : std::chrono::steady_clock::duration(std::chrono::hours(24));
      auto got = co_await io::with_timeout([&](auto token) { return port->async_read_some(asio::buffer(chunk), token); }, limit);
      if (!still_plugged()) co_return;
      if (got) {
        auto [ec, n] = *got;
        if (ec) co_return;
        input.append(chunk.data(), n);
        if (input.size() > mb::kMaxRtuFrame && !frame_bytes) {
          ++discarded_;
          input.clear();
        }
        continue;
      }
      frame = std::move(input);
      input.clear();
    }
    auto decoded = mb::decode_rtu(frame);
    if (!decoded) {  // Serial Line 2.5.1.2: a frame with a bad CRC is discarded, not answered
      ++discarded_;
      log::info(kModule, "{}: Modbus RTU frame discarded: {}", device().identity().model, decoded.error().message);
      input.clear();
      continue;
    }
    if (decoded->unit != unit_ && decoded->unit != kBroadcast) continue;
    RegisterView::Answer answer = view_.answer(decoded->pdu, state);
    if (answer.fault.drop || device().faults().in_outage()) {
      log::info(kModule, "{}: injected fault: unplugging the Modbus RTU line", device().identity().model);
      if (auto st = replug(); !st) log::warn(kModule, "{}: {}", device().identity().model, st.error().describe());
      co_return;
    }
    if (decoded->unit == kBroadcast) continue;
    Outcome paced;
    paced.has_reply = true;
    paced.delay_s = answer.delay_s;
    paced.fault = answer.fault;
    co_await hold_reply(io_, *pacing_clock_, paced, timer);
    if (!still_plugged()) co_return;
    std::string reply = mb::encode_rtu(unit_, answer.pdu);
    if (answer.fault.garble) device().faults().garble_text(reply);
    auto [wec, written] = co_await asio::async_write(*port, asio::buffer(reply), asio::as_tuple(asio::use_awaitable));
    if (wec) co_return;
  }
}

}  // namespace ledlab::scpi::server

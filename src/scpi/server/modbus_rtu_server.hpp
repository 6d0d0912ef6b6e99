#pragma once
// Serves a twin as a Modbus RTU unit on a pseudo-terminal (Modbus over Serial Line V1.02),
// through its register view, behind the stable path and unplugging of SerialServer. A request
// is framed by the length its function fixes (2.5.1.1), or for a function this server does not
// know by the t3.5 silence after it; a frame with a bad CRC is discarded unanswered (2.5.1.2),
// as is one for another unit; a broadcast (unit 0) write is done and not answered (2.1).
#include "scpi/server/register_view.hpp"
#include "scpi/server/serial_server.hpp"

namespace ledlab::scpi::server {

class ModbusRtuServer final : public SerialServer {
 public:
  ModbusRtuServer(boost::asio::io_context& io, std::shared_ptr<Device> device, io::modbus::RegisterMap map,
                  std::uint8_t unit, io::SerialSettings line, std::shared_ptr<Clock> clock = nullptr);

  std::size_t discarded_frames() const { return discarded_; }

 private:
  boost::asio::awaitable<void> serve(std::shared_ptr<boost::asio::posix::stream_descriptor> port,
                                     std::uint64_t generation) override;

  RegisterView view_;
  std::uint8_t unit_;
  unsigned baud_;
  std::shared_ptr<Clock> pacing_clock_;
  std::size_t discarded_ = 0;
};

}  // namespace ledlab::scpi::server

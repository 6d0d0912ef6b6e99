#include "instruments/common/twin_log_commands.hpp"

#include "instruments/sim/twin_log.hpp"

namespace ledlab::instruments {

void register_log_commands(scpi::server::Device& device, std::shared_ptr<sim::TwinLog> log, std::string instrument) {
  // Without a station log (a twin made on its own) the log is the twin's alone.
  if (!log) log = std::make_shared<sim::TwinLog>();
  device.on("SIMulate:LOG:CLEar", [log, instrument](scpi::server::Request&) { log->clear(instrument); });
  device.on("SIMulate:LOG", {}, [log, instrument](scpi::server::Request& r) { r.reply_block(log->text(instrument)); });
}

}  // namespace ledlab::instruments

#pragma once
// A twin seen through a register map: each Modbus request becomes the map's program messages
// on the Device ("NAME?" for a read, "NAME value" for a write), so the Modbus twin runs the
// same model, limits and fault injection as the twin on a raw socket. Requests the map or the
// twin cannot serve get the exception a controller would send (Modbus Application Protocol
// V1.1b3 section 7): 02 for an address no register starts at or a register split by the
// request, 03 for a value the twin refuses, 04 when the twin fails otherwise.
#include "io/modbus/protocol.hpp"
#include "io/modbus/register_map.hpp"
#include "scpi/server/device.hpp"

#include <memory>
#include <string>

namespace ledlab::scpi::server {

class RegisterView {
 public:
  RegisterView(std::shared_ptr<Device> device, io::modbus::RegisterMap map);

  struct Answer {
    std::string pdu;    // the response PDU (an exception response included)
    FaultAction fault;  // what the twin's fault plan decided for these messages
    double delay_s = 0; // simulated seconds the twin takes
  };
  Answer answer(std::string_view request_pdu, ConnectionState& state);

  Device& device() { return *device_; }
  const std::shared_ptr<Device>& shared_device() const { return device_; }
  const io::modbus::RegisterMap& map() const { return map_; }

 private:
  // Runs one line on the twin; the SCPI error it queued (0 = none) comes back.
  int run(const std::string& line, ConnectionState& state, Answer& answer, std::string* reply);
  io::modbus::Exception read(const io::modbus::Request& request, ConnectionState& state, Answer& answer,
                             std::vector<std::uint16_t>& words);
  io::modbus::Exception write(const io::modbus::Request& request, ConnectionState& state, Answer& answer);
  const io::modbus::Register* at(io::modbus::Table table, std::uint32_t address) const;

  std::shared_ptr<Device> device_;
  io::modbus::RegisterMap map_;
};

}  // namespace ledlab::scpi::server

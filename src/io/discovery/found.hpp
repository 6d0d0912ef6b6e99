#pragma once
// What `ledlab discover` finds: one instrument, the VISA resource string that reaches it, how it
// was found and, once asked, its *IDN? reply or why it gave none.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ledlab::io::discovery {

struct Found {
  std::string resource;   // VISA resource string: TCPIP0::10.0.0.7::5025::SOCKET, USB0::0x0957::...::INSTR
  std::string via;        // how it was found: "mdns _scpi-raw._tcp", "vxi11 broadcast", "usb"
  std::string host;       // numeric address (LAN methods); empty on USB
  std::uint16_t port = 0; // the service's port (LAN methods)
  std::string name;       // DNS-SD instance name, USB product string
  std::vector<std::pair<std::string, std::string>> details;  // TXT keys, USB strings
  std::string idn;        // the *IDN? reply
  std::string error;      // why *IDN? failed; the instrument stays listed
};

// Adds `found`, or merges it into the entry with the same resource (an instrument announced
// under two service types, or found by two methods): its `via` then names both.
void add_found(std::vector<Found>& list, Found found);

}  // namespace ledlab::io::discovery

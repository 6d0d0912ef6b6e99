#pragma once
// DNS messages as Multicast DNS (RFC 6762) and DNS-SD (RFC 6763) use them: the RFC 1035 wire
// format with the record types service discovery needs (PTR, SRV, TXT, A, AAAA). Decoding
// takes packets from anyone on the LAN: every length is checked against the packet before it
// is used, compression pointers may only point backwards, and a malformed packet is an
// Errc::protocol error naming the byte where it went wrong, never a crash or a hang.
#include "core/error.hpp"

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::io::dns {

// A domain name as its labels, without the root. DNS-SD instance names may hold dots and
// spaces (RFC 6763 section 4.3), so a name is never split on '.' after decoding.
using Name = std::vector<std::string>;

// "_lxi._tcp.local" -> {"_lxi", "_tcp", "local"}; for names we write ourselves.
Name name_from_dotted(std::string_view dotted);
// Labels joined with '.', a dot or backslash inside a label escaped with '\' (RFC 6763 4.3).
std::string to_text(const Name& name);
// RFC 6762 section 16: names compare case-insensitively in ASCII.
bool same_name(const Name& a, const Name& b);

enum class Type : std::uint16_t { a = 1, ptr = 12, txt = 16, aaaa = 28, srv = 33, any = 255 };
constexpr std::uint16_t kClassIn = 1;
// RFC 6762 section 5.4 (questions: unicast response wanted) and 10.2 (records: cache flush).
constexpr std::uint16_t kTopBit = 0x8000;
constexpr std::uint16_t kFlagResponse = 0x8000;       // QR
constexpr std::uint16_t kFlagAuthoritative = 0x0400;  // AA: RFC 6762 section 18.4

struct Question {
  Name name;
  std::uint16_t type = 0;
  bool unicast_response = false;  // the QU bit
};

struct Srv {
  std::uint16_t priority = 0;
  std::uint16_t weight = 0;
  std::uint16_t port = 0;
  Name target;
};

struct Record {
  Name name;
  std::uint16_t type = 0;
  bool cache_flush = false;
  std::uint32_t ttl_s = 0;
  // The data, by type; the others stay empty.
  Name ptr;                        // PTR
  Srv srv;                         // SRV
  std::vector<std::string> txt;    // TXT: its character-strings ("key=value")
  std::array<std::uint8_t, 4> a{};      // A
  std::array<std::uint8_t, 16> aaaa{};  // AAAA
  std::string other;               // any other type: the raw RDATA
};

struct Message {
  std::uint16_t id = 0;
  std::uint16_t flags = 0;
  std::vector<Question> questions;
  std::vector<Record> answers;
  std::vector<Record> authorities;
  std::vector<Record> additionals;

  bool is_response() const { return (flags & kFlagResponse) != 0; }
};

// RFC 1035 section 2.3.4: at most 63 bytes a label, 255 a name; RFC 6762 section 17: an mDNS
// message fits 9000 bytes. encode() refuses what breaks these (Errc::invalid_argument naming
// the name), writes names uncompressed (the decoder takes both).
constexpr std::size_t kMaxLabel = 63;
constexpr std::size_t kMaxName = 255;
constexpr std::size_t kMaxMessage = 9000;

Result<std::vector<std::uint8_t>> encode(const Message& message);
Result<Message> decode(std::span<const std::uint8_t> packet);

// Record builders for the responder and the tests.
Record ptr_record(Name name, Name target, std::uint32_t ttl_s);
Record srv_record(Name name, std::uint16_t port, Name target, std::uint32_t ttl_s);
Record txt_record(Name name, std::vector<std::string> strings, std::uint32_t ttl_s);
Record a_record(Name name, std::array<std::uint8_t, 4> address, std::uint32_t ttl_s);

}  // namespace ledlab::io::dns

#pragma once
// Which *IDN? replies a dialect serves, and what a driver does when the instrument it attached
// to answers with another identity.
//
// IEEE 488.2 section 10.14 (*IDN?): the reply is four comma-separated fields, manufacturer,
// model, serial number and firmware level. A dialect names the manufacturers and models it
// serves as patterns over the first two fields: alternatives separated by '|', each a glob
// ('*' any run of characters, '?' one character), compared without regard to case (makers
// write "KEITHLEY INSTRUMENTS INC." on one model and "Keithley Instruments" on the next).
#include "scpi/session.hpp"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments {

struct DialectIdentity {
  std::string_view manufacturers;  // "Keysight Technologies|Agilent Technologies"; empty: not declared
  std::string_view models;         // "N4903*"
  // An *IDN? reply of the model, as its manual prints it (the serial and firmware fields are
  // examples). A simulated twin serving this dialect answers it, with its own serial.
  std::string_view sample;
  std::string_view source;  // where the patterns come from: the maker's manual and section

  bool declared() const { return !manufacturers.empty() || !models.empty(); }
};

// Whether `text` matches one of the '|'-separated globs of `patterns`, ignoring case.
bool matches_pattern(std::string_view patterns, std::string_view text);
// Whether the reply's manufacturer and model fields match the dialect's patterns. A dialect
// that declares no patterns matches every reply (there is nothing to compare with).
bool matches(const DialectIdentity& dialect, const scpi::Identity& id);

// What a station entry's `identity` key says to do with a reply the dialect does not serve.
enum class IdentityPolicy {
  refuse,  // attach fails: the driver would send one model's commands to another
  warn,    // logged, and `ledlab check` shows it; the driver carries on
  ignore,  // not compared (an unlisted model known to speak the dialect)
};

std::string_view to_string(IdentityPolicy policy);
// "refuse" | "warn" | "ignore"; anything else is an empty result.
std::optional<IdentityPolicy> parse_identity_policy(std::string_view text);

// The outcome of comparing an instrument's *IDN? reply with its dialect.
struct IdentityCheck {
  enum class Verdict { matched, mismatched, undeclared, ignored } verdict = Verdict::undeclared;
  std::string dialect;                   // the dialect the station names
  std::string idn;                       // the reply as read
  std::vector<std::string> would_match;  // "kind/driver" of every dialect whose patterns match it
  // One line for `ledlab check`: "matches n4903b (Keysight Technologies|Agilent Technologies N4903*)".
  std::string describe() const;
};

}  // namespace ledlab::instruments

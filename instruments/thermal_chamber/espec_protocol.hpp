#pragma once
// The command format of ESPEC chamber controllers on their RS-232C/RS-485 port (P-300,
// SCP-220; the ESPEC controllers' communication manuals, "Command format" and "Response
// format"; the same shape is in the ESPEC EHS-211/411 communication manual, 1.3 "Transmitted
// data" and 3.2 "Monitor commands"):
//   monitor command   HEADER?[,option]       answered with the data: "24.1,25.0,180.0,-70.0"
//   setting command   HEADER, PARAM[ PARAM]   answered "OK: ..." when done, "NA:reason" when not
// Every line is answered, lines end with CR LF, and there are no IEEE 488.2 common commands.
// RS-485 puts the unit address in front ("1,TEMP?"); on RS-232C there is none.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::instruments::espec {

struct Command {
  std::string header;  // "TEMP"
  bool monitor = false;  // "TEMP?"
  std::vector<std::string> params;  // "TEMP, S25.0 H80.0" -> {"S25.0", "H80.0"}; "ROM?,DISP" -> {"DISP"}
};

// nullopt when the line has no header.
std::optional<Command> parse(std::string_view line);

// The controller's replies to a setting command (see the header comment).
std::string accepted(std::string_view line);  // "OK: TEMP, S25.0"
std::string refused(std::string_view reason); // "NA:DATA OUT OF RANGE"

// Reasons the controllers give after "NA:" (ESPEC P-300/SCP-220 manuals, error messages).
inline constexpr std::string_view kCommandError = "CMD ERR";
inline constexpr std::string_view kParameterError = "PARA ERR";
inline constexpr std::string_view kOutOfRange = "DATA OUT OF RANGE";

}  // namespace ledlab::instruments::espec

#pragma once
// Typed access to the parameters of one SCPI message unit. A bad parameter throws
// CommandError with the standard negative code; the device puts it in the error queue.
#include <initializer_list>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::scpi::server {

// Raised by handlers; becomes one entry of the error queue (IEEE 488.2 / SCPI-99 codes).
struct CommandError {
  int code;
  std::string message;
};

namespace codes {
inline constexpr int command_error = -100, invalid_character = -101, syntax_error = -102,
                     data_type_error = -104, parameter_not_allowed = -108, missing_parameter = -109,
                     undefined_header = -113, invalid_suffix = -131, invalid_block_data = -161,
                     execution_error = -200, settings_conflict = -221, data_out_of_range = -222,
                     too_much_data = -223, illegal_parameter_value = -224, hardware_error = -240,
                     device_error = -300, queue_overflow = -350, input_buffer_overrun = -363, query_error = -400,
                     query_interrupted = -410, query_unterminated = -420;
}

// Numeric range of a parameter; MINimum, MAXimum and DEFault name its ends and default.
struct Limits {
  double min = -std::numeric_limits<double>::infinity();
  double max = std::numeric_limits<double>::infinity();
  std::optional<double> def{};
};

class Params {
 public:
  explicit Params(std::vector<std::string> raw = {}) : raw_(std::move(raw)) {}

  std::size_t size() const { return raw_.size(); }
  bool has(std::size_t i) const { return i < raw_.size(); }
  const std::string& raw(std::size_t i) const;

  // `unit` is the base unit the value may carry with an SI prefix ("HZ": 2GHZ, 10MHZ; "S": 5MS).
  double real(std::size_t i, const Limits& limits = {}, std::string_view unit = {}) const;
  long long integer(std::size_t i, const Limits& limits = {}) const;
  bool boolean(std::size_t i) const;
  // Returns the index in `options` (given in pattern form, "PRBS31", "TIME") of the word.
  std::size_t choice(std::size_t i, std::initializer_list<std::string_view> options) const;
  std::string text(std::size_t i) const;  // quoted string or bare word

  // Highest index a handler looked at, to report unexpected extra parameters (-108).
  std::size_t consumed() const { return consumed_; }

 private:
  const std::string& need(std::size_t i) const;
  std::vector<std::string> raw_;
  mutable std::size_t consumed_ = 0;
};

}  // namespace ledlab::scpi::server

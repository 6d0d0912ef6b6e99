#include "scpi/server/params.hpp"

#include "scpi/numbers.hpp"
#include "scpi/server/keyword.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>

namespace ledlab::scpi::server {
namespace {

std::string upper(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::optional<double> prefix_multiplier(std::string_view prefix, std::string_view unit) {
  if (prefix.empty()) return 1.0;
  // SCPI-99 7.7.3: M is milli, except MHZ and MOHM, which are mega; MA is always mega.
  if (prefix == "M") return (unit == "HZ" || unit == "OHM") ? 1e6 : 1e-3;
  if (prefix == "MA") return 1e6;
  if (prefix == "T") return 1e12;
  if (prefix == "G") return 1e9;
  if (prefix == "K") return 1e3;
  if (prefix == "U") return 1e-6;
  if (prefix == "N") return 1e-9;
  if (prefix == "P") return 1e-12;
  return std::nullopt;
}

}  // namespace

const std::string& Params::raw(std::size_t i) const { return need(i); }

const std::string& Params::need(std::size_t i) const {
  consumed_ = std::max(consumed_, i + 1);
  if (i >= raw_.size()) throw CommandError{codes::missing_parameter, "Missing parameter"};
  return raw_[i];
}

double Params::real(std::size_t i, const Limits& limits, std::string_view unit) const {
  const std::string word = upper(need(i));
  double value;
  if ((word == "MIN" || word == "MINIMUM") && std::isfinite(limits.min)) {
    value = limits.min;
  } else if ((word == "MAX" || word == "MAXIMUM") && std::isfinite(limits.max)) {
    value = limits.max;
  } else if ((word == "DEF" || word == "DEFAULT") && limits.def) {
    value = *limits.def;
  } else {
    // Split the numeric part from an optional suffix ("2.5GHZ", "850 NM").
    std::size_t end = 0;
    while (end < word.size() &&
           (std::isdigit(static_cast<unsigned char>(word[end])) || word[end] == '.' || word[end] == '+' || word[end] == '-' ||
            (word[end] == 'E' && end + 1 < word.size() &&
             (std::isdigit(static_cast<unsigned char>(word[end + 1])) || word[end + 1] == '+' || word[end + 1] == '-'))))
      ++end;
    auto number = parse_real(std::string_view(word).substr(0, end));
    if (!number) throw CommandError{codes::data_type_error, fmt::format("Data type error; '{}' is not a number", raw_[i])};
    std::string suffix = word.substr(end);
    std::erase(suffix, ' ');
    double multiplier = 1.0;
    if (!suffix.empty()) {
      if (unit.empty() || !suffix.ends_with(unit))
        throw CommandError{codes::invalid_suffix, fmt::format("Invalid suffix; '{}'", raw_[i])};
      auto m = prefix_multiplier(std::string_view(suffix).substr(0, suffix.size() - unit.size()), unit);
      if (!m) throw CommandError{codes::invalid_suffix, fmt::format("Invalid suffix; '{}'", raw_[i])};
      multiplier = *m;
    }
    value = *number * multiplier;
  }
  if (!(value >= limits.min && value <= limits.max))
    throw CommandError{codes::data_out_of_range,
                       fmt::format("Data out of range; {} not in [{}, {}]", raw_[i], limits.min, limits.max)};
  return value;
}

long long Params::integer(std::size_t i, const Limits& limits) const {
  const double v = real(i, limits);
  // Beyond +-2^63 (and at infinity) there is no long long to convert to.
  if (!(std::abs(v) < 9.2e18))
    throw CommandError{codes::data_out_of_range, fmt::format("Data out of range; '{}' is not a 64-bit integer", raw_[i])};
  if (std::floor(v) != v) throw CommandError{codes::data_type_error, fmt::format("Data type error; '{}' is not an integer", raw_[i])};
  return static_cast<long long>(v);
}

bool Params::boolean(std::size_t i) const {
  const std::string word = upper(need(i));
  if (word == "ON" || word == "1") return true;
  if (word == "OFF" || word == "0") return false;
  throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; '{}' is not ON|OFF|1|0", raw_[i])};
}

std::size_t Params::choice(std::size_t i, std::initializer_list<std::string_view> options) const {
  const std::string& word = need(i);
  std::size_t k = 0;
  for (auto option : options) {
    if (matches_choice(option, word)) return k;
    ++k;
  }
  std::string list;
  for (auto option : options) list += (list.empty() ? "" : "|") + std::string(option);
  throw CommandError{codes::illegal_parameter_value, fmt::format("Illegal parameter value; '{}' is not {}", word, list)};
}

std::string Params::text(std::size_t i) const {
  const std::string& word = need(i);
  if (word.size() >= 2 && (word.front() == '"' || word.front() == '\'') && word.back() == word.front()) {
    // 488.2 7.7.5: a doubled quote inside a string stands for one quote.
    std::string out;
    const char q = word.front();
    for (std::size_t k = 1; k + 1 < word.size(); ++k) {
      out += word[k];
      if (word[k] == q && k + 2 < word.size() && word[k + 1] == q) ++k;
    }
    return out;
  }
  return word;
}

}  // namespace ledlab::scpi::server

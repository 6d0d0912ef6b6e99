#pragma once
// The checked arguments of the synchronous `analysis.*` script functions
// (analysis_bindings.hpp), shared by the files that register them: a call's arguments one by
// one with errors that name the function and the argument, option tables, whole counts.
#include "core/error.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ledlab::engine::script_args {

using nlohmann::json;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// A call's arguments: one argument arrives as itself, several as an array (sequence_runner.hpp).
class Args {
 public:
  Args(std::string fn, const json& args, std::size_t min_count, std::size_t max_count) : fn_(std::move(fn)) {
    if (max_count == 1) {
      list_.push_back(&args);
    } else if (args.is_array() && !args.empty() && (args.size() > 1 || min_count <= 1)) {
      for (const auto& a : args) list_.push_back(&a);
    } else if (!args.is_null()) {
      list_.push_back(&args);
    }
    if (list_.size() < min_count || list_.size() > max_count)
      error_ = fmt::format("{}: expected {} argument(s), got {}", fn_,
                           min_count == max_count ? fmt::format("{}", min_count) : fmt::format("{} to {}", min_count, max_count),
                           list_.size());
  }

  const std::string& error() const { return error_; }
  bool has(std::size_t n) const { return n < list_.size() && !list_[n]->is_null(); }
  const json& at(std::size_t n) const { return *list_.at(n); }

  Result<double> number(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_number()) return fail(Errc::invalid_argument, where(n, what, "expected a number"));
    return at(n).get<double>();
  }
  // A list of numbers; false / null / NaN entries become NaN (a lane without a value).
  Result<std::vector<double>> numbers(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_array()) return fail(Errc::invalid_argument, where(n, what, "expected a list of numbers"));
    return to_numbers(at(n), n, what);
  }
  // A list of lists of numbers, all the same length.
  Result<std::vector<std::vector<double>>> matrix(std::size_t n, std::string_view what) const {
    if (!has(n) || !at(n).is_array()) return fail(Errc::invalid_argument, where(n, what, "expected a list of lists"));
    std::vector<std::vector<double>> out;
    for (const auto& row : at(n)) {
      if (!row.is_array())
        return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} is not a list", out.size() + 1)));
      auto r = to_numbers(row, n, what);
      if (!r) return fail(r.error());
      if (!out.empty() && r->size() != out.front().size())
        return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} has {} values, the first has {}",
                                                                       out.size() + 1, r->size(), out.front().size())));
      out.push_back(std::move(*r));
    }
    return out;
  }
  const json& options(std::size_t n) const {
    static const json empty = json::object();
    return has(n) && at(n).is_object() ? at(n) : empty;
  }
  std::unexpected<Error> wrap(const Error& e) const { return fail(e.code, fmt::format("{}: {}", fn_, e.message)); }

 private:
  std::string where(std::size_t n, std::string_view what, std::string_view msg) const {
    return fmt::format("{}: argument {} ({}): {}", fn_, n + 1, what, msg);
  }
  Result<std::vector<double>> to_numbers(const json& list, std::size_t n, std::string_view what) const {
    std::vector<double> out;
    out.reserve(list.size());
    for (const auto& v : list) {
      if (v.is_number()) out.push_back(v.get<double>());
      else if (v.is_null() || v == false) out.push_back(kNaN);
      else return fail(Errc::invalid_argument, where(n, what, fmt::format("entry {} is not a number", out.size() + 1)));
    }
    return out;
  }

  std::string fn_;
  std::vector<const json*> list_;
  std::string error_;
};

// An option of an options table: absent gives the fallback; present, it must be a finite number.
inline Result<double> option_number(const json& options, const char* key, double fallback) {
  if (!options.contains(key)) return fallback;
  const json& v = options[key];
  if (!v.is_number() || !std::isfinite(v.get<double>()))
    return fail(Errc::invalid_argument, fmt::format("option {}= must be a finite number", key));
  return v.get<double>();
}

// Registers `analysis.<name>`; the body gets checked Args.
template <class Body>
void add(lua::SequenceRunner& runner, const std::string& name, std::size_t min_count, std::size_t max_count, Body body) {
  runner.add_function("analysis." + name, [name, min_count, max_count, body](json raw) -> Result<json> {
    Args args("analysis." + name, raw, min_count, max_count);
    if (!args.error().empty()) return fail(Errc::invalid_argument, args.error());
    return body(args);
  });
}

// Counts from Lua arrive as doubles (3e12 bits): whole and non-negative, or an error.
inline Result<std::uint64_t> count_of(double v, std::string_view what) {
  if (!(v >= 0.0) || v != std::floor(v) || v > 1.8e19)
    return fail(Errc::invalid_argument, fmt::format("{} must be a whole number >= 0, not {}", what, v));
  return static_cast<std::uint64_t>(v);
}

// analysis_bindings_reliability.cpp: decay fits, lifetimes, burn-in (whole and accumulated),
// acceleration factors.
void bind_reliability(lua::SequenceRunner& runner);

}  // namespace ledlab::engine::script_args

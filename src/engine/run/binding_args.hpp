#pragma once
// What every script binding of an instrument shares: its arguments checked and named in the
// error ("bert.gate_bits: argument 1 (bits) must be a whole number from 1 to ..."), and driver
// results turned into the JSON the runner hands to the script. Methods are registered with
// lua::Arguments::list: `args` holds one entry per argument, so set_drive({0.003, 0.001}) is
// one table, not two numbers.
#include "core/error.hpp"
#include "engine/lua/sequence_runner.hpp"

#include <boost/asio/awaitable.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace ledlab::engine::binding {

inline std::string_view type_name(const nlohmann::json& v) {
  if (v.is_null()) return "nil";
  if (v.is_boolean()) return "a boolean";
  if (v.is_number()) return "a number";
  if (v.is_string()) return "a string";
  return "a table";
}

inline Status count_args(const nlohmann::json& args, std::size_t count, std::string_view method, std::string_view usage) {
  if (args.size() == count) return {};
  return fail(Errc::invalid_argument, fmt::format("{}: expected {} argument{} ({}), got {}", method, count,
                                                  count == 1 ? "" : "s", usage, args.size()));
}

// Argument n (0-based) as a finite number. The drivers check ranges and limits themselves;
// a NaN or infinity is refused here already, naming the argument.
inline Result<double> number_arg(const nlohmann::json& args, std::size_t n, std::string_view method, std::string_view what) {
  const nlohmann::json& v = args.at(n);
  if (!v.is_number())
    return fail(Errc::invalid_argument,
                fmt::format("{}: argument {} ({}) must be a number, not {}", method, n + 1, what, type_name(v)));
  const double x = v.get<double>();
  if (!std::isfinite(x))
    return fail(Errc::invalid_argument,
                fmt::format("{}: argument {} ({}) must be a finite number, not {}", method, n + 1, what, x));
  return x;
}

// Argument n as a whole number in lo..hi: a lane, a count. Refused, not truncated or wrapped
// (gate_bits(-1) once became 18446744073709551615 bits).
inline Result<std::int64_t> whole_arg(const nlohmann::json& args, std::size_t n, std::string_view method,
                                      std::string_view what, std::int64_t lo, std::int64_t hi) {
  auto x = number_arg(args, n, method, what);
  if (!x) return fail(x.error());
  if (*x != std::floor(*x) || *x < static_cast<double>(lo) || *x > static_cast<double>(hi))
    return fail(Errc::invalid_argument, fmt::format("{}: argument {} ({}) must be a whole number from {} to {}, not {}",
                                                    method, n + 1, what, lo, hi, *x));
  return static_cast<std::int64_t>(*x);
}

using Method = std::function<boost::asio::awaitable<Result<nlohmann::json>>(nlohmann::json)>;
inline void add(lua::SequenceRunner& runner, const std::string& name, Method fn) {
  runner.add_async(name, std::move(fn), lua::Arguments::list);
}

template <class T>
boost::asio::awaitable<Result<nlohmann::json>> as_json(boost::asio::awaitable<Result<T>> op) {
  auto r = co_await std::move(op);
  if (!r) co_return fail(r.error());
  co_return nlohmann::json(*r);
}

inline boost::asio::awaitable<Result<nlohmann::json>> as_json(boost::asio::awaitable<Status> op) {
  auto r = co_await std::move(op);
  if (!r) co_return fail(r.error());
  co_return nlohmann::json();
}

// A method without arguments: refuses any it is given (a misplaced value is a script bug).
template <class Op>
Method no_args(std::string method, Op op) {
  return [method, op](nlohmann::json a) -> boost::asio::awaitable<Result<nlohmann::json>> {
    if (auto st = count_args(a, 0, method, "none"); !st) co_return fail(st.error());
    co_return co_await as_json(op());
  };
}

// A method of one number argument.
template <class Op>
Method one_number(std::string method, std::string what, Op op) {
  return [method, what, op](nlohmann::json a) -> boost::asio::awaitable<Result<nlohmann::json>> {
    if (auto st = count_args(a, 1, method, what); !st) co_return fail(st.error());
    auto x = number_arg(a, 0, method, what);
    if (!x) co_return fail(x.error());
    co_return co_await as_json(op(*x));
  };
}

}  // namespace ledlab::engine::binding

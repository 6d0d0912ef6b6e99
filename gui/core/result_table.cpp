#include "gui/core/result_table.hpp"

#include "db/verdict.hpp"
#include "gui/core/ticks.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>

namespace ledlab::gui {

namespace {

// Failures first when sorted by verdict: they are what the operator looks for.
int verdict_rank(db::Verdict v) {
  switch (v) {
    case db::Verdict::fail: return 0;
    case db::Verdict::pass: return 1;
    case db::Verdict::dead: return 2;
    case db::Verdict::not_judged: break;
  }
  return 3;
}

}  // namespace

std::string result_conditions(const db::ResultRecord& result) {
  const auto extra = nlohmann::json::parse(result.extra_json, nullptr, false);
  if (!extra.is_object()) return {};
  std::string text;
  for (const auto& [key, unit] : {std::pair{"temperature_c", "C"}, std::pair{"stress_temperature_c", "C"},
                                  std::pair{"drive_current_a", "A"}, std::pair{"line_rate_bps", "b/s"}}) {
    const auto it = extra.find(key);
    if (it == extra.end() || !it->is_number()) continue;
    text += (text.empty() ? "" : ", ") + format_value(it->get<double>(), unit);
  }
  return text;
}

std::string result_value(const db::ResultRecord& result) {
  return db::qualified(result.qualifier, format_value(result.value, result.unit));
}

std::string result_verdict(const db::ResultRecord& result) {
  const db::Verdict v = db::verdict_of(result);
  if (v == db::Verdict::fail) return "FAIL";
  return v == db::Verdict::not_judged ? "not judged" : std::string(db::to_string(v));
}

std::vector<std::size_t> result_rows(const std::vector<db::ResultRecord>& results, std::optional<db::Verdict> only,
                                     ResultColumn key, bool descending) {
  std::vector<std::size_t> rows;
  std::vector<std::string> conditions;
  for (std::size_t i = 0; i < results.size(); ++i)
    if (!only || db::verdict_of(results[i]) == *only) rows.push_back(i);
  if (key == ResultColumn::conditions) {
    conditions.resize(results.size());
    for (std::size_t i : rows) conditions[i] = result_conditions(results[i]);
  }
  // The array's own results (no lane) sort before lane 1.
  auto lane = [&](std::size_t i) { return results[i].lane.value_or(0); };
  auto less = [&](std::size_t a, std::size_t b) {
    const auto& ra = results[a];
    const auto& rb = results[b];
    switch (key) {
      case ResultColumn::name: break;
      case ResultColumn::lane:
        if (lane(a) != lane(b)) return lane(a) < lane(b);
        break;
      case ResultColumn::conditions:
        if (conditions[a] != conditions[b]) return conditions[a] < conditions[b];
        break;
      case ResultColumn::value:
        // NaN last in either order: it is no value to rank.
        if (std::isnan(ra.value) != std::isnan(rb.value)) return std::isnan(rb.value) != descending;
        if (ra.value != rb.value) return ra.value < rb.value;
        break;
      case ResultColumn::verdict:
        if (verdict_rank(db::verdict_of(ra)) != verdict_rank(db::verdict_of(rb)))
          return verdict_rank(db::verdict_of(ra)) < verdict_rank(db::verdict_of(rb));
        break;
    }
    if (ra.name != rb.name) return ra.name < rb.name;
    if (lane(a) != lane(b)) return lane(a) < lane(b);
    return a < b;
  };
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return descending ? less(b, a) : less(a, b); });
  return rows;
}

}  // namespace ledlab::gui

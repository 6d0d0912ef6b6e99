#include "gui/core/result_table.hpp"

#include "db/csv_text.hpp"
#include "db/verdict.hpp"
#include "gui/core/ticks.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <fstream>

namespace ledlab::gui {

namespace {

// The keys the sequences write into a result's extra for the point it was taken at
// (sequences/*.lua); each name states its unit (db/SCHEMA.md: units in names).
constexpr std::array<ConditionKey, 11> kConditionKeys{{
    {"temperature_c", "C"},
    {"stress_temperature_c", "C"},
    {"dut_temperature_c", "C", true},
    {"drive_current_a", "A"},
    {"current_a", "A"},
    {"bias_a", "A"},
    {"current_density_a_cm2", "A/cm2", true},
    {"voltage_v", "V"},
    {"bit_rate_hz", "Hz"},
    {"lane_rate_bps", "b/s"},
    {"line_rate_bps", "b/s"},
}};

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

template <class T>
int three_way(const T& a, const T& b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

// Missing (and NaN) last in either direction: it is no value to rank. Returns whether that
// decided the order, and if so in `a_first`.
bool missing_last(bool a_missing, bool b_missing, bool& a_first) {
  if (a_missing == b_missing) return false;
  a_first = b_missing;
  return true;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

}  // namespace

std::span<const ConditionKey> condition_keys() { return kConditionKeys; }

std::string result_value(const db::ResultRecord& result) {
  return db::qualified(result.qualifier, format_value(result.value, result.unit));
}

std::string result_verdict(const db::ResultRecord& result) {
  const db::Verdict v = db::verdict_of(result);
  if (v == db::Verdict::fail) return "FAIL";
  return v == db::Verdict::not_judged ? "not judged" : std::string(db::to_string(v));
}

ResultTable::ResultTable(std::vector<db::ResultRecord> results) : results_(std::move(results)) {
  // Each extra parsed once: sorting and filtering thousands of rows reads numbers, not JSON.
  std::vector<std::array<std::optional<double>, kConditionKeys.size()>> found(results_.size());
  std::array<bool, kConditionKeys.size()> present{};
  for (std::size_t i = 0; i < results_.size(); ++i) {
    const auto extra = nlohmann::json::parse(results_[i].extra_json, nullptr, false);
    if (!extra.is_object()) continue;
    for (std::size_t k = 0; k < kConditionKeys.size(); ++k) {
      const auto it = extra.find(std::string(kConditionKeys[k].key));
      if (it == extra.end() || !it->is_number()) continue;
      found[i][k] = it->get<double>();
      present[k] = true;
    }
  }
  columns_ = {{ColumnKind::name, "name", ""}, {ColumnKind::lane, "lane", ""}};
  std::vector<std::size_t> keys;
  for (std::size_t k = 0; k < kConditionKeys.size(); ++k) {
    if (!present[k]) continue;
    keys.push_back(k);
    columns_.push_back({ColumnKind::condition, std::string(kConditionKeys[k].key), std::string(kConditionKeys[k].unit),
                        kConditionKeys[k].measured});
  }
  columns_.push_back({ColumnKind::value, "value", ""});
  columns_.push_back({ColumnKind::verdict, "verdict", ""});
  condition_count_ = keys.size();
  conditions_.reserve(results_.size() * condition_count_);
  for (const auto& row : found)
    for (std::size_t k : keys) conditions_.push_back(row[k]);
}

std::optional<std::size_t> ResultTable::condition_slot(std::size_t column) const {
  if (column < first_condition_ || column >= first_condition_ + condition_count_) return std::nullopt;
  return column - first_condition_;
}

std::optional<std::size_t> ResultTable::condition_column(std::string_view key) const {
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (columns_[c].kind == ColumnKind::condition && columns_[c].title == key) return c;
  return std::nullopt;
}

std::optional<double> ResultTable::condition(std::size_t row, std::size_t column) const {
  const auto slot = condition_slot(column);
  if (!slot || row >= results_.size()) return std::nullopt;
  return conditions_[row * condition_count_ + *slot];
}

std::string ResultTable::cell(std::size_t row, std::size_t column) const {
  const auto& r = results_.at(row);
  switch (columns_.at(column).kind) {
    case ColumnKind::name: return r.name;
    case ColumnKind::lane: return r.lane ? std::to_string(*r.lane) : "array";
    case ColumnKind::condition: {
      const auto v = condition(row, column);
      return v ? format_value(*v, columns_[column].unit) : std::string();
    }
    case ColumnKind::value: return result_value(r);
    case ColumnKind::verdict: return result_verdict(r);
  }
  return {};
}

std::vector<std::string> ResultTable::names() const {
  std::vector<std::string> names;
  for (const auto& r : results_) names.push_back(r.name);
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  return names;
}

bool ResultTable::matches(std::size_t row, const ResultFilter& filter) const {
  const auto& r = results_[row];
  if (filter.verdict && db::verdict_of(r) != *filter.verdict) return false;
  if (!filter.name.empty() && r.name != filter.name) return false;
  if (filter.lane && r.lane.value_or(0) != *filter.lane) return false;
  if (filter.text.empty()) return true;
  const std::string wanted = lower(filter.text);
  for (std::size_t c = 0; c < columns_.size(); ++c)
    if (lower(cell(row, c)).find(wanted) != std::string::npos) return true;
  return false;
}

std::vector<std::size_t> ResultTable::rows(const ResultFilter& filter, const ResultOrder& order) const {
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < results_.size(); ++i)
    if (matches(i, filter)) rows.push_back(i);
  const ColumnKind kind = order.column < columns_.size() ? columns_[order.column].kind : ColumnKind::name;
  auto lane = [&](std::size_t i) { return results_[i].lane.value_or(0); };
  // The sorted column, reversed when descending; its missing values last either way.
  auto primary = [&](std::size_t a, std::size_t b, bool& a_first) {
    const auto& ra = results_[a];
    const auto& rb = results_[b];
    int c = 0;
    switch (kind) {
      case ColumnKind::name: c = three_way(ra.name, rb.name); break;
      case ColumnKind::lane: c = three_way(lane(a), lane(b)); break;
      case ColumnKind::condition: {
        const auto va = condition(a, order.column), vb = condition(b, order.column);
        if (missing_last(!va, !vb, a_first)) return true;
        if (va) c = three_way(*va, *vb);
        break;
      }
      case ColumnKind::value:
        if (missing_last(std::isnan(ra.value), std::isnan(rb.value), a_first)) return true;
        c = three_way(ra.value, rb.value);
        break;
      case ColumnKind::verdict: c = three_way(verdict_rank(db::verdict_of(ra)), verdict_rank(db::verdict_of(rb))); break;
    }
    if (c == 0) return false;
    a_first = order.descending ? c > 0 : c < 0;
    return true;
  };
  // Ties: name, lane, conditions in column order (missing last), the order recorded.
  auto tie = [&](std::size_t a, std::size_t b) {
    if (int c = three_way(results_[a].name, results_[b].name)) return c < 0;
    if (int c = three_way(lane(a), lane(b))) return c < 0;
    for (std::size_t k = 0; k < condition_count_; ++k) {
      const auto va = conditions_[a * condition_count_ + k], vb = conditions_[b * condition_count_ + k];
      bool a_first = false;
      if (missing_last(!va, !vb, a_first)) return a_first;
      if (va && *va != *vb) return *va < *vb;
    }
    return a < b;
  };
  std::sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) {
    bool a_first = false;
    return primary(a, b, a_first) ? a_first : tie(a, b);
  });
  return rows;
}

std::string ResultTable::csv(std::span<const std::size_t> rows) const {
  fmt::memory_buffer out;
  auto put = [&](std::string_view text) { out.append(text.data(), text.data() + text.size()); };
  for (const auto& c : columns_) {
    if (c.kind != ColumnKind::name) put(",");
    put(c.title);
    if (c.kind == ColumnKind::value) put(",qualifier,unit");
  }
  put("\r\n");
  for (std::size_t row : rows) {
    const auto& r = results_.at(row);
    for (std::size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) put(",");
      switch (columns_[c].kind) {
        case ColumnKind::name: db::append_csv_field(out, r.name); break;
        case ColumnKind::lane:
          if (r.lane) put(std::to_string(*r.lane));
          break;
        case ColumnKind::condition:
          if (const auto v = condition(row, c)) db::append_csv_number(out, *v);
          break;
        case ColumnKind::value:
          db::append_csv_number(out, r.value);
          put(",");
          put(db::to_string(r.qualifier));
          put(",");
          db::append_csv_field(out, r.unit);
          break;
        case ColumnKind::verdict: put(db::to_string(db::verdict_of(r))); break;
      }
    }
    put("\r\n");
  }
  return fmt::to_string(out);
}

Status ResultTable::write_csv(const std::filesystem::path& path, std::span<const std::size_t> rows) const {
  if (path.empty()) return fail(Errc::invalid_argument, "results export: no file name given");
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return fail(Errc::io, fmt::format("results export: cannot open {} for writing", path.string()));
  const std::string text = csv(rows);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  out.close();
  if (!out) return fail(Errc::io, fmt::format("results export: writing {} failed", path.string()));
  return {};
}

}  // namespace ledlab::gui

#pragma once
// The Results tab's table: one row per result, one column per condition key that any result
// names (the conditions it was taken at, from its extra: temperature_c, drive_current_a, ...),
// the value with its qualifier and the verdict in the words `ledlab show` uses; sorted by any
// column, filtered by verdict, result name, lane and text, and exported as CSV row for row as
// shown. No ImGui here: the tests check the rows a table would show and the file it writes.
#include "core/error.hpp"
#include "db/records.hpp"

#include <cstddef>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace ledlab::gui {

// A condition the sequences record in a result's extra, with the unit its name states.
struct ConditionKey {
  std::string_view key;   // "temperature_c"
  std::string_view unit;  // "C"
  // Measured at the point (the DUT's own temperature) or derived from another condition (a
  // current density): it describes a point but never tells two settings apart.
  bool measured = false;
};
// Every condition key a column is made for, in column order: temperatures, then drive, then
// rate. Keys that are not conditions (errors, bits, method, ...) stay in the extra.
std::span<const ConditionKey> condition_keys();

enum class ColumnKind { name, lane, condition, value, verdict };

struct ResultColumn {
  ColumnKind kind = ColumnKind::name;
  std::string title;  // "name", "lane", the condition key ("temperature_c"), "value", "verdict"
  std::string unit;   // a condition's unit
  bool measured = false;  // a condition that is measured or derived (ConditionKey::measured)
};

struct ResultFilter {
  std::optional<db::Verdict> verdict;
  std::string name;         // one result name exactly; empty: every name
  std::optional<int> lane;  // one lane, 0 for the array's own results; empty: every lane
  std::string text;         // in any cell as shown, ignoring case; empty: no text filter
};

struct ResultOrder {
  std::size_t column = 0;  // index into ResultTable::columns()
  bool descending = false;
};

// "> 6.00 kh", "870 MHz": the value with its qualifier, as `ledlab show` prints it.
std::string result_value(const db::ResultRecord& result);
// "pass", "FAIL", "dead", "not judged".
std::string result_verdict(const db::ResultRecord& result);

class ResultTable {
 public:
  ResultTable() = default;
  explicit ResultTable(std::vector<db::ResultRecord> results);

  const std::vector<db::ResultRecord>& results() const { return results_; }
  std::size_t size() const { return results_.size(); }
  // name, lane, one per condition key present (in condition_keys() order), value, verdict.
  const std::vector<ResultColumn>& columns() const { return columns_; }
  // The column of a condition key, if any result names it.
  std::optional<std::size_t> condition_column(std::string_view key) const;
  // The number result `row` names for the condition of `column` (empty: none, or not a condition column).
  std::optional<double> condition(std::size_t row, std::size_t column) const;
  // The text a cell shows: "ber_upper", "3" or "array", "85.0 C", "> 6000 h", "FAIL".
  std::string cell(std::size_t row, std::size_t column) const;
  // The distinct result names, sorted: the name filter's choices.
  std::vector<std::string> names() const;

  // Indices into results() of the rows to show, in the order shown. Ties keep name, then
  // lane (the array's own results before lane 1), then the conditions, then the order recorded;
  // a missing condition and a NaN value sort last whichever the direction.
  std::vector<std::size_t> rows(const ResultFilter& filter, const ResultOrder& order) const;

  // CSV (RFC 4180, header first) of `rows` in that order, with the columns shown. So that it
  // reads back as numbers: a lane is empty for the array's own results, conditions and values
  // are numbers in the units their names and the unit column state (shortest text that reads
  // back to the same double), the value's qualifier ("", ">", "<") and unit have their own
  // columns, and the verdict is the store's word (pass, fail, dead, not_judged) as in
  // `ledlab export --table results`. Header: name,lane,<condition keys>,value,qualifier,unit,verdict.
  std::string csv(std::span<const std::size_t> rows) const;
  // The same, written to `path` (replaced); the error names the file.
  Status write_csv(const std::filesystem::path& path, std::span<const std::size_t> rows) const;

 private:
  // Index of a condition column among the condition columns, if `column` is one.
  std::optional<std::size_t> condition_slot(std::size_t column) const;
  bool matches(std::size_t row, const ResultFilter& filter) const;

  std::vector<db::ResultRecord> results_;
  std::vector<ResultColumn> columns_;
  std::size_t first_condition_ = 2, condition_count_ = 0;
  std::vector<std::optional<double>> conditions_;  // row-major, condition_count_ per result
};

}  // namespace ledlab::gui

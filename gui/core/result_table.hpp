#pragma once
// The Results tab's rows: each result's conditions, value with its qualifier and verdict in the
// words `ledlab show` uses, sorted by a column and filtered by verdict (no ImGui here: the
// tests check the rows a table would show).
#include "db/records.hpp"

#include <optional>
#include <string>
#include <vector>

namespace ledlab::gui {

enum class ResultColumn { name, lane, conditions, value, verdict };

// "85 C, 5.00 mA": the conditions a result was taken at, from its extra (temperature_c,
// stress_temperature_c, drive_current_a, line_rate_bps); empty when it names none.
std::string result_conditions(const db::ResultRecord& result);
// "> 6.00 kh", "870 MHz": the value with its qualifier, as `ledlab show` prints it.
std::string result_value(const db::ResultRecord& result);
// "pass", "FAIL", "dead", "not judged".
std::string result_verdict(const db::ResultRecord& result);

// Indices into `results` of the rows to show: those with verdict `only` (all when empty),
// ordered by `key` (ties by name, then lane, then the order recorded).
std::vector<std::size_t> result_rows(const std::vector<db::ResultRecord>& results, std::optional<db::Verdict> only,
                                     ResultColumn key, bool descending);

}  // namespace ledlab::gui

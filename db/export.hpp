#pragma once
// Exports of one run for scripts and other tools. Column sets and key names are a stable
// interface (db/SCHEMA.md lists them); add columns only at the end. Everything is streamed:
// samples a run of them at a time, results and events a row at a time, so a weeks-long run
// exports in constant memory. Numbers are printed in the shortest form that reads back to
// the same double.
#include "db/reader.hpp"

#include <limits>
#include <optional>
#include <ostream>

namespace ledlab::db {

enum class ExportFormat { csv, json };
enum class CsvTable { samples, results, events };

Result<ExportFormat> parse_export_format(std::string_view text);
Result<CsvTable> parse_csv_table(std::string_view text);

// Which samples a samples export holds: the series of one lane and/or one quantity, and the
// samples within [from_s, to_s] (unix seconds, inclusive). The default selects everything.
struct SampleSelection {
  std::optional<int> lane;
  std::optional<std::string> quantity;
  double from_s = -std::numeric_limits<double>::infinity();
  double to_s = std::numeric_limits<double>::infinity();

  bool everything() const;
  bool selects(const SeriesRecord& series) const;
};

// CSV (RFC 4180, header line first) of one table of a run. `selection` applies to the
// samples table only; anything but the default with another table is Errc::invalid_argument.
Status export_csv(Reader& reader, const RunRecord& run, CsvTable table, std::ostream& out,
                  const SampleSelection& selection = {});
// JSON document with provenance, instruments, DUT, series with samples, results, events, checkpoints.
Status export_json(Reader& reader, const RunRecord& run, std::ostream& out);

// The exact header line of each CSV table (without the newline).
std::string_view csv_header(CsvTable table);

}  // namespace ledlab::db

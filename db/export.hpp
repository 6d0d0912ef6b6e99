#pragma once
// Exports of one run for scripts and other tools. Column sets and key names are a stable
// interface (db/SCHEMA.md lists them); add columns only at the end. Samples are streamed,
// so a weeks-long run exports in constant memory. Numbers are printed in the shortest
// form that reads back to the same double.
#include "db/reader.hpp"

#include <ostream>

namespace ledlab::db {

enum class ExportFormat { csv, json };
enum class CsvTable { samples, results, events };

Result<ExportFormat> parse_export_format(std::string_view text);
Result<CsvTable> parse_csv_table(std::string_view text);

// CSV (RFC 4180, header line first) of one table of a run.
Status export_csv(Reader& reader, const RunRecord& run, CsvTable table, std::ostream& out);
// JSON document with provenance, instruments, DUT, series with samples, results, events, checkpoints.
Status export_json(Reader& reader, const RunRecord& run, std::ostream& out);

// The exact header line of each CSV table (without the newline).
std::string_view csv_header(CsvTable table);

}  // namespace ledlab::db

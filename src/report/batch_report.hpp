#pragma once
// `ledlab report --batch B` and `ledlab run --dut A=SN1 ... --report FILE`: one page for a
// batch beside each DUT's own report: what the sockets share (sequence, station, operator,
// times) and, per socket, its DUT, its run, how it ended and its verdict, linking to the DUT's
// report file.
#include "db/reader.hpp"

#include <functional>
#include <string>
#include <string_view>

namespace ledlab::report {

// `report_file(run)` names the DUT report the batch page links to (a file beside it).
Result<std::string> render_batch_report(db::Reader& reader, std::string_view batch_uuid_or_prefix,
                                        const std::function<std::string(const db::RunRecord&)>& report_file);

// One line per socket: "A  SN1  finished  PASS: ...".
Result<std::string> render_batch_summary(db::Reader& reader, std::string_view batch_uuid_or_prefix);

}  // namespace ledlab::report

#include "report/batch_report.hpp"

#include "core/time_format.hpp"
#include "db/verdict.hpp"
#include "report/svg_plot.hpp"

#include <fmt/format.h>

namespace ledlab::report {

namespace {

struct Socket {
  db::RunRecord run;
  std::string verdict_word;
  std::string headline;
};

Result<std::pair<db::BatchRecord, std::vector<Socket>>> load(db::Reader& reader, std::string_view key) {
  auto batch = reader.find_batch(key);
  if (!batch) return fail(batch.error());
  auto runs = reader.batch_runs(batch->id);
  if (!runs) return fail(runs.error());
  std::vector<Socket> sockets;
  for (auto& run : *runs) {
    Socket s{.run = run};
    if (auto verdict = db::judge_run(reader, run); verdict) {
      s.verdict_word = verdict->word();
      s.headline = verdict->headline();
    } else {
      s.verdict_word = "?";
      s.headline = "verdict not read: " + verdict.error().describe();
    }
    sockets.push_back(std::move(s));
  }
  return std::pair{std::move(*batch), std::move(sockets)};
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;margin:2em}table{border-collapse:collapse}td,th{border:1px solid #ccc;"
    "padding:4px 8px;text-align:left}.PASS{color:#070}.FAIL{color:#b00}";

}  // namespace

Result<std::string> render_batch_report(db::Reader& reader, std::string_view key,
                                        const std::function<std::string(const db::RunRecord&)>& report_file) {
  auto loaded = load(reader, key);
  if (!loaded) return fail(loaded.error());
  const auto& [batch, sockets] = *loaded;
  std::string rows;
  for (const auto& s : sockets) {
    const std::string file = report_file(s.run);
    rows += fmt::format("<tr><td>{}</td><td>{}</td><td><a href=\"{}\">{}</a></td><td>{}</td><td class=\"{}\">{}</td><td>{}</td></tr>\n",
                        escape(s.run.socket), escape(s.run.dut_serial), escape(file), escape(s.run.uuid.substr(0, 8)),
                        db::to_string(s.run.status), escape(s.verdict_word), escape(s.verdict_word), escape(s.headline));
  }
  return fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>ledlab batch {}</title><style>{}</style>"
      "</head><body>\n<h1>ledlab batch report: {} on {}</h1>\n<p>batch {} &middot; operator {} &middot; started {} "
      "&middot; ended {} &middot; {} socket{}</p>\n<table><tr><th>socket</th><th>DUT</th><th>run (report)</th>"
      "<th>status</th><th>verdict</th><th>basis</th></tr>\n{}</table></body></html>\n",
      escape(batch.uuid.substr(0, 8)), kStyle, escape(batch.sequence), escape(batch.station), escape(batch.uuid),
      escape(batch.operator_name.empty() ? "-" : batch.operator_name), iso_utc(batch.started_s),
      batch.ended_s ? iso_utc(*batch.ended_s) : std::string("-"), sockets.size(), sockets.size() == 1 ? "" : "s", rows);
}

Result<std::string> render_batch_summary(db::Reader& reader, std::string_view key) {
  auto loaded = load(reader, key);
  if (!loaded) return fail(loaded.error());
  const auto& [batch, sockets] = *loaded;
  std::string text = fmt::format("batch {}: {} on {}, {} socket{}\n", batch.uuid, batch.sequence, batch.station,
                                 sockets.size(), sockets.size() == 1 ? "" : "s");
  for (const auto& s : sockets)
    text += fmt::format("  {}  {}  {}  {}\n", s.run.socket, s.run.dut_serial, db::to_string(s.run.status), s.headline);
  return text;
}

}  // namespace ledlab::report

// The batch page (report/batch_report.hpp): one row per socket, its DUT, how its run ended,
// its verdict, and a link to the DUT's own report beside the page.
#include "../db/temp_db.hpp"
#include "db/store.hpp"
#include "report/batch_report.hpp"

#include <catch2/catch.hpp>

using namespace ledlab;

TEST_CASE("a batch page lists every socket's DUT, status and verdict, linking each DUT's report") {
  db::test::TempDb tmp;
  std::string uuid;
  {
    auto store = db::Store::open(tmp.path());
    REQUIRE(store);
    auto batch = (*store)->begin_batch({.sequence = "liv", .station = "bench <2>", .operator_name = "ada"});
    REQUIRE(batch);
    uuid = batch->uuid;
    for (const char* socket : {"B", "A"}) {
      auto run = (*store)->begin_run({.sequence = "liv", .script_text = "x", .dut_serial = std::string("SN-") + socket,
                                      .batch_id = batch->id, .socket = socket});
      REQUIRE(run);
      REQUIRE((*store)->post_result(run->id, {.name = "ok", .value = 1, .lower_limit = 0.5}));
      REQUIRE((*store)->end_run(run->id, std::string(socket) == "A" ? db::RunStatus::finished : db::RunStatus::failed));
    }
    REQUIRE((*store)->end_batch(batch->id));
  }
  auto reader = db::Reader::open(tmp.path());
  REQUIRE(reader);
  auto html = report::render_batch_report(*reader, uuid.substr(0, 8),
                                          [](const db::RunRecord& r) { return "page-" + r.socket + ".html"; });
  REQUIRE(html);
  CHECK_THAT(*html, Catch::Contains("bench &lt;2&gt;"));  // escaped
  CHECK_THAT(*html, Catch::Contains("<td>A</td><td>SN-A</td><td><a href=\"page-A.html\">"));
  CHECK_THAT(*html, Catch::Contains("<td>B</td><td>SN-B</td><td><a href=\"page-B.html\">"));
  CHECK(html->find("page-A.html") < html->find("page-B.html"));  // in socket order
  auto summary = report::render_batch_summary(*reader, uuid);
  REQUIRE(summary);
  CHECK_THAT(*summary, Catch::Contains("  A  SN-A  finished  PASS"));
  CHECK_THAT(*summary, Catch::Contains("  B  SN-B  failed  FAILED"));
  CHECK(report::render_batch_report(*reader, "zzzz", [](const db::RunRecord&) { return std::string(); }).error().code ==
        Errc::not_found);
}

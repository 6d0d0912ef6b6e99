// `ledlab runs` narrows a local store by station, DUT type and start time (issue 19): the
// same filters as against the lab database, so a station's engineer and the lab ask alike.
#include "cli_support.hpp"
#include "db/reader.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace ledlab;
using namespace ledlab::db;
using ledlab::db::test::run_cli;

namespace {

struct Fixture {
  test::TempDb tmp;
  std::string db = tmp.path().string();
  std::string a_uuid, b_uuid, c_uuid;

  Fixture() {
    auto store = Store::open(db);
    REQUIRE(store);
    REQUIRE((*store)->upsert_dut({.serial = "MLA-1", .description = "16x16 array"}));
    REQUIRE((*store)->upsert_dut({.serial = "MLA-2", .description = "8x8 array"}));
    // A: station bench-a, DUT type from the DUT's description, started 1700000000 (2023-11-14T22:13:20Z).
    auto a = (*store)->begin_run({.sequence = "bandwidth_sweep", .script_text = "x",
                                  .station_json = R"({"name":"bench-a","source":"a.toml"})", .dut_serial = "MLA-1",
                                  .started_s = 1700000000.0});
    // B: station bench-b, DUT type from the parameter, which wins over the description.
    auto b = (*store)->begin_run({.sequence = "burn_in", .script_text = "x", .parameters_json = R"({"dut_type":"uLED-9"})",
                                  .station_json = R"({"name":"bench-b"})", .dut_serial = "MLA-2",
                                  .started_s = 1700086400.0});
    // C: a station file without a name, a dut_type that is not a string, damaged station JSON.
    auto c = (*store)->begin_run({.sequence = "burn_in", .script_text = "x", .parameters_json = R"({"dut_type":7})",
                                  .station_json = "not json", .dut_serial = "MLA-2", .started_s = 1700172800.0});
    REQUIRE(a);
    REQUIRE(b);
    REQUIRE(c);
    a_uuid = a->uuid, b_uuid = b->uuid, c_uuid = c->uuid;
    for (RunId id : {a->id, b->id, c->id}) REQUIRE((*store)->end_run(id, RunStatus::finished));
    REQUIRE((*store)->close());
  }

  std::vector<std::string> uuids(RunFilter f) {
    auto reader = Reader::open(db);
    REQUIRE(reader);
    auto runs = reader->list_runs(f);
    REQUIRE(runs);
    std::vector<std::string> out;
    for (const auto& r : *runs) out.push_back(r.uuid);
    return out;
  }
};

}  // namespace

TEST_CASE("a local run filter by station matches the name in the stored station file") {
  Fixture fx;
  CHECK(fx.uuids({.station = "bench-a"}) == std::vector<std::string>{fx.a_uuid});
  CHECK(fx.uuids({.station = "bench-b"}) == std::vector<std::string>{fx.b_uuid});
  CHECK(fx.uuids({.station = "bench-c"}).empty());
}

TEST_CASE("a local run filter by DUT type takes the dut_type parameter before the DUT's description") {
  Fixture fx;
  CHECK(fx.uuids({.dut_type = "16x16 array"}) == std::vector<std::string>{fx.a_uuid});
  CHECK(fx.uuids({.dut_type = "uLED-9"}) == std::vector<std::string>{fx.b_uuid});
  // A dut_type that is not a string falls back to the description.
  CHECK(fx.uuids({.dut_type = "8x8 array"}) == std::vector<std::string>{fx.c_uuid});
}

TEST_CASE("a local run filter by time keeps the runs started within the inclusive window") {
  Fixture fx;
  CHECK(fx.uuids({.since_s = 1700086400.0}) == std::vector<std::string>{fx.c_uuid, fx.b_uuid});
  CHECK(fx.uuids({.until_s = 1700086400.0}) == std::vector<std::string>{fx.b_uuid, fx.a_uuid});
  CHECK(fx.uuids({.since_s = 1700000001.0, .until_s = 1700172799.0}) == std::vector<std::string>{fx.b_uuid});
  auto reader = Reader::open(fx.db);
  REQUIRE(reader);
  auto nan = reader->list_runs({.since_s = std::nan("")});
  REQUIRE_FALSE(nan);
  CHECK(nan.error().code == Errc::invalid_argument);
}

TEST_CASE("ledlab runs takes --station, --dut-type, --since and --until on a local store") {
  Fixture fx;
  std::string out, err;
  REQUIRE(run_cli({"runs", "--db", fx.db, "--station", "bench-b", "--no-header"}, out, err) == 0);
  CHECK(out.starts_with(fx.b_uuid + "\t"));
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  REQUIRE(run_cli({"runs", "--db", fx.db, "--dut-type", "16x16 array", "--no-header"}, out, err) == 0);
  CHECK(out.starts_with(fx.a_uuid + "\t"));
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  REQUIRE(run_cli({"runs", "--db", fx.db, "--since", "2023-11-15T22:13:20Z", "--until", "1700172799", "--no-header"},
                  out, err) == 0);
  CHECK(out == fx.b_uuid + "\tfinished\t" + out.substr(fx.b_uuid.size() + 10));
  CHECK(std::count(out.begin(), out.end(), '\n') == 1);
  // The local listing keeps its columns: no station column.
  REQUIRE(run_cli({"runs", "--db", fx.db}, out, err) == 0);
  CHECK(out.starts_with("uuid\tstatus\tstarted\tended\tsequence\tdut_serial\toperator\tbatch\tsocket\n"));
}

TEST_CASE("ledlab runs refuses a --since that is not a time, naming the option") {
  Fixture fx;
  std::string out, err;
  CHECK(run_cli({"runs", "--db", fx.db, "--since", "yesterday"}, out, err) == 2);
  CHECK(err.find("--since") != std::string::npos);
}

TEST_CASE("the store commands refuse --lab with a clear error where the program has no lab database access") {
  Fixture fx;
  std::string out, err;
  CHECK(run_cli({"runs", "--lab", "postgresql://reader@127.0.0.1/lab"}, out, err) != 0);
  CHECK(err.find("built without the lab database") != std::string::npos);
}

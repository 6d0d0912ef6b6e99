// Schema 3 -> 4: a store written by the v3 code (tests/db/data/store_v3.sqlite, made by
// tests/db/data/make_store_v3.cpp) opens, migrates and keeps every sample bit for bit,
// its checkpoints still mark exactly what a resume sets aside, and what was set aside stays.
#include "db/reader.hpp"
#include "db/schema.hpp"
#include "db/store.hpp"
#include "temp_db.hpp"

#include <catch2/catch.hpp>

#include <bit>
#include <filesystem>

using namespace ledlab;
using namespace ledlab::db;

namespace {

std::filesystem::path copy_fixture(const test::TempDb& tmp) {
  std::filesystem::copy_file(LEDLAB_DB_TEST_DATA "/store_v3.sqlite", tmp.path());
  return tmp.path();
}

std::vector<Sample> all_samples(Reader& reader, SeriesId id) { return reader.samples(id).value(); }

bool same_bits(double a, double b) { return std::bit_cast<std::uint64_t>(a) == std::bit_cast<std::uint64_t>(b); }

}  // namespace

TEST_CASE("a store written by the schema 3 code migrates to 4 without losing or changing a sample") {
  test::TempDb tmp;
  const auto path = copy_fixture(tmp);
  {
    auto old = Connection::open(path.string(), Connection::Mode::read_only);
    REQUIRE(old);
    REQUIRE(schema_version(*old).value() == 3);
    CHECK(Reader::open(path).error().code == Errc::storage);  // a reader refuses it until migrated
  }
  auto store = Store::open(path);
  REQUIRE(store);
  REQUIRE((*store)->close());

  auto reader = Reader::open(path);
  REQUIRE(reader);
  CHECK(schema_version(reader->connection()).value() == kSchemaVersion);
  CHECK(reader->integrity_check().value() == "ok");
  CHECK(reader->connection().query_int("SELECT count(*) FROM sqlite_schema WHERE name IN ('samples','sample_blocks')").value() == 0);

  auto runs = reader->list_runs().value();
  REQUIRE(runs.size() == 3);
  auto find = [&](std::string_view sequence) {
    for (const auto& r : runs)
      if (r.sequence == sequence) return r;
    FAIL("no run " << sequence);
    return runs.front();
  };

  SECTION("the finished burn-in keeps every value exactly") {
    const RunRecord a = find("burn_in");
    auto series = reader->series(a.id).value();
    REQUIRE(series.size() == 7);
    for (std::size_t i = 0; i < series.size(); ++i) {
      INFO("series " << i);
      auto samples = all_samples(*reader, series[i].id);
      REQUIRE(samples.size() == 400);
      CHECK(series[i].sample_count == 400);
      for (int k = 0; k < 400; ++k) {
        const double t = 1.7e9 + 60.0 * k + 0.001 * static_cast<double>(i);
        const double v = i < 6 ? 1e-3 * (1.0 - 1e-4 * k) + 1e-7 * static_cast<double>((k * 7 + i * 13) % 11)
                               : 85.0 + 0.01 * (k % 5);
        CHECK(same_bits(samples[static_cast<std::size_t>(k)].t_s, t));
        CHECK(same_bits(samples[static_cast<std::size_t>(k)].value, v));
      }
    }
    CHECK(reader->totals(a.id)->samples == 2800);
  }

  SECTION("the earlier rewind's set-aside samples stay, and the run reads as resumed") {
    const RunRecord c = find("bandwidth");
    auto totals = reader->totals(c.id).value();
    CHECK(totals.samples == 25);
    CHECK(totals.superseded_samples == 10);
    auto samples = all_samples(*reader, reader->series(c.id)->front().id);
    REQUIRE(samples.size() == 25);
    CHECK(samples[9].t_s == 1.72e9 + 9);
    CHECK(samples[10].t_s == 1.72e9 + 110);
  }

  SECTION("an interrupted run's v3 checkpoint still marks what a resume sets aside") {
    const RunRecord b = find("ber_vs_temperature");
    CHECK(b.status == RunStatus::interrupted);
    auto writer = Store::open(path);
    REQUIRE(writer);
    REQUIRE((*writer)->resume_run(b.id));
    auto rewind = (*writer)->rewind_to_checkpoint(b.id);
    REQUIRE(rewind);
    REQUIRE(rewind->checkpoint);
    CHECK(rewind->checkpoint->name == "temperature");
    CHECK(rewind->superseded_samples == 4 * 20);  // k = 30 .. 49 of four lanes
    auto series = reader->series(b.id).value();
    REQUIRE(series.size() == 4);
    // The resumed run goes on where the checkpoint left it.
    REQUIRE((*writer)->append(Sample{series[0].id, 1.71e9 + 30, 5e-12}));
    REQUIRE((*writer)->end_run(b.id, RunStatus::finished));
    REQUIRE((*writer)->close());
    for (std::size_t i = 0; i < series.size(); ++i) {
      auto samples = all_samples(*reader, series[i].id);
      REQUIRE(samples.size() == (i == 0 ? 31u : 30u));
      for (int k = 0; k < 30; ++k) {
        CHECK(samples[static_cast<std::size_t>(k)].t_s == 1.71e9 + k);
        CHECK(same_bits(samples[static_cast<std::size_t>(k)].value, 1e-12 * (k + 1) + 1e-13 * static_cast<double>(i)));
      }
    }
    CHECK(reader->totals(b.id)->superseded_samples == 80);
  }
}

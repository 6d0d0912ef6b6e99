// Not built: the program that wrote store_v3.sqlite, run against the schema-v3 code (commit 5d1e853)
// with ledlab_db linked. Kept so the fixture's contents can be read and remade.
// Writes a schema-v3 store with the v3 code, for the migration test.
#include "db/store.hpp"
#include <cstdio>
using namespace ledlab::db;
int main(int argc, char** argv) {
  if (argc != 2) return 2;
  auto store = Store::open(argv[1], {.batch_samples = 512, .max_latency = std::chrono::milliseconds(5)});
  if (!store) { std::fprintf(stderr, "%s\n", store.error().describe().c_str()); return 1; }
  auto& s = **store;
  // Run A: finished, 6 lane series + 1 lane-less, samples over 40 commits.
  RunProvenance p; p.sequence = "burn_in"; p.script_text = "-- v3 fixture"; p.dut_serial = "MLA-V3";
  p.started_s = 1.7e9;
  auto a = s.begin_run(p).value();
  std::vector<SeriesId> sa;
  for (int lane = 1; lane <= 6; ++lane) sa.push_back(s.declare_series(a.id, {lane, "optical_power", "W", "{\"stress_temperature_c\":85}"}).value());
  sa.push_back(s.declare_series(a.id, {std::nullopt, "chamber_temperature", "C", "{}"}).value());
  for (int k = 0; k < 400; ++k) {
    for (std::size_t i = 0; i < sa.size(); ++i) {
      double t = 1.7e9 + 60.0 * k + 0.001 * static_cast<double>(i);
      double v = i < 6 ? 1e-3 * (1.0 - 1e-4 * k) + 1e-7 * static_cast<double>((k * 7 + i * 13) % 11) : 85.0 + 0.01 * (k % 5);
      (void)s.append(sa[i], t, v);
    }
    if (k % 10 == 9) (void)s.flush();
    if (k % 100 == 99) (void)s.checkpoint(a.id, {"reading", "{\"k\":" + std::to_string(k) + "}", 1.7e9 + 60.0 * k});
  }
  (void)s.record_result(a.id, {.name = "l70_h", .value = 12345.0, .unit = "h"});
  (void)s.end_run(a.id, RunStatus::finished, 1.7e9 + 60.0 * 400);
  // Run B: interrupted after a checkpoint, with samples after it (a resume must set them aside).
  p.sequence = "ber_vs_temperature"; p.started_s = 1.71e9;
  auto b = s.begin_run(p).value();
  std::vector<SeriesId> sb;
  for (int lane = 1; lane <= 4; ++lane) sb.push_back(s.declare_series(b.id, {lane, "ber", "1", "{\"temperature_c\":25}"}).value());
  for (int k = 0; k < 50; ++k) {
    for (std::size_t i = 0; i < sb.size(); ++i) (void)s.append(sb[i], 1.71e9 + k, 1e-12 * (k + 1) + 1e-13 * static_cast<double>(i));
    (void)s.flush();
    if (k == 29) (void)s.checkpoint(b.id, {"temperature", "{\"index\":1}", 1.71e9 + k});
  }
  (void)s.end_run(b.id, RunStatus::interrupted, 1.71e9 + 50);
  // Run C: resumed once already (superseded rows exist), then finished.
  p.sequence = "bandwidth"; p.started_s = 1.72e9;
  auto c = s.begin_run(p).value();
  auto sc = s.declare_series(c.id, {1, "mod_amplitude", "W", "{}"}).value();
  for (int k = 0; k < 20; ++k) { (void)s.append(sc, 1.72e9 + k, 2e-4 + 1e-6 * k); (void)s.flush(); if (k == 9) (void)s.checkpoint(c.id, {"step", "{}", 1.72e9 + k}); }
  (void)s.end_run(c.id, RunStatus::interrupted, 1.72e9 + 20);
  (void)s.resume_run(c.id);
  auto rw = s.rewind_to_checkpoint(c.id).value();
  std::printf("rewound %lld\n", static_cast<long long>(rw.superseded_samples));
  for (int k = 10; k < 25; ++k) { (void)s.append(sc, 1.72e9 + 100 + k, 3e-4 + 1e-6 * k); }
  (void)s.end_run(c.id, RunStatus::finished, 1.72e9 + 200);
  return s.close() ? 0 : 1;
}

#pragma once
// Runs a request in this process (engine::run_sequence) and opens its store on the one run it
// recorded: the exit code, what it printed, a reader and that run's record.
#include "db/reader.hpp"
#include "engine/run/run_sequence.hpp"

#include <catch2/catch.hpp>

#include <optional>
#include <sstream>
#include <string>

namespace ledlab::test {

struct InProcessRun {
  int code = -1;
  std::string out;
  std::optional<db::Reader> reader;
  db::RunRecord run;
};

inline InProcessRun run_in_process(const engine::RunRequest& req) {
  InProcessRun r;
  std::ostringstream out;
  r.code = engine::run_sequence(req, out);
  r.out = out.str();
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  r.run = runs->front();
  r.reader.emplace(std::move(*reader));
  return r;
}

}  // namespace ledlab::test

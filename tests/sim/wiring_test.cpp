#include "instruments/sim/wiring.hpp"

#include <catch2/catch.hpp>

using namespace ledlab::sim;

TEST_CASE("an instrument the wiring does not know sees bench lane n-1 on channel n") {
  Wiring w;
  CHECK_FALSE(w.knows("opm"));
  CHECK(w.resolve("opm", 1) == std::size_t{0});
  CHECK(w.resolve("opm", 400) == std::size_t{399});
  CHECK_FALSE(w.resolve("opm", 0));
  CHECK(w.channel_count("opm") == 0);
}

TEST_CASE("a directly wired channel sees its lane and an unwired channel is dark") {
  Wiring w;
  w.connect_lane("opm", 1, 400);
  w.connect_lane("opm", 3, 402);
  CHECK(w.knows("opm"));
  CHECK(w.resolve("opm", 1) == std::size_t{400});
  CHECK_FALSE(w.resolve("opm", 2));
  CHECK(w.resolve("opm", 3) == std::size_t{402});
  CHECK(w.channel_count("opm") == 3);
}

TEST_CASE("a channel behind a switch sees the lane routed to its output, and is dark while the output is open") {
  Wiring w;
  for (int in = 1; in <= 8; ++in) w.connect_switch_input("sw", in, static_cast<std::size_t>(100 + in));
  w.connect_switch_output("bert", 1, "sw", 1);
  w.connect_switch_output("bert", 2, "sw", 2);
  CHECK(w.switch_inputs("sw") == 8);
  CHECK(w.switch_outputs("sw") == 2);
  CHECK_FALSE(w.resolve("bert", 1));
  w.route("sw", 5, 1);
  CHECK(w.resolve("bert", 1) == std::size_t{105});
  CHECK_FALSE(w.resolve("bert", 2));
  // One-to-one: input 5 moves to output 2, output 1 goes dark.
  w.route("sw", 5, 2);
  CHECK_FALSE(w.resolve("bert", 1));
  CHECK(w.resolve("bert", 2) == std::size_t{105});
  CHECK(w.routed_input("sw", 2) == 5);
  w.route("sw", 6, 2);
  CHECK(w.resolve("bert", 2) == std::size_t{106});
  w.open("sw", 2);
  CHECK_FALSE(w.resolve("bert", 2));
  w.route("sw", 1, 1);
  w.open_all("sw");
  CHECK_FALSE(w.resolve("bert", 1));
}

TEST_CASE("the lanes an instrument may see include every lane on its switch's inputs and its whole-DUT lanes") {
  Wiring w;
  w.connect_switch_input("sw", 1, 7);
  w.connect_switch_input("sw", 2, 3);
  w.connect_switch_output("bert", 1, "sw", 1);
  w.connect_lane("bert", 2, 9);
  CHECK(w.lanes_of("bert") == std::vector<std::size_t>{3, 7, 9});
  w.serve_lanes("pg", {20, 21});
  CHECK(w.knows("pg"));
  CHECK(w.lanes_of("pg") == std::vector<std::size_t>{20, 21});
}

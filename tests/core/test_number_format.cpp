// Readings as `ledlab check --read` prints them.
#include "core/number_format.hpp"

#include <catch2/catch.hpp>

#include <cmath>

using ledlab::fixed;

TEST_CASE("a value that rounds to zero prints without a minus sign") {
  CHECK(fixed(-3e-6, 2) == "0.00");  // a dark power meter channel, in uW
  CHECK(fixed(-0.0, 2) == "0.00");
  CHECK(fixed(-0.004, 2) == "0.00");
  CHECK(fixed(-0.4, 0) == "0");
}

TEST_CASE("a negative value that does not round to zero keeps its sign and its digits") {
  CHECK(fixed(-0.005001, 2) == "-0.01");
  CHECK(fixed(-40.0, 2) == "-40.00");
  CHECK(fixed(24.9, 2) == "24.90");
  CHECK(fixed(-1e-4, 4) == "-0.0001");
  CHECK(fixed(std::nan(""), 2) == "nan");
}

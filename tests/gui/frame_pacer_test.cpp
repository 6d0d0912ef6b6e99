// When the dashboard builds and draws frames: on input, on a new model and at the idle
// timeout; drawn only when they differ from the frame on screen (issue 16: a whole core spent
// redrawing an idle dashboard).
#include "gui/core/data_source.hpp"
#include "gui/core/frame_pacer.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <mutex>

using ledlab::gui::FramePacer;
using ledlab::gui::PacingOptions;

TEST_CASE("the first frame is built at once and drawn") {
  FramePacer p;
  CHECK(p.wait_s(0) == 0);
  CHECK(p.built(0, 42));
}

TEST_CASE("an idle dashboard sleeps for the idle timeout and does not draw an unchanged frame") {
  FramePacer p({.idle_timeout_s = 0.5});
  REQUIRE(p.built(0, 42));
  REQUIRE_FALSE(p.built(0.02, 42));  // the look once more after a change: unchanged
  for (int i = 1; i <= 100; ++i) {
    CHECK(p.wait_s(i * 0.25) == 0.5);
    CHECK_FALSE(p.built(i * 0.25, 42));
  }
  CHECK(p.frames_built() == 102);
  CHECK(p.frames_drawn() == 1);
}

TEST_CASE("a frame that differs from the one on screen is drawn and looked at once more") {
  FramePacer p({.idle_timeout_s = 0.5});
  REQUIRE(p.built(0, 1));
  REQUIRE_FALSE(p.built(0.1, 1));
  CHECK(p.wait_s(1) == 0.5);
  CHECK(p.built(1, 2));       // a new model
  CHECK(p.wait_s(1.001) > 0);  // once more, no faster than the frame rate cap
  CHECK(p.wait_s(1.001) < 0.02);
  CHECK(p.built(1.02, 3));     // it settled one frame late: drawn
  CHECK(p.wait_s(1.03) == 0.5);  // and no chain: a frame that changes every time waits for the next wake-up
}

TEST_CASE("input owes a few frames, built no faster than the frame rate cap") {
  FramePacer p({.idle_timeout_s = 0.5, .min_frame_s = 0.01, .frames_after_input = 3});
  REQUIRE(p.built(0, 1));
  REQUIRE_FALSE(p.built(0.01, 1));
  p.input();
  CHECK(p.wait_s(0.015) == Approx(0.005));
  CHECK(p.wait_s(0.02) == 0);
  for (int i = 0; i < 3; ++i) {
    CHECK(p.wait_s(1 + i * 0.01) == 0);
    p.built(1 + i * 0.01, 1);
  }
  CHECK(p.wait_s(2) == 0.5);
  CHECK(p.frames_drawn() == 1);  // the pointer moved over nothing that changes
}

TEST_CASE("an exposed window is drawn again even when its frame is unchanged") {
  FramePacer p;
  REQUIRE(p.built(0, 7));
  REQUIRE_FALSE(p.built(0.1, 7));
  p.expose();
  CHECK(p.built(0.2, 7));
  CHECK_FALSE(p.built(0.3, 7));
}

TEST_CASE("headless screenshots draw every frame and may ask for the next one at once") {
  FramePacer p({.idle_timeout_s = 0.5, .min_frame_s = 0, .always_draw = true});
  REQUIRE(p.built(0, 7));
  CHECK(p.built(0.1, 7));
  CHECK(p.wait_s(0.2) == 0.5);
  p.request_frame();
  CHECK(p.wait_s(0.2) == 0);
}

TEST_CASE("the data thread wakes the render thread after each model it publishes") {
  std::mutex m;
  std::condition_variable cv;
  int wakes = 0;
  const auto dir = std::filesystem::path(LEDLAB_BINARY_DIR) / "gui-test" / "wake";
  std::filesystem::create_directories(dir);
  ledlab::gui::DataSource source({.db = dir / "no-store-yet.sqlite", .on_publish = [&] {
                                    std::lock_guard l(m);
                                    ++wakes;
                                    cv.notify_all();
                                  }});
  std::unique_lock lock(m);
  REQUIRE(cv.wait_for(lock, std::chrono::seconds(30), [&] { return wakes >= 3; }));  // 4 Hz; a safety net only
  // Each wake-up follows its publication: the model the render thread then takes is that one or newer.
  CHECK(source.model()->generation >= 3);
}

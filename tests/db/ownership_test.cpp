// Run uuids: RFC 9562 version 4 from the kernel's entropy.
#include "db/ownership.hpp"

#include <catch2/catch.hpp>

#include <regex>
#include <set>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

using namespace ledlab;

TEST_CASE("run uuids are RFC 9562 version 4 with the variant bits set, and all distinct") {
  // xxxxxxxx-xxxx-4xxx-Nxxx-xxxxxxxxxxxx: version nibble 4, variant bits 10 (N in 8..b).
  const std::regex v4("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 10000; ++i) {
    auto uuid = db::new_uuid();
    REQUIRE(uuid);
    INFO(*uuid);
    REQUIRE(std::regex_match(*uuid, v4));
    seen.insert(*uuid);
  }
  CHECK(seen.size() == 10000);
}

TEST_CASE("a forked process draws other run uuids than its parent") {
  // A generator seeded once per process (or thread) hands a forked child the parent's
  // sequence: both would name their next run alike.
  REQUIRE(db::new_uuid());
  int out[2];
  REQUIRE(pipe(out) == 0);
  const pid_t pid = fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    const std::string uuid = db::new_uuid().value_or("");
    (void)!::write(out[1], uuid.data(), uuid.size());
    _exit(0);
  }
  ::close(out[1]);
  const std::string parent = db::new_uuid().value();
  std::string child(64, '\0');
  const ssize_t n = ::read(out[0], child.data(), child.size());
  ::close(out[0]);
  REQUIRE(waitpid(pid, nullptr, 0) == pid);
  REQUIRE(n == 36);
  child.resize(36);
  CHECK(child != parent);
}

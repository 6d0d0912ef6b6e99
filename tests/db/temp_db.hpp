#pragma once
// A fresh database path in its own temporary directory, removed with everything in it.
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace ledlab::db::test {

class TempDb {
 public:
  TempDb() {
    std::random_device rd;
    dir_ = std::filesystem::temp_directory_path() /
           ("ledlab-db-test-" + std::to_string(getpid()) + "-" + std::to_string(rd()));
    std::filesystem::create_directories(dir_);
  }
  ~TempDb() {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
  TempDb(const TempDb&) = delete;
  TempDb& operator=(const TempDb&) = delete;

  std::filesystem::path path() const { return dir_ / "ledlab.sqlite"; }
  std::filesystem::path dir() const { return dir_; }

 private:
  std::filesystem::path dir_;
};

}  // namespace ledlab::db::test

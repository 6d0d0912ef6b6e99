#pragma once
// Running the store's CLI commands in-process, and reading back what they write.
#include "db/cli.hpp"

#include <CLI/CLI.hpp>

#include <sstream>
#include <string>
#include <vector>

namespace ledlab::db::test {

// RFC 4180 reader: enough to check what the exporter writes, quotes and CRLF included.
inline std::vector<std::vector<std::string>> parse_csv(const std::string& text) {
  std::vector<std::vector<std::string>> rows(1);
  std::string field;
  bool quoted = false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (quoted) {
      if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') field += '"', ++i;
      else if (c == '"') quoted = false;
      else field += c;
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      rows.back().push_back(std::move(field)), field.clear();
    } else if (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n') {
      rows.back().push_back(std::move(field)), field.clear();
      rows.emplace_back();
      ++i;
    } else {
      field += c;
    }
  }
  rows.pop_back();  // after the last CRLF
  return rows;
}

// Runs `ledlab ARGS...` with the store commands; returns the exit code as the main would.
inline int run_cli(std::vector<std::string> args, std::string& out, std::string& err) {
  CLI::App app{"ledlab"};
  app.require_subcommand(1);
  std::ostringstream o, e;
  register_store_commands(app, o, e);
  args.insert(args.begin(), "ledlab");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  int code = 0;
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::RuntimeError& ex) {
    code = ex.get_exit_code();
  } catch (const CLI::ParseError&) {
    code = 2;  // what the main does with CLI11's own usage errors
  }
  out = o.str();
  err = e.str();
  return code;
}

}  // namespace ledlab::db::test

#include "db/lab/lab_url.hpp"

#include <libpq-fe.h>

#include <cstdlib>
#include <vector>

namespace ledlab::db::lab {

namespace {

constexpr std::string_view kRedacted = "***";

bool is_uri(std::string_view url) { return url.starts_with("postgresql://") || url.starts_with("postgres://"); }

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percent_decode(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) << 4 | hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

// A span [begin, end) of the URL that holds a password.
struct Span {
  std::size_t begin, end;
};

// URI: the userinfo's password (everything between the first ':' and the last '@' before
// the query: a password that forgot to percent-encode '/' or '@' is still hidden) and every
// ?password= / &password= value.
std::vector<Span> uri_password_spans(std::string_view url) {
  std::vector<Span> spans;
  const std::size_t start = url.find("://") + 3;
  const std::size_t q = url.find('?', start);
  const std::string_view head = url.substr(start, q == std::string_view::npos ? std::string_view::npos : q - start);
  if (const auto at = head.rfind('@'); at != std::string_view::npos) {
    if (const auto colon = head.find(':'); colon < at) spans.push_back({start + colon + 1, start + at});
  }
  if (q == std::string_view::npos) return spans;
  std::size_t p = q + 1;
  while (p <= url.size()) {
    std::size_t amp = url.find('&', p);
    if (amp == std::string_view::npos) amp = url.size();
    const std::string_view param = url.substr(p, amp - p);
    if (const auto eq = param.find('='); eq != std::string_view::npos) {
      if (percent_decode(param.substr(0, eq)) == "password") spans.push_back({p + eq + 1, amp});
    }
    p = amp + 1;
  }
  return spans;
}

// conninfo: `key = value` pairs; a value is a bare word or single-quoted, with backslash
// escapes (libpq docs, "Keyword/Value Connection Strings"). nullopt when it does not parse.
struct Pair {
  std::string key;
  Span value;
};
std::optional<std::vector<Pair>> conninfo_pairs(std::string_view s) {
  std::vector<Pair> pairs;
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; };
  std::size_t i = 0;
  while (true) {
    while (i < s.size() && space(s[i])) ++i;
    if (i == s.size()) return pairs;
    const std::size_t k = i;
    while (i < s.size() && s[i] != '=' && !space(s[i])) ++i;
    std::string key(s.substr(k, i - k));
    while (i < s.size() && space(s[i])) ++i;
    if (i == s.size() || s[i] != '=' || key.empty()) return std::nullopt;
    ++i;
    while (i < s.size() && space(s[i])) ++i;
    const std::size_t v = i;
    if (i < s.size() && s[i] == '\'') {
      ++i;
      while (i < s.size() && s[i] != '\'') i += s[i] == '\\' && i + 1 < s.size() ? 2 : 1;
      if (i >= s.size()) return std::nullopt;  // unterminated quote
      ++i;
    } else {
      while (i < s.size() && !space(s[i])) i += s[i] == '\\' && i + 1 < s.size() ? 2 : 1;
    }
    pairs.push_back({std::move(key), {v, i}});
  }
}

std::string unquote(std::string_view v) {
  if (v.starts_with('\'') && v.size() >= 2) v = v.substr(1, v.size() - 2);
  std::string out;
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) ++i;
    out.push_back(v[i]);
  }
  return out;
}

// Every password span, or nullopt when the text is neither form.
std::optional<std::vector<Span>> password_spans(std::string_view url) {
  if (is_uri(url)) return uri_password_spans(url);
  auto pairs = conninfo_pairs(url);
  if (!pairs) return std::nullopt;
  std::vector<Span> spans;
  for (const auto& p : *pairs)
    if (p.key == "password") spans.push_back(p.value);
  return spans;
}

}  // namespace

std::string redact_url(std::string_view url) {
  const auto spans = password_spans(url);
  if (!spans) {
    // Neither form: it could still hold a secret somewhere we cannot find.
    if (url.find('@') != std::string_view::npos || url.find("password") != std::string_view::npos)
      return "(unparsable lab URL)";
    return std::string(url);
  }
  std::string out;
  std::size_t at = 0;
  for (const auto& s : *spans) {
    out.append(url.substr(at, s.begin - at));
    out.append(kRedacted);
    at = s.end;
  }
  out.append(url.substr(at));
  return out;
}

bool url_has_password(std::string_view url) {
  const auto spans = password_spans(url);
  return !spans || !spans->empty();  // unparsable: assume the worst
}

std::string url_password(std::string_view url) {
  const auto spans = password_spans(url);
  if (!spans || spans->empty()) return {};
  const auto v = url.substr(spans->front().begin, spans->front().end - spans->front().begin);
  return is_uri(url) ? percent_decode(v) : unquote(v);
}

Status check_lab_url(std::string_view url) {
  auto bad = [&](std::string why) { return fail(Errc::config, "lab URL " + redact_url(url) + ": " + why); };
  if (url.find_first_not_of(" \t") == std::string_view::npos) return fail(Errc::config, "lab URL is empty");
  for (const char c : url)
    if (static_cast<unsigned char>(c) < 0x20) return bad("contains a control character");
  if (const auto scheme = url.find("://"); scheme != std::string_view::npos && !is_uri(url))
    return bad("the scheme must be postgresql:// or postgres://, not " + std::string(url.substr(0, scheme)) + "://");
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(std::string(url).c_str(), &err);
  if (!opts) {
    std::string why = err ? err : "not a PostgreSQL connection string";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    if (const auto pw = url_password(url); pw.size() >= 3)
      for (auto p = why.find(pw); p != std::string::npos; p = why.find(pw)) why.replace(p, pw.size(), "***");
    return bad(why + " (expected postgresql://user@host:port/database or host=... dbname=...)");
  }
  PQconninfoFree(opts);
  return {};
}

std::optional<std::string> lab_url_from(std::optional<std::string> cli, std::optional<std::string> station) {
  if (cli && !cli->empty()) return cli;
  if (station && !station->empty()) return station;
  if (const char* env = std::getenv("LEDLAB_LAB_DB"); env && *env) return std::string(env);
  return std::nullopt;
}

}  // namespace ledlab::db::lab

#include "engine/alert_spec.hpp"

#include "engine/station_toml.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <charconv>

namespace ledlab::engine {

namespace {

constexpr std::array kEvents{std::pair{AlertEvent::suspend, std::string_view("suspend")},
                             std::pair{AlertEvent::resume, std::string_view("resume")},
                             std::pair{AlertEvent::abort, std::string_view("abort")},
                             std::pair{AlertEvent::fail, std::string_view("fail")},
                             std::pair{AlertEvent::finish, std::string_view("finish")},
                             std::pair{AlertEvent::prompt, std::string_view("prompt")}};

// An integer in lo..hi; a float (1.5e3) or a string is refused rather than rounded.
Result<std::int64_t> integer_in(const std::string& src, const toml::node& node, const std::string& key, std::int64_t lo,
                                std::int64_t hi, std::string_view unit) {
  auto v = node.value_exact<std::int64_t>();
  if (!v || *v < lo || *v > hi)
    return fail(toml_error(src, &node, key, fmt::format("expected an integer{} from {} to {}", unit, lo, hi)));
  return *v;
}

Result<std::string> text(const std::string& src, const toml::node& node, const std::string& key) {
  if (auto v = node.value_exact<std::string>()) return *v;
  return fail(toml_error(src, &node, key, "expected a string"));
}

Result<WebhookSpec> parse_webhook(const std::string& src, const toml::table& t, const std::string& base, std::size_t index) {
  WebhookSpec spec;
  spec.name = fmt::format("webhook {}", index + 1);
  spec.where = fmt::format("{}:{}", src, t.source().begin.line);
  const toml::node* url = t.get("url");
  if (url == nullptr)
    return fail(toml_error(src, &t, base + ".url", "missing, e.g. url = \"http://127.0.0.1:8080/hooks/lab\""));
  for (const auto& [k, v] : t) {
    const std::string key = base + "." + std::string(k.str());
    Status st;
    if (k.str() == "name") {
      auto name = text(src, v, key);
      if (!name) return fail(name.error());
      if (name->empty()) return fail(toml_error(src, &v, key, "must not be empty"));
      spec.name = *name;
    } else if (k.str() == "url") {
      auto s = text(src, v, key);
      if (!s) return fail(s.error());
      auto parsed = parse_webhook_url(*s);
      if (!parsed) return fail(toml_error(src, &v, key, parsed.error().message));
      spec.url = std::move(*parsed);
    } else if (k.str() == "format") {
      auto s = text(src, v, key);
      if (!s) return fail(s.error());
      if (*s == "slack") spec.format = AlertFormat::slack;
      else if (*s == "json") spec.format = AlertFormat::json;
      else return fail(toml_error(src, &v, key, fmt::format("'{}' is not one of slack, json", *s)));
    } else if (k.str() == "events") {
      const auto* list = v.as_array();
      if (list == nullptr || list->empty())
        return fail(toml_error(src, &v, key, fmt::format("expected a list of one or more of {}", kAlertEventNames)));
      spec.events.clear();
      for (const auto& item : *list) {
        auto s = text(src, item, key);
        if (!s) return fail(s.error());
        auto event = parse_alert_event(*s);
        if (!event)
          return fail(toml_error(src, &item, key, fmt::format("'{}' is not one of {}", *s, kAlertEventNames)));
        spec.events.insert(*event);
      }
    } else if (k.str() == "timeout_ms") {
      auto ms = integer_in(src, v, key, 1, kMaxAlertTimeoutMs, " (milliseconds)");
      if (!ms) return fail(ms.error());
      spec.timeout = std::chrono::milliseconds(*ms);
    } else if (k.str() == "retries") {
      auto n = integer_in(src, v, key, 0, kMaxAlertRetries, "");
      if (!n) return fail(n.error());
      spec.retries = static_cast<int>(*n);
    } else if (k.str() == "backoff_ms") {
      auto ms = integer_in(src, v, key, 1, kMaxAlertBackoffMs, " (milliseconds)");
      if (!ms) return fail(ms.error());
      spec.backoff = std::chrono::milliseconds(*ms);
    } else {
      return fail(toml_error(src, &v, key, "unknown key (name, url, format, events, timeout_ms, retries, backoff_ms)"));
    }
  }
  return spec;
}

}  // namespace

std::string_view to_string(AlertEvent event) {
  for (const auto& [e, name] : kEvents)
    if (e == event) return name;
  return "?";
}

std::optional<AlertEvent> parse_alert_event(std::string_view text) {
  for (const auto& [e, name] : kEvents)
    if (name == text) return e;
  return std::nullopt;
}

Result<WebhookUrl> parse_webhook_url(std::string_view url) {
  auto bad = [&](std::string_view why) { return fail(Errc::config, fmt::format("'{}': {}", url, why)); };
  // The target goes into the request line as it is (RFC 9112 section 3): a space or a control
  // character there would split or end the request.
  if (std::ranges::any_of(url, [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; }))
    return bad("contains a space or a control character; percent-encode it (%20)");
  WebhookUrl out;
  out.text = url;
  constexpr std::string_view kScheme = "http://";
  if (url.starts_with("https://"))
    return bad("https is not supported (ledlab posts plain HTTP, without TLS); post to an http:// relay on the lab "
               "network or on this host");
  if (!url.starts_with(kScheme)) return bad("expected http://host[:port]/path");
  std::string_view rest = url.substr(kScheme.size());
  if (const auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);  // never sent
  const auto path_at = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, path_at);
  if (path_at != std::string_view::npos) {
    out.target = std::string(rest.substr(path_at));
    if (out.target.front() == '?') out.target.insert(0, "/");
  }
  if (authority.find('@') != std::string_view::npos)
    return bad("user:password@ in the address is not supported (it would go out in clear text)");
  std::string_view port;
  if (authority.starts_with('[')) {  // an IPv6 literal, RFC 3986 section 3.2.2
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return bad("an IPv6 address needs its closing ]");
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty() && !after.starts_with(':')) return bad("expected :port after the IPv6 address");
    if (!after.empty()) port = after.substr(1);
  } else {
    const auto colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (out.host.empty()) return bad("no host name");
  if (!port.empty() || authority.ends_with(':')) {
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (ec != std::errc{} || end != port.data() + port.size() || value == 0 || value > 65535)
      return bad(fmt::format("port '{}' is not a number from 1 to 65535", port));
    out.port = std::string(port);
  }
  return out;
}

Result<AlertsConfig> parse_alerts(const std::string& src, const toml::node& node) {
  AlertsConfig config;
  const auto* table = node.as_table();
  if (table == nullptr) return fail(toml_error(src, &node, "alerts", "expected a table: [alerts] and [[alerts.webhook]]"));
  for (const auto& [k, v] : *table) {
    const std::string key = "alerts." + std::string(k.str());
    if (k.str() == "final_wait_ms") {
      auto ms = integer_in(src, v, key, 0, kMaxAlertFinalWaitMs, " (milliseconds)");
      if (!ms) return fail(ms.error());
      config.final_wait = std::chrono::milliseconds(*ms);
    } else if (k.str() == "webhook") {
      // [[alerts.webhook]] makes an array of tables; a single [alerts.webhook] is one webhook.
      if (const auto* one = v.as_table()) {
        auto spec = parse_webhook(src, *one, key, 0);
        if (!spec) return fail(spec.error());
        config.webhooks.push_back(std::move(*spec));
        continue;
      }
      const auto* list = v.as_array();
      if (list == nullptr || !list->is_array_of_tables())
        return fail(toml_error(src, &v, key, "expected [[alerts.webhook]] tables, each with url = \"http://...\""));
      for (std::size_t i = 0; i < list->size(); ++i) {
        auto spec = parse_webhook(src, *list->get(i)->as_table(), fmt::format("{}[{}]", key, i), i);
        if (!spec) return fail(spec.error());
        config.webhooks.push_back(std::move(*spec));
      }
    } else {
      return fail(toml_error(src, &v, key, "unknown key (final_wait_ms, and [[alerts.webhook]] tables)"));
    }
  }
  return config;
}

}  // namespace ledlab::engine

// Webhook alerts for unattended runs: the station file's [[alerts.webhook]] tables, the sender
// (retries, never waiting on a receiver) and whole simulated runs posting to a local receiver.
#include "db/reader.hpp"
#include "db/verdict.hpp"
#include "engine/alerts/alert_sender.hpp"
#include "engine/run/run_sequence.hpp"
#include "engine/station_config.hpp"
#include "support/cli_process.hpp"
#include "support/paths.hpp"
#include "support/sim_run_request.hpp"
#include "support/webhook_receiver.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <sstream>

using namespace ledlab;
using nlohmann::json;
using test::WebhookReceiver;

namespace {

constexpr const char* kInstrument = R"(
[instruments.chamber]
kind = "thermal_chamber"
driver = "thermostream"
address = "tcp://127.0.0.1:5025"
)";

Result<engine::StationConfig> station_with(const std::string& alerts) {
  return engine::parse_station(std::string(kInstrument) + alerts, "lab.toml");
}

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// sim.toml (its chamber band interlock included) with the given alert tables after it.
engine::RunRequest simulated_request(const std::string& name, const std::string& script_text, const std::string& alerts) {
  auto station = engine::parse_station(file_text(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml") + alerts, name + ".toml");
  REQUIRE(station);
  engine::RunRequest req = test::script_run_request(name, script_text, std::move(*station));
  req.dut_serial = "MLA-0042";
  req.operator_name = "alice";
  return req;
}

// An hour and a half in (the chamber settles at 60 C within the first hour) the compressor
// cannot get above 45 C for half an hour: the station's band interlock suspends the run, and
// resumes it after its soak once the chamber is back.
constexpr const char* kExcursionScript = R"lua(
chamber.set_soak(60)
chamber.set_setpoint(60)
wait_until(chamber.at_temperature, { timeout = 7200, poll = 10, what = "chamber at 60 C" })
for i = 1, 30 do sleep(300) end
result { name = "array_pass", value = 1, lower = 0.5 }
)lua";
const std::vector<engine::RunRequest::SimFault> kExcursion{{5400, "chamber", "SIM:FAULT:SAT -80,45"},
                                                           {7200, "chamber", "SIM:FAULT:STUCK OFF"}};

std::vector<db::EventRecord> events_of(const std::string& db_path) {
  auto reader = db::Reader::open(db_path);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  auto events = reader->events(runs->front().id);
  REQUIRE(events);
  return *events;
}

engine::AlertsConfig one_webhook(const std::string& url, int retries, int timeout_ms) {
  auto station = station_with(fmt::format("[[alerts.webhook]]\nurl = \"{}\"\nretries = {}\ntimeout_ms = {}\nbackoff_ms = 10\n",
                                          url, retries, timeout_ms));
  REQUIRE(station);
  return station->alerts;
}

}  // namespace

TEST_CASE("webhook tables of a station file are read with their settings and defaults") {
  auto st = station_with(R"(
[alerts]
final_wait_ms = 2500

[[alerts.webhook]]
name = "lab chat"
url = "http://relay.lab:8080/hooks/T0/B1?channel=burn-in"
format = "json"
events = ["abort", "fail", "finish"]
timeout_ms = 1500
retries = 5
backoff_ms = 200

[[alerts.webhook]]
url = "http://127.0.0.1/hook"
)");
  REQUIRE(st);
  CHECK(st->alerts.final_wait.count() == 2500);
  REQUIRE(st->alerts.webhooks.size() == 2);
  const auto& chat = st->alerts.webhooks[0];
  CHECK(chat.name == "lab chat");
  CHECK(chat.url.host == "relay.lab");
  CHECK(chat.url.port == "8080");
  CHECK(chat.url.target == "/hooks/T0/B1?channel=burn-in");
  CHECK(chat.format == engine::AlertFormat::json);
  CHECK_FALSE(chat.wants(engine::AlertEvent::suspend));
  CHECK(chat.wants(engine::AlertEvent::finish));
  CHECK(chat.timeout.count() == 1500);
  CHECK(chat.retries == 5);
  CHECK(chat.backoff.count() == 200);
  CHECK(chat.where == "lab.toml:10");
  const auto& plain = st->alerts.webhooks[1];
  CHECK(plain.name == "webhook 2");
  CHECK(plain.url.port == "80");
  CHECK(plain.format == engine::AlertFormat::slack);
  for (auto e : {engine::AlertEvent::suspend, engine::AlertEvent::resume, engine::AlertEvent::abort,
                 engine::AlertEvent::fail, engine::AlertEvent::finish})
    CHECK(plain.wants(e));
  CHECK(plain.retries == 3);
  CHECK(plain.timeout.count() == 5000);
}

TEST_CASE("a bad alert table names the file, the line, the key and what is wrong") {
  struct Case {
    const char* text;
    const char* expect;
  };
  const Case cases[] = {
      {"[[alerts.webhook]]\nurl = \"https://hooks.slack.com/services/T0/B1/x\"\n",
       "lab.toml:7: alerts.webhook[0].url: 'https://hooks.slack.com/services/T0/B1/x': https is not supported"},
      {"[[alerts.webhook]]\nformat = \"json\"\n", "lab.toml:6: alerts.webhook[0].url: missing"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\nevents = [\"finish\", \"crash\"]\n",
       "lab.toml:8: alerts.webhook[0].events: 'crash' is not one of suspend, resume, abort, fail, finish, prompt"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\nevents = []\n", "lab.toml:8: alerts.webhook[0].events: expected a list"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\nformat = \"teams\"\n",
       "lab.toml:8: alerts.webhook[0].format: 'teams' is not one of slack, json"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\ntimeout_ms = 0\n",
       "lab.toml:8: alerts.webhook[0].timeout_ms: expected an integer (milliseconds) from 1 to 600000"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\nretries = 2.5\n",
       "lab.toml:8: alerts.webhook[0].retries: expected an integer from 0 to 20"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\nretry = 2\n", "lab.toml:8: alerts.webhook[0].retry: unknown key"},
      {"[[alerts.webhook]]\nurl = \"http://h:99999/x\"\n", "lab.toml:7: alerts.webhook[0].url: 'http://h:99999/x': port '99999'"},
      {"[[alerts.webhook]]\nurl = \"http://h/a b\"\n", "alerts.webhook[0].url: 'http://h/a b': contains a space"},
      {"[[alerts.webhook]]\nurl = \"ftp://h/x\"\n", "alerts.webhook[0].url: 'ftp://h/x': expected http://host[:port]/path"},
      {"[[alerts.webhook]]\nurl = \"http://u:pw@h/x\"\n", "alerts.webhook[0].url: 'http://u:pw@h/x': user:password@"},
      {"[[alerts.webhook]]\nurl = \"http://h/x\"\n[[alerts.webhook]]\nurl = \"http:///x\"\n",
       "lab.toml:9: alerts.webhook[1].url: 'http:///x': no host name"},
      {"[alerts]\nfinal_wait_ms = -1\n", "lab.toml:7: alerts.final_wait_ms: expected an integer (milliseconds) from 0"},
      {"[alerts]\nwebhooks = 1\n", "lab.toml:7: alerts.webhooks: unknown key"},
      {"[alerts]\nwebhook = \"http://h/x\"\n", "lab.toml:7: alerts.webhook: expected [[alerts.webhook]] tables"},
  };
  for (const auto& c : cases) {
    auto st = station_with(c.text);
    INFO(c.text);
    REQUIRE_FALSE(st);
    CHECK(st.error().code == Errc::config);
    CHECK_THAT(st.error().message, Catch::Contains(c.expect));
  }
}

TEST_CASE("a webhook url keeps its IPv6 host, port and query") {
  auto url = engine::parse_webhook_url("http://[::1]:8123?room=lab");
  REQUIRE(url);
  CHECK(url->host == "::1");
  CHECK(url->port == "8123");
  CHECK(url->target == "/?room=lab");
}

TEST_CASE("a slack alert is one text field with Slack's control characters escaped, and a json alert is the whole alert") {
  engine::AlertContext context{.run_uuid = "1a2b3c4d-0000", .sequence = "burn_in", .station = "sim-bench",
                               .dut_serial = "MLA-7", .operator_name = "alice", .host = "lab-3", .simulated = false};
  auto alert = engine::make_alert(context, engine::AlertEvent::suspend, "air < 45 C & falling", {{"t_s", 12.5}});
  CHECK(alert.text == "ledlab run 1a2b3c4d (burn_in on sim-bench, DUT MLA-7) suspended: air < 45 C & falling");
  auto slack = json::parse(engine::alert_body(engine::AlertFormat::slack, alert));
  CHECK(slack == json{{"text", "ledlab run 1a2b3c4d (burn_in on sim-bench, DUT MLA-7) suspended: air &lt; 45 C &amp; falling"}});
  auto whole = json::parse(engine::alert_body(engine::AlertFormat::json, alert));
  CHECK(whole["event"] == "suspend");
  CHECK(whole["run"] == "1a2b3c4d-0000");
  CHECK(whole["operator"] == "alice");
  CHECK(whole["host"] == "lab-3");
  CHECK(whole["message"] == "air < 45 C & falling");
  CHECK(whole["text"] == alert.text);
  CHECK(whole["t_s"] == 12.5);
}

TEST_CASE("a webhook that answers 500 and then 200 gets the alert on its second attempt") {
  WebhookReceiver receiver({500, 200});
  std::atomic<int> notified = 0;
  engine::AlertSender sender(one_webhook(receiver.url("/hooks/lab"), 3, 5000), [&] { ++notified; });
  sender.post(engine::make_alert({.run_uuid = "abcdef12", .sequence = "s"}, engine::AlertEvent::finish, "PASS"));
  sender.finish();
  auto got = receiver.received();
  REQUIRE(got.size() == 2);
  CHECK(got[0].body == got[1].body);  // the same alert again
  CHECK(got[1].target == "/hooks/lab");
  CHECK(got[1].content_type == "application/json");
  CHECK(json::parse(got[1].body)["text"] == "ledlab run abcdef12 (s) finished: PASS");
  CHECK(sender.take_problems().empty());
  CHECK(notified == 0);
}

TEST_CASE("a webhook that keeps failing is given up after its retries and reported once") {
  WebhookReceiver receiver({503});
  engine::AlertSender sender(one_webhook(receiver.url(), 2, 5000), {});
  sender.post(engine::make_alert({.run_uuid = "abcdef12", .sequence = "s"}, engine::AlertEvent::fail, "lost link"));
  sender.finish();
  CHECK(receiver.received().size() == 3);  // the first attempt and two retries
  auto problems = sender.take_problems();
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("alert 'fail' to webhook 'webhook 1' (lab.toml:6, " + receiver.url() + ")"));
  CHECK_THAT(problems[0], Catch::Contains("not delivered after 3 attempts: HTTP 503"));
}

TEST_CASE("a webhook that refuses the request with 404 is not retried") {
  WebhookReceiver receiver({404});
  engine::AlertSender sender(one_webhook(receiver.url(), 5, 5000), {});
  sender.post(engine::make_alert({.run_uuid = "abcdef12", .sequence = "s"}, engine::AlertEvent::abort, "operator"));
  sender.finish();
  CHECK(receiver.received().size() == 1);
  auto problems = sender.take_problems();
  REQUIRE(problems.size() == 1);
  CHECK_THAT(problems[0], Catch::Contains("refused with HTTP 404"));
}

TEST_CASE("a simulated run with a chamber excursion posts suspend and resume to its webhooks, then its verdict") {
  WebhookReceiver chat;
  WebhookReceiver full;
  auto req = simulated_request("alerts_excursion", kExcursionScript,
                               fmt::format("\n[[alerts.webhook]]\nname = \"chat\"\nurl = \"{}\"\n"
                                           "\n[[alerts.webhook]]\nname = \"log\"\nurl = \"{}\"\nformat = \"json\"\n",
                                           chat.url(), full.url()));
  req.sim_faults = kExcursion;
  std::ostringstream out;
  const int code = engine::run_sequence(req, out);
  INFO(out.str());
  REQUIRE(code == 0);

  // finish() has given the last alert its time to go out: everything is there already.
  auto posted = full.received();
  REQUIRE(posted.size() == 3);
  std::vector<json> alerts;
  for (const auto& p : posted) alerts.push_back(json::parse(p.body));
  CHECK(alerts[0]["event"] == "suspend");
  CHECK_THAT(alerts[0]["message"].get<std::string>(), Catch::Contains("interlock 'band'"));
  CHECK_THAT(alerts[0]["message"].get<std::string>(), Catch::Contains("from setpoint 60 C"));
  CHECK(alerts[1]["event"] == "resume");
  CHECK_THAT(alerts[1]["message"].get<std::string>(), Catch::Contains("interlock 'band' clear"));
  CHECK(alerts[1]["t_s"].get<double>() > alerts[0]["t_s"].get<double>());
  CHECK(alerts[2]["event"] == "finish");
  CHECK(alerts[2]["status"] == "finished");
  CHECK(alerts[2]["dut_serial"] == "MLA-0042");
  CHECK(alerts[2]["station"] == "sim-bench");
  CHECK(alerts[2]["simulated"] == true);
  CHECK(alerts[2]["operator"] == "alice");
  CHECK_FALSE(alerts[2]["host"].get<std::string>().empty());

  // The verdict is the one the store gives the run.
  auto reader = db::Reader::open(req.db);
  REQUIRE(reader);
  auto runs = reader->list_runs();
  REQUIRE(runs);
  REQUIRE(runs->size() == 1);
  auto verdict = db::judge_run(*reader, runs->front());
  REQUIRE(verdict);
  CHECK(verdict->word() == "PASS");
  CHECK(alerts[2]["verdict"] == verdict->word());
  CHECK(alerts[2]["verdict_detail"] == verdict->headline());
  CHECK(alerts[2]["run"] == runs->front().uuid);

  // The chat webhook got the same three, as {"text": ...}.
  auto said = chat.received();
  REQUIRE(said.size() == 3);
  for (std::size_t i = 0; i < said.size(); ++i) {
    auto body = json::parse(said[i].body);
    CHECK(body.size() == 1);
    CHECK(body["text"] == alerts[i]["text"]);
  }
  CHECK_THAT(json::parse(said[2].body)["text"].get<std::string>(), Catch::StartsWith("ledlab run " + runs->front().uuid.substr(0, 8)));
  CHECK_THAT(json::parse(said[2].body)["text"].get<std::string>(), Catch::Contains("finished: PASS"));
  for (const auto& e : events_of(req.db)) CHECK(e.source != "alerts");  // nothing went wrong
}

TEST_CASE("a webhook that never answers does not hold up the run and costs only a warning and an event") {
  WebhookReceiver silent({200}, WebhookReceiver::Mode::silent);
  // One attempt would wait a minute for its answer; the run's end gives alerts 300 ms.
  auto req = simulated_request("alerts_silent", kExcursionScript,
                               fmt::format("\n[alerts]\nfinal_wait_ms = 300\n\n[[alerts.webhook]]\nname = \"dead\"\n"
                                           "url = \"{}\"\ntimeout_ms = 60000\nretries = 0\n",
                                           silent.url()));
  req.sim_faults = kExcursion;
  std::ostringstream out;
  const auto started = std::chrono::steady_clock::now();
  const int code = engine::run_sequence(req, out);
  const auto took = std::chrono::steady_clock::now() - started;
  INFO(out.str());
  REQUIRE(code == 0);
  // A safety net, not a measurement: waiting on the receiver would take a minute per alert.
  CHECK(took < std::chrono::seconds(50));
  REQUIRE_FALSE(silent.wait_for(1).empty());  // the suspend alert went out, and was never answered

  CHECK_THAT(out.str(), Catch::Contains("warning: alert 'suspend' to webhook 'dead'"));
  std::vector<std::string> problems;
  for (const auto& e : events_of(req.db))
    if (e.source == "alerts") problems.push_back(e.message);
  INFO(fmt::format("{}", fmt::join(problems, "\n")));
  REQUIRE(problems.size() == 3);  // the suspend on its way, the resume and the finish queued behind it
  CHECK_THAT(problems[0], Catch::Contains("alert 'suspend' to webhook 'dead'"));
  CHECK_THAT(problems[0], Catch::Contains("still on its way when the run ended (final_wait_ms = 300)"));
  CHECK_THAT(problems[1], Catch::Contains("alert 'resume' to webhook 'dead'"));
  CHECK_THAT(problems[2], Catch::Contains("alert 'finish' to webhook 'dead'"));
  CHECK_THAT(problems[2], Catch::Contains("still queued"));
}

TEST_CASE("a run whose script fails posts the failure with its reason to the webhooks that want it") {
  WebhookReceiver failures;
  WebhookReceiver finishes;
  auto req = simulated_request("alerts_fail", "chamber.set_setpoint(40)\nsleep(600)\nerror(\"lamp burnt out\")\n",
                               fmt::format("\n[[alerts.webhook]]\nurl = \"{}\"\nformat = \"json\"\nevents = [\"fail\"]\n"
                                           "\n[[alerts.webhook]]\nurl = \"{}\"\nevents = [\"finish\"]\n",
                                           failures.url(), finishes.url()));
  std::ostringstream out;
  const int code = engine::run_sequence(req, out);
  INFO(out.str());
  REQUIRE(code == 1);
  auto posted = failures.received();
  REQUIRE(posted.size() == 1);
  auto alert = json::parse(posted[0].body);
  CHECK(alert["event"] == "fail");
  CHECK(alert["status"] == "failed");
  CHECK_THAT(alert["message"].get<std::string>(), Catch::Contains("lamp burnt out"));
  CHECK_FALSE(alert.contains("verdict"));
  CHECK(finishes.received().empty());  // it asked for finish only
}

TEST_CASE("a run that waits on an operator prompt posts the question to the webhooks that want it") {
  WebhookReceiver prompts;
  WebhookReceiver failures;
  auto req = simulated_request("alerts_prompt",
                               "local c = prompt{text = 'Move the fibre bundle to block B', choices = {'OK', 'Skip'}, "
                               "timeout = 60, default = 'Skip'}\nlog('took ' .. c)\n",
                               fmt::format("\n[[alerts.webhook]]\nurl = \"{}\"\nformat = \"json\"\nevents = [\"prompt\"]\n"
                                           "\n[[alerts.webhook]]\nurl = \"{}\"\nevents = [\"fail\"]\n",
                                           prompts.url(), failures.url()));
  std::ostringstream out;
  const int code = engine::run_sequence(req, out);
  INFO(out.str());
  REQUIRE(code == 0);
  auto posted = prompts.received();
  REQUIRE(posted.size() == 1);
  auto alert = json::parse(posted[0].body);
  CHECK(alert["event"] == "prompt");
  CHECK_THAT(alert["text"].get<std::string>(),
             Catch::Contains("waits for the operator: Move the fibre bundle to block B (choices: OK, Skip; timeout 60 s, default Skip)"));
  CHECK(alert["prompt"]["choices"] == json({"OK", "Skip"}));
  CHECK(failures.received().empty());
}

TEST_CASE("a run the watchdog ends posts its failure before the process exits") {
  WebhookReceiver receiver;
  const std::string station = test::in_build("alerts_watchdog.toml");
  std::ofstream(station) << file_text(LEDLAB_SOURCE_DIR "/sequences/stations/sim.toml")
                         << fmt::format("\n[[alerts.webhook]]\nurl = \"{}\"\nformat = \"json\"\n", receiver.url());
  const std::string db = test::in_build("alerts_watchdog.sqlite");
  test::remove_db(db);
  // Exponential backtracking inside one string.find: no Lua hook runs until it returns, so only
  // the watchdog can end the run. After an instrument call, where the script's first pass (the
  // one that reads its parameters, before the watchdog starts) stops.
  const std::string script = test::write_script(
      "alerts_watchdog.lua", "chamber.set_setpoint(30)\nlocal r = string.find(string.rep('a', 40), string.rep('a*', 40) .. 'b')\n");
  auto r = test::run_ledlab(fmt::format("run {} --station {} --sim --db {} --watchdog 1", script, station, db));
  INFO(r.out);
  REQUIRE(r.code == 5);
  auto posted = receiver.received();
  REQUIRE(posted.size() == 1);
  auto alert = json::parse(posted[0].body);
  CHECK(alert["event"] == "fail");
  CHECK(alert["status"] == "failed");
  CHECK_THAT(alert["message"].get<std::string>(), Catch::Contains("the engine loop did not answer"));
}

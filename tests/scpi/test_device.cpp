#include "scpi/server/device.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace ledlab::scpi::server;

namespace {

// A small instrument for exercising the framework: one channelled setting and a measurement.
struct Meter {
  std::shared_ptr<Device> dev = std::make_shared<Device>(Identity{"ACME", "M1", "SN7", "1.2"});
  double wavelength_nm[4] = {850, 850, 850, 850};
  std::string unit = "W";
  bool autorange = false;
  ConnectionState conn;

  Meter() {
    dev->on("[SENSe#]:CORRection:WAVelength",
            [this](Request& r) { wavelength_nm[r.suffix() - 1] = r.params.real(0, {400, 1700, 850}); },
            [this](Request& r) { r.reply(wavelength_nm[r.suffix() - 1]); });
    dev->on("SENSe#:POWer:UNIT", [this](Request& r) { unit = r.params.choice(0, {"W", "DBM"}) ? "DBM" : "W"; },
            [this](Request& r) { r.reply(unit); });
    dev->on("SENSe#:POWer:RANGe:AUTO", [this](Request& r) { autorange = r.params.boolean(0); },
            [this](Request& r) { r.reply_bool(autorange); });
    dev->on("MEASure#:POWer", {}, [](Request& r) { r.reply(1.5e-6); });
    dev->on("SOURce#:FREQuency", [](Request& r) { r.params.real(0, {1, 1e10}, "HZ"); });
  }
  Outcome run(std::string_view line) { return dev->execute(line, conn); }
  std::string ask(std::string_view line) { return run(line).reply; }
  int next_error() { return dev->status().errors().pop().first; }
};

}  // namespace

TEST_CASE("*IDN? names maker, model, serial and firmware") {
  Meter m;
  CHECK(m.ask("*IDN?") == "ACME,M1,SN7,1.2");
  CHECK(m.ask("*idn?") == "ACME,M1,SN7,1.2");
}

TEST_CASE("an unknown header queues -113 and the device keeps answering") {
  Meter m;
  CHECK_FALSE(m.run("FOO:BAR 1").has_reply);
  CHECK(m.ask("SYST:ERR?") == "-113,\"Undefined header; FOO:BAR\"");
  CHECK(m.ask("SYST:ERR?") == "0,\"No error\"");
  CHECK(m.ask("*IDN?") == "ACME,M1,SN7,1.2");
}

TEST_CASE("a query of a set-only command and a set of a query-only command are undefined headers") {
  Meter m;
  m.run("MEAS:POW 5");
  CHECK(m.next_error() == -113);
  m.run("SOUR:FREQ?");
  CHECK(m.next_error() == -113);
}

TEST_CASE("suffixes route to channels and short/long forms are equivalent") {
  Meter m;
  m.run("SENS2:CORR:WAV 1310");
  m.run("sense3:correction:wavelength 1550");
  CHECK(m.ask("SENS2:CORR:WAV?") == "+1.31000000E+03");
  CHECK(m.ask("CORR:WAV?") == "+8.50000000E+02");  // optional SENSe node, suffix 1
  CHECK(m.ask("SENSE3:CORRECTION:WAVELENGTH?") == "+1.55000000E+03");
  CHECK(m.dev->status().errors().empty());
}

TEST_CASE("semicolon continues at the same level and a leading colon returns to the root") {
  Meter m;
  m.run("SENS:POW:UNIT DBM;RANG:AUTO ON");
  CHECK(m.unit == "DBM");
  CHECK(m.autorange);
  CHECK(m.dev->status().errors().empty());
  CHECK(m.ask("SENS:POW:UNIT?;:MEAS:POW?;*IDN?") == "DBM;+1.50000000E-06;ACME,M1,SN7,1.2");
  m.run("SENS:POW:UNIT W;:RANG:AUTO OFF");  // RANG at the root is no command
  CHECK(m.next_error() == -113);
  CHECK(m.autorange);
}

TEST_CASE("parameter errors carry their standard codes") {
  Meter m;
  m.run("SENS:CORR:WAV 99999");
  CHECK(m.next_error() == -222);
  m.run("SENS:CORR:WAV abc");
  CHECK(m.next_error() == -104);
  m.run("SENS:CORR:WAV");
  CHECK(m.next_error() == -109);
  m.run("SENS:POW:UNIT LUMENS");
  CHECK(m.next_error() == -224);
  m.run("SENS:POW:RANG:AUTO MAYBE");
  CHECK(m.next_error() == -224);
  m.run("MEAS:POW? 1,2");
  CHECK(m.next_error() == -108);
  m.run("SENS:CORR:WAV \"850");
  CHECK(m.next_error() == -102);
  m.run("SOUR:FREQ 5XYZ");
  CHECK(m.next_error() == -131);
}

TEST_CASE("MIN, MAX, DEF and SI suffixes resolve numeric parameters") {
  Meter m;
  m.run("SENS:CORR:WAV MAX");
  CHECK(m.wavelength_nm[0] == 1700);
  m.run("SENS:CORR:WAV min");
  CHECK(m.wavelength_nm[0] == 400);
  m.run("SENS:CORR:WAV DEF");
  CHECK(m.wavelength_nm[0] == 850);
  m.run("SOUR:FREQ 2GHZ");
  m.run("SOUR:FREQ 10 MHZ");
  CHECK(m.dev->status().errors().empty());
}

TEST_CASE("error queue overflow replaces the newest entry with -350") {
  Meter m;
  for (int i = 0; i < 25; ++i) m.run("BOGUS");
  auto& q = m.dev->status().errors();
  CHECK(q.size() == 20);
  for (int i = 0; i < 19; ++i) CHECK(q.pop().first == -113);
  auto last = q.pop();
  CHECK(last.first == -350);
  CHECK(last.second == "Queue overflow");
  CHECK(q.pop().first == 0);
}

TEST_CASE("errors set their ESR class bit and ESB/MSS follow the enable masks") {
  Meter m;
  m.ask("*ESR?");  // clears power-on
  m.run("BOGUS");  // -113: command error
  m.run("SENS:CORR:WAV 1");  // -222: execution error
  CHECK(std::stoi(m.ask("*STB?")) & 0x04);  // error queue not empty
  CHECK((std::stoi(m.ask("*STB?")) & 0x20) == 0);  // ESB masked by *ESE 0
  m.run("*ESE 32");
  CHECK(std::stoi(m.ask("*STB?")) & 0x20);
  CHECK((std::stoi(m.ask("*STB?")) & 0x40) == 0);  // MSS needs *SRE
  m.run("*SRE 32");
  CHECK(std::stoi(m.ask("*STB?")) & 0x40);
  CHECK(std::stoi(m.ask("*ESR?")) == (0x20 | 0x10));
  CHECK(std::stoi(m.ask("*ESR?")) == 0);  // read clears
}

TEST_CASE("*CLS clears the queue and ESR, *RST does not touch the queue") {
  Meter m;
  int resets = 0;
  m.dev->on_reset = [&] { ++resets; };
  m.run("BOGUS");
  m.run("*RST");
  CHECK(resets == 1);
  CHECK(m.dev->status().errors().size() == 1);
  m.run("*CLS");
  CHECK(m.dev->status().errors().empty());
  CHECK(m.ask("*ESR?") == "0");
}

TEST_CASE("*OPC sets the operation-complete bit and *OPC? answers 1") {
  Meter m;
  m.ask("*ESR?");
  m.run("*OPC");
  CHECK(std::stoi(m.ask("*ESR?")) == 1);
  CHECK(m.ask("*OPC?") == "1");
  CHECK(m.ask("*TST?") == "0");
  m.dev->pending_operation_s = [] { return 12.5; };
  CHECK(m.run("*OPC?").delay_s == 12.5);
}

TEST_CASE("the before-command hook runs before each program message, so status reads are current") {
  Meter m;
  bool hot = false;
  m.dev->before_command = [&] { m.dev->status().questionable.set_condition(1u << 4, hot); };
  CHECK(m.ask("STAT:QUES:COND?") == "0");
  hot = true;  // the physics changed between two commands
  CHECK(m.ask("STAT:QUES:COND?") == "16");
  CHECK(m.ask("STAT:QUES?") == "16");  // latched event, read clears
  CHECK(m.ask("STAT:QUES?") == "0");
}

TEST_CASE("strings and blocks may hold separators") {
  CHECK(split_units("A \"x;y\";B").size() == 2);
  CHECK(split_units("A #13a;b;B").size() == 2);
  const auto p = split_params(" 1 , \"a,b\" ,#2100123456789");
  REQUIRE(p.size() == 3);
  CHECK(p[1] == "\"a,b\"");
  CHECK(p[2] == "#2100123456789");
}

TEST_CASE("fault plan drops, stalls and garbles deterministically") {
  Meter m;
  m.run("SIM:FAULT:GARB 2");
  auto g1 = m.run("*IDN?");
  CHECK(g1.fault.garble);
  m.dev->faults().garble_text(g1.reply);
  CHECK(g1.reply != "ACME,M1,SN7,1.2");
  CHECK(m.run("*IDN?").fault.garble);
  CHECK_FALSE(m.run("*IDN?").fault.garble);
  m.run("SIM:FAULT:STALL 1.5,1");
  CHECK(m.run("*IDN?").fault.stall_s == 1.5);
  m.run("SIM:FAULT:DROP 1");
  CHECK_FALSE(m.run("*IDN?").fault.drop);
  CHECK(m.run("*IDN?").fault.drop);
  m.run("SIM:FAULT:ERR -240,\"Sensor head missing\"");
  CHECK(m.ask("SYST:ERR?") == "-240,\"Sensor head missing\"");
}

TEST_CASE("malformed block headers are refused with -161 and the device answers the next *IDN?") {
  Meter m;
  // Length digits that are not digits, too few of them, or a block shorter than it announces
  // ("*ESE #1," once sent the scanner backwards forever, hanging every twin of the process).
  for (std::string_view hostile : {"*ESE #1,", "*ESE #1", "*ESE #9", "*ESE #2a", "*ESE #3,,,", "*ESE #15ab",
                                   "*ESE 1,#9999999999", "A #3999ab;B", "*ESE #1,;*IDN?", "*ESE \"#1,\";#2"}) {
    INFO(hostile);
    const auto out = m.run(hostile);
    CHECK_FALSE(out.has_reply);
    const auto [code, text] = m.dev->status().errors().pop();
    CHECK(code == -161);
    CHECK(text.starts_with("Invalid block data"));
    CHECK(m.ask("*IDN?") == "ACME,M1,SN7,1.2");
  }
}

TEST_CASE("blocks inside strings are text, and an indefinite block runs to the end of the message") {
  CHECK(split_units("A \"#1,\";B").size() == 2);
  CHECK(split_units("A #0x;y;z").size() == 1);
  const auto p = split_params("#0a,b");
  REQUIRE(p.size() == 1);
  CHECK(p[0] == "#0a,b");
}

TEST_CASE("the replies to one program message stop at the output queue's size with -223") {
  Meter m;
  m.dev->buffers.output_bytes = 1000;
  std::string storm;
  for (int i = 0; i < 2000; ++i) storm += "*IDN?;";
  const auto out = m.run(storm);
  CHECK_FALSE(out.has_reply);
  CHECK(out.reply.size() <= 1000);
  CHECK(m.next_error() == -223);
  CHECK(m.next_error() == 0);  // one error for the message, not one per query left out
  CHECK(m.ask("*IDN?") == "ACME,M1,SN7,1.2");

  // Units after the overflow do not run.
  m.dev->buffers.output_bytes = 20;
  m.run("*IDN?;*IDN?;SENS2:CORR:WAV 1310");
  CHECK(m.next_error() == -223);
  CHECK(m.wavelength_nm[1] == 850);
  // Replies that fit are untouched.
  CHECK(m.ask("*TST?;*TST?") == "0;0");
}

TEST_CASE("an error's text is cut to the 255 characters SCPI allows, however long the input it quotes") {
  Meter m;
  m.run(std::string(100000, 'X'));
  const auto [code, text] = m.dev->status().errors().pop();
  CHECK(code == -113);
  CHECK(text.size() == 255);
}

TEST_CASE("an integer parameter beyond 64 bits is out of range, not converted") {
  Meter m;
  m.dev->on("COUNt", [](Request& r) { r.params.integer(0); });
  for (std::string_view line : {"COUN 1e300", "COUN -1e19", "COUN 9.3e18"}) {
    INFO(line);
    m.run(line);
    CHECK(m.next_error() == -222);
  }
  m.run("COUN 12");
  CHECK(m.next_error() == 0);
}

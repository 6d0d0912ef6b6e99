#include "instruments/power_meter/power_meter.hpp"
#include "core/number_format.hpp"

#include "instruments/common/dialect_table.hpp"
#include "instruments/common/registry.hpp"

#include <fmt/format.h>

#include <bit>
#include <cstring>

namespace ledlab::instruments {

namespace asio = boost::asio;

PowerMeter::PowerMeter(InstrumentConfig config, std::unique_ptr<scpi::Session> session, const PowerMeterDialect& dialect)
    : Instrument(std::move(config), std::move(session)), dialect_(dialect),
      wavelength_nm_(config_.option("wavelength_nm", 850)) {
  channels_ = static_cast<int>(config_.option("channels", 1));
  auto& t = settings_table_;
  t.declare_value("driver", "", "", dialect_.driver);
  t.declare_value("channels", "", "", channels_);  // a fact, read at attach where the model reports it
  t.declare_value("wavelength_nm", "nm", dialect_.set_wavelength, wavelength_nm_, [this] { return apply_wavelength(); });
  t.declare_value("averaging", "", dialect_.set_averaging, averaging_, [this] { return set_averaging(averaging_); },
                  [this] { return averaging_ > 1; });
}

asio::awaitable<Status> PowerMeter::attach() {
  if (auto st = co_await Instrument::attach(); !st) co_return st;
  if (!dialect_.channel_count.empty()) {
    auto n = co_await session_->query_int(std::string(dialect_.channel_count));
    if (!n) co_return fail(n.error());
    if (*n < 1) co_return fail(error(Errc::protocol, fmt::format("reports {} channels", *n), dialect_.channel_count));
    channels_ = static_cast<int>(*n);
  }
  co_return Status{};
}

asio::awaitable<Status> PowerMeter::initialize() {
  if (auto st = co_await Instrument::initialize(); !st) co_return st;
  for (int ch = 1; ch <= channels_ && !dialect_.set_unit_watt.empty(); ++ch) {
    // Readings are always in watts; the dialect's per-channel set-up is sent once here.
    if (auto st = co_await session_->write(fmt::format(fmt::runtime(dialect_.set_unit_watt), fmt::arg("ch", ch))); !st)
      co_return st;
    if (dialect_.set_unit_watt.find("{ch}") == std::string_view::npos) break;
  }
  co_return co_await reapply_settings();
}

Status PowerMeter::check_channel(int channel, std::string_view command) const {
  if (channel < 1 || channel > channels_)
    return fail(error(Errc::invalid_argument, fmt::format("channel {} is not 1..{}", channel, channels_), command));
  return {};
}

asio::awaitable<Status> PowerMeter::apply_wavelength() {
  // Models with per-channel suffixes get one command per channel; others one in all.
  const bool per_channel = dialect_.set_wavelength.find("{ch}") != std::string_view::npos;
  const bool has_bulk = !dialect_.read_all.empty();
  const int last = per_channel && !has_bulk ? channels_ : 1;
  for (int ch = 1; ch <= last; ++ch) {
    // The array meter's channels share one optical head: SENS1 sets all of them.
    auto cmd = fmt::format(fmt::runtime(dialect_.set_wavelength), fmt::arg("ch", ch), fmt::arg("nm", wavelength_nm_));
    if (auto st = co_await session_->write_checked(cmd); !st) co_return st;
  }
  co_return Status{};
}

asio::awaitable<Status> PowerMeter::set_wavelength_nm(double wavelength_nm) {
  if (auto st = check_limit("wavelength_nm", wavelength_nm, "min_wavelength_nm", "max_wavelength_nm"); !st) co_return st;
  wavelength_nm_ = wavelength_nm;
  co_return co_await apply_wavelength();
}

asio::awaitable<Status> PowerMeter::set_averaging(int count) {
  if (count < 1) co_return fail(error(Errc::invalid_argument, fmt::format("averaging count {} < 1", count)));
  averaging_ = count;
  if (dialect_.set_averaging.empty()) co_return Status{};
  co_return co_await session_->write_checked(
      fmt::format(fmt::runtime(dialect_.set_averaging), fmt::arg("ch", 1), fmt::arg("n", count)));
}

asio::awaitable<Result<double>> PowerMeter::read_power_w(int channel) {
  const std::string cmd = fmt::format(fmt::runtime(dialect_.read_power), fmt::arg("ch", channel));
  if (auto st = check_channel(channel, cmd); !st) co_return fail(st.error());
  co_return co_await session_->query_double(cmd);
}

asio::awaitable<Result<std::vector<double>>> PowerMeter::read_all_w() {
  std::vector<double> out;
  if (dialect_.read_all.empty()) {
    for (int ch = 1; ch <= channels_; ++ch) {
      auto v = co_await read_power_w(ch);
      if (!v) co_return fail(v.error());
      out.push_back(*v);
    }
    co_return out;
  }
  const std::string cmd(dialect_.read_all);
  auto block = co_await session_->query_block(cmd);
  if (!block) co_return fail(block.error());
  if (block->size() != static_cast<std::size_t>(channels_) * sizeof(double))
    co_return fail(error(Errc::protocol,
                         fmt::format("block of {} bytes, expected {} channels x 8", block->size(), channels_), cmd));
  out.resize(static_cast<std::size_t>(channels_));
  static_assert(std::endian::native == std::endian::little, "block decoding assumes a little-endian host");
  std::memcpy(out.data(), block->data(), block->size());
  co_return out;
}

asio::awaitable<Status> PowerMeter::safe_state() { co_return Status{}; }  // a meter only listens

Capabilities PowerMeter::capabilities() const {
  return Capabilities{.kind = kind(), .driver = std::string(dialect_.driver), .channels = channels_,
                      .bulk_read = !dialect_.read_all.empty()};
}

asio::awaitable<Result<std::string>> PowerMeter::sample_reading() {
  auto all = co_await read_all_w();
  if (!all) co_return fail(all.error());
  double sum = 0, lit = 0;
  for (double p : *all) {
    sum += p;
    if (p > 1e-7) ++lit;
  }
  co_return fmt::format("channel 1: {} uW, mean of {} channels {} uW, {} lit", fixed(all->front() * 1e6, 2), all->size(),
                        fixed(sum / static_cast<double>(all->size()) * 1e6, 2), lit);
}

namespace {
std::unique_ptr<Instrument> make_power_meter(InstrumentConfig config, std::unique_ptr<scpi::Session> session) {
  const PowerMeterDialect* d = find_power_meter_dialect(config.driver);
  if (!d) return nullptr;
  return std::make_unique<PowerMeter>(std::move(config), std::move(session), *d);
}

// Station-file keys (README "Station files").
std::vector<SettingKey> power_meter_keys() {
  return {
      {"limits", "min_wavelength_nm", 0, 1e5, true},
      {"limits", "max_wavelength_nm", 0, 1e5, true},
      {"options", "wavelength_nm", 0, 1e5, true},
      {"options", "channels", 1, 100000, false, true},
  };
}
}  // namespace

LEDLAB_REGISTER_DRIVER(power_meter, power_meter_dialect_names(), make_power_meter, power_meter_keys(), nullptr,
                       identity_in<find_power_meter_dialect>);

}  // namespace ledlab::instruments

// ledlab: lab control for Micro-LED array characterisation.
#include "cli/commands.hpp"
#include "core/log.hpp"
#include "db/cli.hpp"
#include "db/lab/lab_reader.hpp"

#include <CLI/CLI.hpp>

#include <iostream>

int main(int argc, char** argv) {
  CLI::App app{"ledlab: characterise Micro-LED arrays for co-packaged optics"};
  app.require_subcommand(1);
  app.set_version_flag("--version", std::string("ledlab ") + LEDLAB_VERSION);
  bool verbose = false;
  app.add_flag("-v,--verbose", verbose, "log what the links and twins do");
  app.parse_complete_callback([&] { ledlab::log::set_level(verbose ? ledlab::log::Level::info : ledlab::log::Level::warn); });

  ledlab::cli::register_sim_command(app);
  ledlab::cli::register_check_command(app);
  ledlab::cli::register_bench_demo_command(app);
  ledlab::cli::register_run_command(app);
  ledlab::cli::register_ctl_command(app);
  ledlab::cli::register_resume_command(app);
  ledlab::cli::register_report_command(app);
  ledlab::cli::register_gui_command(app);
  ledlab::cli::register_query_command(app);
  ledlab::cli::register_usb_command(app);
  ledlab::cli::register_discover_command(app);
  register_store_commands(app, ledlab::db::lab::lab_access());
  auto* lab = app.add_subcommand("lab", "The lab database (PostgreSQL): set-up, shipping, status");
  lab->require_subcommand(1);
  ledlab::cli::register_lab_admin_commands(*lab);
  ledlab::cli::register_lab_ship_commands(*lab);

  try {
    app.parse(argc, argv);
  } catch (const ledlab::cli::Exit& e) {
    return e.code;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::RuntimeError& e) {
    return e.get_exit_code();
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;
  }
  return 0;
}

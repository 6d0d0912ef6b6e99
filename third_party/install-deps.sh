#!/usr/bin/env bash
# Installs ledlab's build and test dependencies from Debian 12 packages.
# Idempotent: asks apt only for the packages that are not installed yet.
# This script is the one place in the project that knows package names.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git
  libboost1.81-dev          # Asio with C++20 coroutines (1.74 does not build with GCC 12 in C++20)
  catch2                    # unit tests (v2.13)
  libfmt-dev                # formatting (GCC 12 has no <format>)
  libtomlplusplus-dev       # station files
  libcli11-dev              # command line
  nlohmann-json3-dev        # JSON export and ground truth
  libsqlite3-dev sqlite3    # results store
  liblua5.4-dev             # sequences
  libusb-1.0-0-dev          # USBTMC link
  libimgui-dev libglfw3-dev libstb-dev libgl-dev   # dashboard
  fonts-dejavu-core                                # the dashboard's font (ImGui's built-in one otherwise)
  xvfb xauth libgl1-mesa-dri                       # headless dashboard tests
  xdotool                                          # dashboard tests that drive the window with real input events
  python3-pyvisa-py         # a real VISA client to test the twins against
  clang libclang-rt-14-dev  # libFuzzer targets (ctest -L fuzz): clang++ and its fuzzer/sanitizer runtimes
  umockdev                  # USBTMC tests: a fake /sys and /dev with a usbmon replay, no hardware
  libmodbus-dev             # Modbus tests: an independent Modbus TCP/RTU client and server for the link and the twins
  lxi-tools                 # VXI-11 tests: `lxi discover` must find the twins by broadcast
  iproute2                  # tests that make their own network namespace (lo up, veth for broadcast, multicast route)
  libpq-dev                 # the lab database client (db/lab): libpq
  postgresql-15             # lab database tests: initdb/postgres/pg_ctl for private clusters in temporary directories
                            # (tests/support/pg_cluster.hpp, `ledlab lab test-server`); the package's own cluster
                            # (port 5432, /var/run/postgresql) is not used by anything here
  openssl                   # the self-signed certificate of those clusters' TLS
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"

# System packages only (third_party/install-deps.sh installs them).
find_package(Threads REQUIRED)
find_package(Boost 1.81 EXACT REQUIRED)
find_package(fmt REQUIRED)
find_package(nlohmann_json REQUIRED)
find_package(CLI11 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(LUA REQUIRED IMPORTED_TARGET lua5.4)
pkg_check_modules(LIBUSB REQUIRED IMPORTED_TARGET libusb-1.0)
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)  # the lab database client (db/lab)

# Asio, header-only, with the definitions every translation unit must agree on.
add_library(ledlab_asio INTERFACE)
target_link_libraries(ledlab_asio INTERFACE Boost::headers Threads::Threads)
target_compile_definitions(ledlab_asio INTERFACE BOOST_ASIO_NO_DEPRECATED BOOST_ASIO_HAS_CO_AWAIT)

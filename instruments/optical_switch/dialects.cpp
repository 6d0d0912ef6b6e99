// Optical switch models, one table each. A new model is a new table, not new code.
#include "instruments/optical_switch/optical_switch.hpp"

#include "instruments/common/dialect_table.hpp"

#include <array>

namespace ledlab::instruments {
namespace {

constexpr std::array kDialects{
    // ledlab's N x M matrix switch (the simulated twin, optical_switch_twin.cpp). SCPI-99
    // volume 2, ROUTe subsystem: ROUTe:CLOSe / ROUTe:OPEN with a channel list; a route is a
    // two-dimensional channel "input!output" (SCPI-99 volume 1, 8.3.2 "Channel list": '!'
    // separates the dimensions of one channel, ',' separates channels). ledlab extensions:
    // ROUTe:OPEN:ALL, ROUTe:CONNection? <output> (the input routed there, 0 = open) and
    // ROUTe:SIZE:INPuts? / OUTPuts?.
    OpticalSwitchDialect{
        .driver = "ledlab-switch",
        .description = "N x M optical matrix switch (SCPI-99 ROUTe with input!output channel lists)",
        .identity = {.manufacturers = "ledlab",
                     .models = "SIM-SWITCH",
                     .sample = "ledlab,SIM-SWITCH,switch,0.1",
                     .source = "ledlab's twin (optical_switch_twin.cpp)"},
        .size_inputs = "ROUT:SIZE:INP?",
        .size_outputs = "ROUT:SIZE:OUTP?",
        .route = "ROUT:CLOS (@{in}!{out})",
        .route_many = "ROUT:CLOS (@{pairs})",
        .route_pair = "{in}!{out}",
        .routed_input = "ROUT:CONN? {out}",
        .routed_reply = RoutedReply::input_number,
        .open_all = "ROUT:OPEN:ALL",
    },
    // HUBER+SUHNER Polatis N x M (Series 6000 / 7000) optical circuit switch, from its SCPI
    // programming manual, "OXC:SWITch" commands: ingress ports are 1..N and egress ports
    // N+1..N+M in one numbering, so output o is port N+o ({egress}); CONNect:ADD takes an
    // ingress list and an egress list of equal length; CONNect:PORT? <port> answers the port
    // connected to it (0 when none); DISConnect:ALL opens every connection.
    // UNVERIFIED: the manual was not at hand while writing this table. The command forms
    // match public client code written for the series (the same CONN:ADD lists, DISC:ALL and
    // CONN:PORT?, whose reply may come quoted); the reply for an unconnected port (0) and the
    // size query's reply format (so the size comes from options inputs / outputs) are assumed.
    OpticalSwitchDialect{
        .driver = "polatis",
        .description = "HUBER+SUHNER Polatis N x M optical circuit switch",
        .identity = {.manufacturers = "Polatis*|HUBER+SUHNER*",
                     .models = "*",
                     .sample = "Polatis,N-OST-48x48-LU1-DMHNS,000000,6.6.1.7",
                     .source = "UNVERIFIED: no public manual found; the manufacturer field of client code written for the series"},
        .size_inputs = "",
        .size_outputs = "",
        .route = ":OXC:SWIT:CONN:ADD (@{in}),(@{egress})",
        .route_many = ":OXC:SWIT:CONN:ADD (@{ins}),(@{egresses})",
        .route_pair = "",
        .routed_input = ":OXC:SWIT:CONN:PORT? {egress}",
        .routed_reply = RoutedReply::input_number,
        .open_all = ":OXC:SWIT:DISC:ALL",
    },
    // Keysight N7731C / N7734C (and 8164 plug-in 8160x) 1 x N optical switches, Keysight
    // "N77xx Series Programming Guide", :ROUTe[n]:[CHANnel[m]] <input letter>,<output>: the
    // one input "A" goes to the output given; the query answers "A,<output>". No bulk route:
    // a 1 x N switch has one route at a time. Size from the station options (inputs = 1,
    // outputs = N). The route command's form matches public client code for these switches;
    // UNVERIFIED: the query's reply form ("A,<output>") is from the guide's description of the
    // command, not checked against an instrument.
    OpticalSwitchDialect{
        .driver = "n77xx",
        .description = "Keysight N77xx 1 x N optical switch",
        .identity = {.manufacturers = "Keysight Technologies|Agilent Technologies",
                     .models = "N773*",
                     .sample = "Keysight Technologies,N7734C,MY00000000,1.0",
                     .source = "UNVERIFIED: the model numbers of the N7731C/N7734C; the reply as the guide prints it was not found"},
        .size_inputs = "",
        .size_outputs = "",
        .route = ":ROUT1:CHAN1 {in_letter},{out}",
        .route_many = "",
        .route_pair = "",
        .routed_input = ":ROUT1:CHAN1?",
        .routed_reply = RoutedReply::letter_output,
        .open_all = "",
    },
};

}  // namespace

const OpticalSwitchDialect* find_optical_switch_dialect(std::string_view driver) {
  return find_dialect(kDialects, driver);
}

std::vector<std::string> optical_switch_dialect_names() { return dialect_names(kDialects); }

}  // namespace ledlab::instruments

#!/usr/bin/python3
"""A real VISA client (PyVISA with the pyvisa-py backend) against ledlab's optical switch twin.

Usage: pyvisa_switch.py <ledlab executable> <station file>
Starts `ledlab sim --any-port` on a station with one 400 x 4 switch and drives it through a
TCPIP0::127.0.0.1::<port>::SOCKET resource as a lab script would: SCPI-99 ROUTe with
input!output channel lists, *OPC? after a move, the error queue, and the twin's own log.
"""
import subprocess
import sys

import pyvisa


def main() -> int:
    ledlab, station = sys.argv[1], sys.argv[2]
    sim = subprocess.Popen([ledlab, "sim", "--station", station, "--any-port"],
                           stdout=subprocess.PIPE, text=True)
    try:
        ports = {}
        for line in sim.stdout:
            if line.startswith("simulated station"):
                break
            name, kind, address = line.split()
            if not address.startswith("tcp://"):
                continue  # the same twin over HiSLIP, listed as "name (HiSLIP) TCPIP0::...::INSTR"
            ports[kind] = int(address.rsplit(":", 1)[1])
        assert "optical_switch" in ports, ports

        rm = pyvisa.ResourceManager("@py")
        sw = rm.open_resource(f"TCPIP0::127.0.0.1::{ports['optical_switch']}::SOCKET",
                              read_termination="\n", write_termination="\n", timeout=5000)
        assert sw.query("*IDN?").split(",")[1] == "SIM-SWITCH"
        assert int(sw.query("ROUT:SIZE:INP?")) == 400
        assert int(sw.query("ROUT:SIZE:OUTP?")) == 4

        # Two routes in one channel list, then *OPC? once the mirrors have settled.
        sw.write("ROUT:CLOS (@17!1,18!2)")
        assert sw.query("*OPC?") == "1"
        assert sw.query_ascii_values("ROUT:CLOS? (@17!1,18!2,19!3)", converter="d") == [1, 1, 0]
        assert int(sw.query("ROUT:CONN? 2")) == 18
        # One-to-one: input 17 moved to output 3 leaves output 1 open.
        sw.write("ROUT:CLOS (@17!3)")
        assert int(sw.query("ROUT:CONN? 1")) == 0 and int(sw.query("ROUT:CONN? 3")) == 17
        sw.write("ROUT:OPEN (@18!2)")
        assert int(sw.query("ROUT:CONN? 2")) == 0

        # Out of range and malformed lists are refused with the SCPI-99 codes.
        sw.write("ROUT:CLOS (@401!1)")
        assert sw.query("SYST:ERR?").startswith("-222,")
        sw.write("ROUT:CLOS (@5)")
        assert sw.query("SYST:ERR?").startswith("-224,")
        sw.write("ROUT:CLOS (@1!1,2!1)")
        assert sw.query("SYST:ERR?").startswith("-221,")
        assert sw.query("SYST:ERR?") == '0,"No error"'

        sw.write("ROUT:OPEN:ALL")
        assert sw.query("*OPC?") == "1"
        log = sw.query_binary_values("SIM:LOG?", datatype="s", container=bytes).decode()
        events = [line.split(" ", 1)[1] for line in log.splitlines()]
        assert events == ["ROUTE 17!1", "ROUTE 18!2", "ROUTE 17!3", "OPEN 18!2", "OPEN ALL"], events
        times = [float(line.split(" ", 1)[0]) for line in log.splitlines()]
        assert times == sorted(times), times
        print("pyvisa: the switch twin routed, settled, refused bad lists and logged its moves")
        return 0
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

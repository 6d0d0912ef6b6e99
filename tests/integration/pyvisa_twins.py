#!/usr/bin/python3
"""A real VISA client (PyVISA with the pyvisa-py backend) against ledlab's simulated twins.

Usage: pyvisa_twins.py <ledlab executable> <station file>
Starts `ledlab sim --any-port`, reads the addresses it prints, and talks to the twins through
TCPIP0::127.0.0.1::<port>::SOCKET resources as a lab script would.
"""
import struct
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
        assert {"power_meter", "thermal_chamber"} <= set(ports), ports

        rm = pyvisa.ResourceManager("@py")
        pm = rm.open_resource(f"TCPIP0::127.0.0.1::{ports['power_meter']}::SOCKET",
                              read_termination="\n", write_termination="\n", timeout=5000)
        idn = pm.query("*IDN?").split(",")
        assert len(idn) == 4 and idn[1] == "PM-ARRAY-SIM", idn

        # A measurement: the drive is off, so the lane is dark up to the meter's noise.
        reading = float(pm.query("MEAS1:POW?"))
        assert abs(reading) < 1e-7, reading
        channels = int(pm.query("SYST:CHAN:COUN?"))
        values = pm.query_binary_values("READ:POW:ALL?", datatype="d", is_big_endian=False)
        assert len(values) == channels == 400, (len(values), channels)

        # A bad command leaves -113 in the queue and the connection usable.
        pm.write("NO:SUCH:COMMAND 1")
        err = pm.query("SYST:ERR?")
        assert err.startswith("-113,"), err
        assert pm.query("SYST:ERR?") == '0,"No error"'
        pm.write("SENS:CORR:WAV 99999")
        assert pm.query("SYST:ERR?").startswith("-222,")
        assert pm.query("*OPC?") == "1"

        chamber = rm.open_resource(f"TCPIP0::127.0.0.1::{ports['thermal_chamber']}::SOCKET",
                                   read_termination="\n", write_termination="\n", timeout=5000)
        assert "ATS" in chamber.query("*IDN?")
        temperature = float(chamber.query("TEMP?"))
        assert -60 < temperature < 150, temperature

        # The SMU twin: a lane's forward voltage at 1 mA, a channel-list reading of all 400 lanes,
        # and a level beyond the instrument's range refused with -222.
        smu = rm.open_resource(f"TCPIP0::127.0.0.1::{ports['smu']}::SOCKET",
                               read_termination="\n", write_termination="\n", timeout=5000)
        assert smu.query("*IDN?").split(",")[1] == "SMU-ARRAY-SIM"
        assert int(smu.query("SYST:CHAN:COUN?")) == 400
        smu.write(":SOUR1:FUNC:MODE CURR")
        smu.write(":SENS1:VOLT:PROT 5")
        smu.write(":SOUR1:CURR 1e-3")
        smu.write(":OUTP1 ON")
        volts, amps = smu.query_ascii_values(":MEAS? (@1)")
        assert 2.5 < volts < 3.5 and abs(amps - 1e-3) < 1e-6, (volts, amps)
        readings = smu.query_ascii_values(":MEAS? (@1:400)")
        assert len(readings) == 800 and abs(readings[0] - volts) < 0.01, readings[:4]
        smu.write(":SOUR1:CURR 5")
        assert smu.query("SYST:ERR?").startswith("-222,")
        smu.write(":OUTP1 OFF")
        assert smu.query_ascii_values(":MEAS? (@1)") == [0.0, 0.0]
        print("pyvisa: twins answered *IDN?, a measurement, a 400-channel block and SYST:ERR?")
        return 0
    finally:
        sim.terminate()
        sim.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())

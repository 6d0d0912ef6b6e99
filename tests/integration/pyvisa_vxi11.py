#!/usr/bin/python3
"""A real VISA client (PyVISA with the pyvisa-py backend) against every twin over VXI-11.

Usage: pyvisa_vxi11.py <ledlab executable> <station file>
Run inside `unshare -rn` (a user and network namespace: root there, so the portmapper can
take port 111, which a VISA INSTR resource string cannot move). Starts `ledlab sim`, reads the
twins' VISA INSTR strings it prints, and for each one: *IDN?, a setting written and read back
(*ESE, IEEE 488.2 10.10), and a serial poll (device_readstb, VXI-11 Rev 1.0 B.6.15) with MAV.
Then `lxi discover` (lxi-tools) must find the station by broadcast.
"""
import os
import subprocess
import sys

import pyvisa


def read_twins(sim):
    """The twin lines after 'VXI-11 portmapper on ...', up to the empty line."""
    twins = []
    in_block = False
    for line in sim.stdout:
        if line.startswith("VXI-11 portmapper on"):
            in_block = True
            continue
        if in_block:
            if not line.strip():
                return twins
            name, resource = line.split()[:2]
            twins.append((name, resource))
    raise AssertionError("ledlab sim ended before listing its VXI-11 twins")


def check_twin(rm, name, resource):
    assert resource.startswith("TCPIP0::") and resource.endswith("::INSTR"), resource
    inst = rm.open_resource(resource, timeout=5000)
    try:
        idn = inst.query("*IDN?").strip().split(",")
        assert len(idn) == 4, (name, idn)
        inst.write("*ESE 36")
        assert inst.query("*ESE?").strip() == "36", name
        inst.write("*ESE 0")
        inst.write("*CLS")
        assert inst.read_stb() & 0x10 == 0, name     # nothing queued: no MAV
        inst.write("*IDN?")
        assert inst.read_stb() & 0x10 == 0x10, name  # a reply waits: MAV (IEEE 488.2 11.2.1.2)
        assert inst.read().strip().split(",") == idn, name
        print(f"ok   {name:<12} {resource}  {idn[0]},{idn[1]}")
    finally:
        inst.close()


def discover(expected_idn):
    """lxi-tools' `lxi discover`: a broadcast portmapper GETPORT, then *IDN? over VXI-11."""
    # third_party/install-deps.sh installs lxi-tools: without it this check fails, never skips.
    assert subprocess.run(["sh", "-c", "command -v lxi"], capture_output=True).returncode == 0, \
        "lxi-tools is not installed (third_party/install-deps.sh installs it)"
    out = subprocess.run(["lxi", "discover", "-t", "2"], capture_output=True, text=True, timeout=60)
    print(out.stdout + out.stderr)
    assert expected_idn in out.stdout, "lxi discover did not find the simulated station"


def main() -> int:
    ledlab, station = sys.argv[1], sys.argv[2]
    if os.geteuid() != 0:
        raise SystemExit("run me inside `unshare -rn` (port 111 and broadcast need the namespace)")
    # A broadcast-capable interface: loopback has no broadcast address, and lxi discover
    # sends its GETPORT to the broadcast address of each interface. A veth pair, since the
    # dummy driver is not always there.
    subprocess.run(["ip", "link", "add", "ledlab0", "type", "veth", "peer", "name", "ledlab1"], check=True)
    subprocess.run(["ip", "addr", "add", "10.77.0.1/24", "brd", "+", "dev", "ledlab0"], check=True)
    subprocess.run(["ip", "link", "set", "ledlab0", "up"], check=True)
    subprocess.run(["ip", "link", "set", "ledlab1", "up"], check=True)
    sim = subprocess.Popen([ledlab, "sim", "--station", station, "--any-port", "--vxi11-portmapper", "111",
                            "--bind", "0.0.0.0"], stdout=subprocess.PIPE, text=True)
    try:
        twins = read_twins(sim)
        assert len(twins) >= 5, twins
        rm = pyvisa.ResourceManager("@py")
        for name, resource in twins:
            check_twin(rm, name, resource.replace("0.0.0.0", "127.0.0.1"))
        # inst0 is the first twin in station order, as the default device of TCPIP0::host::INSTR.
        first = rm.open_resource("TCPIP0::127.0.0.1::INSTR", timeout=5000)
        first_idn = first.query("*IDN?").strip()
        first.close()
        named = rm.open_resource(twins[0][1].replace("0.0.0.0", "127.0.0.1"), timeout=5000)
        assert named.query("*IDN?").strip() == first_idn
        named.close()
        discover(first_idn.split(",")[1])
    finally:
        sim.terminate()
        sim.wait(timeout=30)
    print("pyvisa over VXI-11: every twin answered")
    return 0


if __name__ == "__main__":
    sys.exit(main())

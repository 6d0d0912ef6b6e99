#!/usr/bin/python3
"""The ledlab CLI against the umockdev power meter of usbtmc_replay.py.

usage: check_usb_cli.py LEDLAB list-usb|query|discover
list-usb checks the text and JSON listings, names read over the bus when sysfs has none (scenario
"strings"), the empty bus, and an instrument whose device node cannot be opened (replaced by a directory: EISDIR, which denies access even to root, as CI runs).
query runs `ledlab query usbtmc://1313:8078/P0012345 '*IDN?'` through the USBTMC link and the
libusb backend against the "query" replay (GET_CAPABILITIES, then *IDN? with bTags 1 and 2).
discover runs `ledlab discover --method usb` against the same replay: the meter listed as a VISA
resource string with its *IDN? reply, and still listed, with the reason, when it cannot be opened.
"""
import json
import os
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True  # keep the source tree clean under ctest
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import usbtmc_replay  # noqa: E402

failures = []


def check(what, condition, output):
    if not condition:
        failures.append(f"{what}\n--- output ---\n{output}")


def run(command, stdout_only=False):
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    return done.returncode, done.stdout if stdout_only else done.stdout + done.stderr


def check_query(ledlab):
    with tempfile.TemporaryDirectory(prefix="ledlab-query-") as tmp:
        testbed = usbtmc_replay.write(tmp, "query")
        code, out = run(testbed + ["--", ledlab, "query", "usbtmc://1313:8078/P0012345", "*IDN?"], stdout_only=True)
        check("query exits 0", code == 0, out)
        check("query prints the replayed *IDN? reply", out.strip() == usbtmc_replay.IDN_REPLY.strip(), out)
        code, out = run(testbed + ["--", ledlab, "query", "USB0::0x1313::0x8078::P0099999::INSTR", "*IDN?"])
        check("another serial is not attached (exit 1)", code == 1, out)
        check("and the error names it", "P0099999" in out, out)


def check_discover(ledlab):
    with tempfile.TemporaryDirectory(prefix="ledlab-discover-") as tmp:
        testbed = usbtmc_replay.write(tmp, "query")
        code, out = run(testbed + ["--", ledlab, "discover", "--method", "usb", "--json"], stdout_only=True)
        check("discover exits 0", code == 0, out)
        try:
            found = json.loads(out)
        except json.JSONDecodeError as e:
            found = []
            check(f"discover --json prints JSON ({e})", False, out)
        check("one instrument found", len(found) == 1, out)
        if found:
            check("its VISA resource string", found[0]["resource"] == "USB0::0x1313::0x8078::P0012345::INSTR", out)
            check("its *IDN? reply, read through the USBTMC link", found[0]["idn"] == usbtmc_replay.IDN_REPLY.strip()
                  and found[0]["error"] == "", out)
    with tempfile.TemporaryDirectory(prefix="ledlab-discover-") as tmp:
        testbed = usbtmc_replay.write(tmp, "none")[:3]
        node = f"$UMOCKDEV_DIR/dev/bus/usb/{usbtmc_replay.BUS:03d}/{usbtmc_replay.ADDRESS:03d}"
        code, out = run(testbed + ["--", "/bin/sh", "-c", f'rm {node} && mkdir {node} && exec "$0" discover --method usb',
                                   ledlab])
        check("an unopenable instrument is still listed (exit 0)", code == 0 and "P0012345::INSTR" in out, out)
        check("with the error that stopped *IDN?", "error: " in out and "/dev/bus/usb/001/005" in out, out)


def check_list(ledlab):
    with tempfile.TemporaryDirectory(prefix="ledlab-list-usb-") as tmp:
        testbed = usbtmc_replay.write(tmp, "none")[:3]  # umockdev-run -d DEVICE, no replay

        code, out = run(testbed + ["--", ledlab, "list-usb"])
        check("list-usb exits 0", code == 0, out)
        for expected in ["USB0::0x1313::0x8078::P0012345::INSTR", "usbtmc://1313:8078/P0012345",
                         "Thorlabs PM100USB, serial P0012345", "USB488 (class FE/03/01)",
                         "bus 1, port 1-4, address 5",
                         "bulk-out 0x01 (64 B packets), bulk-in 0x82 (64 B packets), interrupt-in 0x83"]:
            check(f"list-usb prints '{expected}'", expected in out, out)
        check("list-usb reports no access problem", "access" not in out, out)

        code, out = run(testbed + ["--", ledlab, "list-usb", "--json"], stdout_only=True)
        check("list-usb --json exits 0", code == 0, out)
        try:
            listing = json.loads(out)
        except json.JSONDecodeError as e:
            listing = []
            check(f"list-usb --json prints JSON ({e})", False, out)
        check("one instrument in the JSON", len(listing) == 1, out)
        if listing:
            pm = listing[0]
            check("JSON visa", pm["visa"] == "USB0::0x1313::0x8078::P0012345::INSTR", out)
            check("JSON address", pm["address"] == "usbtmc://1313:8078/P0012345", out)
            check("JSON endpoints", (pm["bulk_out"], pm["bulk_in"], pm["interrupt_in"]) == (1, 0x82, 0x83), out)
            check("JSON protocol", pm["protocol"] == "USB488" and pm["serial"] == "P0012345", out)

        with tempfile.TemporaryDirectory(prefix="ledlab-list-usb-") as bare:
            code, out = run(usbtmc_replay.write(bare, "strings") + ["--", ledlab, "list-usb"])
        check("without sysfs strings list-usb asks the device (exit 0)", code == 0, out)
        check("and prints its string descriptors", "Thorlabs PM100USB, serial P0012345" in out
              and "USB0::0x1313::0x8078::P0012345::INSTR" in out, out)

        code, out = run(["umockdev-run", "--", ledlab, "list-usb"])
        check("an empty bus exits 0", code == 0, out)
        check("an empty bus says so", "no USBTMC instruments attached" in out, out)

        node = f"$UMOCKDEV_DIR/dev/bus/usb/{usbtmc_replay.BUS:03d}/{usbtmc_replay.ADDRESS:03d}"
        code, out = run(testbed + ["--", "/bin/sh", "-c", f'rm {node} && mkdir {node} && exec "$0" list-usb', ledlab])
        check("an unopenable instrument is still listed", code == 0 and "P0012345::INSTR" in out, out)
        check("with the reason", "cannot open /dev/bus/usb/001/005" in out, out)
        check("and the udev hint", 'ATTR{idVendor}=="1313"' in out and "udevadm" in out, out)


def main(ledlab, what):
    {"list-usb": check_list, "query": check_query, "discover": check_discover}[what](ledlab)
    for f in failures:
        print("FAIL:", f, file=sys.stderr)
    print(f"check_usb_cli {what}: {len(failures)} failure(s)")
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[2] not in ("list-usb", "query", "discover"):
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))

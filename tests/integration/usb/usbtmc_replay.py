#!/usr/bin/python3
"""A USBTMC instrument without hardware: a umockdev device description and a usbmon pcap replay.

umockdev (Debian 12: 0.17.16) builds a sandboxed /sys and /dev for one program. This script
writes the two files it needs, both from the standards' tables rather than from ledlab's code:

  <out>/pm100.umockdev  sysfs attributes, udev properties and the binary descriptors
                        (USB 2.0 section 9.6) of a Thorlabs PM100-like USB488 power meter
                        on bus 1, port 4, address 5, and of its root hub.
  <out>/<scenario>.pcap a usbmon capture (pcap, LINKTYPE_USB_LINUX_MMAPPED = 220) that
                        umockdev replays, in order, to whatever the program submits.

How umockdev 0.17.16 replays a pcap (src/umockdev-pcap.vala), i.e. what the records must hold:
  * Only LINKTYPE_USB_LINUX_MMAPPED; every record is the 64-byte usbmon header + data.
  * The replay walks the records in order. A Submit ('S') record is matched against the URBs the
    program has submitted and not yet reaped, by transfer type, endpoint (not for control),
    length (urb_len == the URB's buffer length; for control: minus the 8 setup bytes), the
    setup packet (control; flag_setup = 0) and, when data_len > 0, every OUT data byte. An 'S'
    that matches nothing stalls the replay there (the program's REAPURB sees EAGAIN) until the
    program submits it; a standard control request that matches nothing is skipped.
  * A Complete ('C') record ends the URB with that id: status (0, or -errno: -EPIPE = stall,
    -ENODEV = unplugged), actual length = urb_len, and for IN the data_len bytes copied into
    the buffer (after the setup packet for control).
  * No timing is replayed: a transfer with no 'C' record stays pending until the program's own
    timeout cancels it (DISCARDURB, reaped as -ENOENT, i.e. a timeout in libusb).
  * CLAIMINTERFACE, RELEASEINTERFACE, CLEAR_HALT, RESET, RESETEP succeed; GET_CAPABILITIES is
    answered; anything else (GETDRIVER, DISCONNECT, ...) fails with ENOTTY.
  * Consequence for exchanges: OUT bytes must be exact, and an IN transfer's requested length
    must equal the URB length in the capture. Scenarios therefore name the Bulk-IN read length
    the program under test uses (Scenario.bulk_in_read).
  * The emulated device node is always ready for poll(), so libusb's event thread reaps in a
    busy loop while the program runs: fine for tests of a second.

Why not umockdev's ioctl-tree replay (-i DEV=FILE.ioctl)? Its records are
  @DEV /dev/bus/usb/001/005
  USBDEVFS_REAPURBNDELAY <ioctl ret> <type> <endpoint> <status> <flags> <buffer_length> <actual_length> <error_count> <HEX>
(libusb reaps with REAPURBNDELAY; a record named USBDEVFS_REAPURB never matches it). It
replays bulk and interrupt transfers, but not control IN data: a SUBMITURB matches only if
the whole buffer equals the record (for control: the setup packet and the uninitialised reply
area), and on reap the data is copied back only for endpoints with bit 7 set, while libusb
submits every control URB to endpoint 0. Tried on 0.17.16: GET_CAPABILITIES completes with
status 0 and actual_length 24 but 24 zero bytes; with the reply in the record it never matches
and times out. The pcap replay handles control transfers, hence this format.

Usage:
  usbtmc_replay.py write OUTDIR [SCENARIO] [--read N] [--request-max N]
      write pm100.umockdev and SCENARIO.pcap; print the umockdev-run command line
  usbtmc_replay.py run SCENARIO [--read N] [--request-max N] -- PROGRAM ARGS
      write them to a temporary directory, run PROGRAM under umockdev-run, exit with its code
Scenarios (SCENARIOS at the end): 'none' replays no traffic (listing only); 'strings' has no
sysfs string files and answers the string descriptor requests; 'seam' is
test_libusb_umockdev's; 'query' is GET_CAPABILITIES + *IDN? for `ledlab query`, e.g.
  usbtmc_replay.py run query -- ledlab query usbtmc://1313:8078/P0012345 '*IDN?'
To add an exchange: write a scenario_*(options) that appends Capture.control_in / bulk_out /
bulk_in / interrupt_in steps in the order the program submits them, and add it to SCENARIOS.
"""
import argparse
import dataclasses
import os
import struct
import subprocess
import sys
import tempfile

VENDOR_ID = 0x1313   # Thorlabs
PRODUCT_ID = 0x8078  # PM100D-class USBTMC power meter
SERIAL = "P0012345"
MANUFACTURER = "Thorlabs"
PRODUCT = "PM100USB"
IDN_REPLY = "Thorlabs,PM100USB,P0012345,1.6.0\n"

BUS = 1
PORT = 4
ADDRESS = 5
SYSFS_PATH = f"/sys/devices/pci0000:00/0000:00:14.0/usb{BUS}/{BUS}-{PORT}"
BULK_OUT, BULK_IN, INTERRUPT_IN = 0x01, 0x82, 0x83
MAX_PACKET = 64  # full speed


# --- Descriptors (USB 2.0 tables 9-8, 9-10, 9-12, 9-13; USBTMC 1.0 table 43) ---------------

def device_descriptor(vid, pid, bcd_device, device_class=0, protocol=0, max_packet0=64, strings=(1, 2, 3)):
    return struct.pack("<BBHBBBBHHHBBBB", 18, 1, 0x0200, device_class, 0, protocol, max_packet0,
                       vid, pid, bcd_device, *strings, 1)


def endpoint_descriptor(address, attributes, max_packet, interval):
    return struct.pack("<BBBBHB", 7, 5, address, attributes, max_packet, interval)


def instrument_descriptors():
    endpoints = (endpoint_descriptor(BULK_OUT, 0x02, MAX_PACKET, 0)
                 + endpoint_descriptor(BULK_IN, 0x02, MAX_PACKET, 0)
                 + endpoint_descriptor(INTERRUPT_IN, 0x03, 8, 10))
    # USBTMC 1.0 section 5.5 / USB488 section 4.2.1: class 0xFE, subclass 0x03, protocol 0x01.
    interface = struct.pack("<BBBBBBBBB", 9, 4, 0, 0, 3, 0xFE, 0x03, 0x01, 0)
    total = 9 + len(interface) + len(endpoints)
    config = struct.pack("<BBHBBBBB", 9, 2, total, 1, 1, 0, 0x80, 50)
    return device_descriptor(VENDOR_ID, PRODUCT_ID, 0x0106) + config + interface + endpoints


def root_hub_descriptors():
    interface = struct.pack("<BBBBBBBBB", 9, 4, 0, 0, 1, 0x09, 0, 0, 0)
    config = struct.pack("<BBHBBBBB", 9, 2, 25, 1, 1, 0, 0xE0, 0)
    return (device_descriptor(0x1D6B, 0x0002, 0x0601, device_class=9, protocol=1, strings=(3, 2, 1))
            + config + interface + endpoint_descriptor(0x81, 0x03, 4, 12))


def umockdev_text(sysfs_strings=True):
    """The device description: one block per sysfs device, child first (umockdev's order).
    Without sysfs_strings the kernel's manufacturer/product/serial files are missing, as on
    systems without them, and a lister must ask the device (scenario "strings")."""
    inst = instrument_descriptors().hex().upper()
    strings = f"A: manufacturer={MANUFACTURER}\nA: product={PRODUCT}\nA: serial={SERIAL}\n" if sysfs_strings else ""
    hub = root_hub_descriptors().hex().upper()
    hub_path = SYSFS_PATH.rsplit("/", 1)[0]
    return f"""P: {SYSFS_PATH.removeprefix('/sys')}
N: bus/usb/{BUS:03d}/{ADDRESS:03d}={inst}
E: DEVNAME=/dev/bus/usb/{BUS:03d}/{ADDRESS:03d}
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT={VENDOR_ID:x}/{PRODUCT_ID:x}/106
E: TYPE=0/0/0
E: BUSNUM={BUS:03d}
E: DEVNUM={ADDRESS:03d}
E: MAJOR=189
E: MINOR={ADDRESS - 1}
E: SUBSYSTEM=usb
E: ID_VENDOR_ID={VENDOR_ID:04x}
E: ID_MODEL_ID={PRODUCT_ID:04x}
E: ID_SERIAL_SHORT={SERIAL}
E: ID_USB_INTERFACES=:fe0301:
A: authorized=1
A: bConfigurationValue=1
A: bDeviceClass=00
A: bDeviceProtocol=00
A: bDeviceSubClass=00
A: bMaxPacketSize0=64
A: bMaxPower=100mA
A: bNumConfigurations=1
A: bNumInterfaces= 1
A: bcdDevice=0106
A: bmAttributes=80
A: busnum={BUS}
H: descriptors={inst}
A: dev=189:{ADDRESS - 1}
A: devnum={ADDRESS}
A: devpath={PORT}
A: idProduct={PRODUCT_ID:04x}
A: idVendor={VENDOR_ID:04x}
{strings}A: maxchild=0
A: speed=12
A: version= 2.00

P: {hub_path.removeprefix('/sys')}
N: bus/usb/{BUS:03d}/001={hub}
E: DEVNAME=/dev/bus/usb/{BUS:03d}/001
E: DEVTYPE=usb_device
E: DRIVER=usb
E: PRODUCT=1d6b/2/601
E: TYPE=9/0/1
E: BUSNUM={BUS:03d}
E: DEVNUM=001
E: MAJOR=189
E: MINOR=0
E: SUBSYSTEM=usb
A: authorized=1
A: bConfigurationValue=1
A: bDeviceClass=09
A: bDeviceProtocol=01
A: bMaxPacketSize0=64
A: bNumConfigurations=1
A: bNumInterfaces= 1
A: busnum={BUS}
H: descriptors={hub}
A: dev=189:0
A: devnum=1
A: devpath=0
A: idProduct=0002
A: idVendor=1d6b
A: maxchild=4
A: product=ledlab test root hub
A: speed=480
A: version= 2.00

P: /devices/pci0000:00/0000:00:14.0
E: DRIVER=xhci_hcd
E: SUBSYSTEM=pci
A: class=0x0c0330
"""


# --- usbmon records (Documentation/usb/usbmon.rst, "binary API": struct usbmon_packet) -------

XFER_INTERRUPT, XFER_CONTROL, XFER_BULK = 1, 2, 3
EPIPE, ENODEV = 32, 19


class Capture:
    """Builds the record list; each transfer is one 'S' and (usually) one 'C' record."""

    def __init__(self):
        self.records = []
        self.next_id = 0x1000
        self.time_us = 0

    def _record(self, urb_id, event, xfer, endpoint, status, urb_len, data=b"", setup=None):
        self.time_us += 1000
        header = struct.pack("<QcBBBHcBqiiII8siiII",
                             urb_id, event, xfer, endpoint, ADDRESS, BUS,
                             b"\0" if setup is not None else b"-",    # flag_setup: 0 = present
                             0 if data else ord("<" if endpoint & 0x80 else ">"),  # flag_data
                             self.time_us // 1_000_000, self.time_us % 1_000_000,
                             status, urb_len, len(data), setup or bytes(8),
                             0, 0, 0, 0)
        assert len(header) == 64
        self.records.append((self.time_us, header + data))

    def _urb(self):
        self.next_id += 0x40
        return self.next_id

    def control_in(self, request_type, request, value, index, length, reply, status=0):
        """A control IN request (USB 2.0 table 9-2) answered with `reply`."""
        assert request_type & 0x80
        setup = struct.pack("<BBHHH", request_type, request, value, index, length)
        urb = self._urb()
        self._record(urb, b"S", XFER_CONTROL, 0x80, -115, length, setup=setup)  # -EINPROGRESS
        self._record(urb, b"C", XFER_CONTROL, 0x80, status, len(reply), reply)

    def bulk_out(self, data, status=0):
        urb = self._urb()
        self._record(urb, b"S", XFER_BULK, BULK_OUT, -115, len(data), data)
        self._record(urb, b"C", XFER_BULK, BULK_OUT, status, len(data) if status == 0 else 0)

    def bulk_in(self, read_length, reply, status=0):
        """The program reads `read_length` bytes (the URB length); the device sends `reply`."""
        assert len(reply) <= read_length
        urb = self._urb()
        self._record(urb, b"S", XFER_BULK, BULK_IN, -115, read_length)
        self._record(urb, b"C", XFER_BULK, BULK_IN, status, len(reply), reply)

    def interrupt_in(self, read_length, reply, status=0):
        urb = self._urb()
        self._record(urb, b"S", XFER_INTERRUPT, INTERRUPT_IN, -115, read_length)
        self._record(urb, b"C", XFER_INTERRUPT, INTERRUPT_IN, status, len(reply), reply)

    def pcap(self):
        out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 220)
        for time_us, packet in self.records:
            out += struct.pack("<IIII", time_us // 1_000_000, time_us % 1_000_000, len(packet), len(packet))
            out += packet
        return out


# --- USBTMC messages, byte by byte from USBTMC 1.0 tables 1-4 and 37, USB488 table 8 --------

def usbtmc_header(msg_id, tag, transfer_size, attributes, term_char=0):
    # Table 1: MsgID, bTag, bTagInverse, reserved, TransferSize (LE), attributes, TermChar, 2 reserved.
    return bytes([msg_id, tag, 0xFF - tag, 0]) + struct.pack("<I", transfer_size) + bytes([attributes, term_char, 0, 0])


def pad4(data):
    return data + bytes(-len(data) % 4)  # Section 3.2.1.1: alignment bytes up to a multiple of 4


def dev_dep_msg_out(tag, payload):
    return pad4(usbtmc_header(1, tag, len(payload), 0x01) + payload)  # table 3: EOM set


def request_dev_dep_msg_in(tag, max_bytes):
    return usbtmc_header(2, tag, max_bytes, 0x00)  # table 4: no TermChar


def dev_dep_msg_in(tag, payload):
    return pad4(usbtmc_header(2, tag, len(payload), 0x01) + payload)  # table 9: EOM set


# A PM100-like USB488 interface: bcdUSBTMC 1.00, no pulse, no TermChar; bcdUSB488 1.00,
# 488.2 interface, SCPI and SR1 device (not REN/trigger).
CAPABILITIES = (bytes([0x01, 0x00, 0x00, 0x01, 0x00, 0x00]) + bytes(6)
                + bytes([0x00, 0x01, 0x04, 0x0C]) + bytes(8))
assert len(CAPABILITIES) == 24


@dataclasses.dataclass
class Scenario:
    """What the program under test does, in order. bulk_in_read: its Bulk-IN transfer length."""
    bulk_in_read: int = 64
    request_max: int = 52   # REQUEST_DEV_DEP_MSG_IN TransferSize: read length minus the header


def idn_exchange(cap, scenario, first_tag, command="*IDN?\n", reply=IDN_REPLY):
    cap.bulk_out(dev_dep_msg_out(first_tag, command.encode()))
    cap.bulk_out(request_dev_dep_msg_in(first_tag + 1, scenario.request_max))
    cap.bulk_in(scenario.bulk_in_read, dev_dep_msg_in(first_tag + 1, reply.encode()))


def scenario_none(options):
    return Capture()


def scenario_seam(options):
    """test_libusb_umockdev: GET_CAPABILITIES, *IDN? (tags 1, 2), an SRQ, a stalled read, an
    unplug. (Its timeout and cancel need no records: nothing answers them.)"""
    cap = Capture()
    cap.control_in(0xA1, 7, 0, 0, 0x18, CAPABILITIES)  # USBTMC table 36: to interface 0
    idn_exchange(cap, Scenario(), 1)
    cap.interrupt_in(2, bytes([0x81, 0x40]))            # USB488 table 7: SRQ, STB 0x40
    cap.bulk_in(64, b"", status=-EPIPE)                 # the device halts Bulk-IN
    cap.bulk_out(dev_dep_msg_out(3, b"MEAS:POW?\n"), status=-ENODEV)  # and is unplugged
    return cap


def string_descriptor(text):
    encoded = text.encode("utf-16-le")  # USB 2.0 section 9.6.7: UNICODE, bLength, type 3
    return bytes([2 + len(encoded), 3]) + encoded


def scenario_strings(options):
    """A lister without sysfs string files: libusb 1.0.26's libusb_get_string_descriptor_ascii()
    asks for the language IDs (wLength 4), then the string (wLength 255), for iManufacturer,
    iProduct and iSerialNumber (indexes 1, 2, 3)."""
    cap = Capture()
    for index, text in ((1, MANUFACTURER), (2, PRODUCT), (3, SERIAL)):
        cap.control_in(0x80, 6, 0x0300, 0, 4, bytes([4, 3, 0x09, 0x04]))  # LANGID en-US
        cap.control_in(0x80, 6, 0x0300 | index, 0x0409, 255, string_descriptor(text))
    return cap


def scenario_query(options):
    """The lead's `ledlab query usbtmc://1313:8078/P0012345 '*IDN?'`: GET_CAPABILITIES, then
    *IDN? with tags 1 and 2, read with the client's Bulk-IN length and TransferSize."""
    cap = Capture()
    cap.control_in(0xA1, 7, 0, 0, 0x18, CAPABILITIES)
    idn_exchange(cap, Scenario(bulk_in_read=options.read, request_max=options.request_max), 1)
    return cap


SCENARIOS = {"none": scenario_none, "seam": scenario_seam, "query": scenario_query, "strings": scenario_strings}


def write(out_dir, scenario, options=None):
    """Writes the testbed; returns the umockdev-run command line (without the program)."""
    options = options or parse_args(["write", out_dir, scenario])
    os.makedirs(out_dir, exist_ok=True)
    device = os.path.join(out_dir, "pm100.umockdev")
    with open(device, "w") as f:
        f.write(umockdev_text(sysfs_strings=scenario != "strings"))
    capture = os.path.join(out_dir, f"{scenario}.pcap")
    with open(capture, "wb") as f:
        f.write(SCENARIOS[scenario](options).pcap())
    return ["umockdev-run", "-d", device, "-p", f"{SYSFS_PATH}={capture}"]


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("action", choices=["write", "run"])
    parser.add_argument("target", nargs="?", help="write: the output directory")
    parser.add_argument("scenario", nargs="?", default="query", choices=sorted(SCENARIOS))
    # UsbtmcLink asks for the Session's 16384-byte chunk and reads whole 64-byte packets of
    # header + payload + alignment: 12 + 16384 rounded up to 16448.
    parser.add_argument("--read", type=int, default=16448, help="query: the client's Bulk-IN transfer length")
    parser.add_argument("--request-max", type=int, default=16384,
                        help="query: TransferSize of the client's REQUEST_DEV_DEP_MSG_IN")
    parser.add_argument("program", nargs=argparse.REMAINDER, help="run: -- PROGRAM ARGS")
    return parser.parse_args(argv)


def main(argv):
    program = []
    if "--" in argv:
        program = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    options = parse_args(argv)
    if options.action == "write":
        if not options.target:
            print("write needs an output directory", file=sys.stderr)
            return 2
        print(" ".join(write(options.target, options.scenario, options) + ["--", "PROGRAM"]))
        return 0
    # run: the scenario is the positional after "run"
    scenario = options.target or options.scenario
    if scenario not in SCENARIOS or not program:
        print("usage: usbtmc_replay.py run SCENARIO [--read N --request-max N] -- PROGRAM ARGS", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="ledlab-umockdev-") as tmp:
        return subprocess.run(write(tmp, scenario, options) + ["--"] + program).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-or-later
"""Compare two -gsplit-dwarf outputs, each an object and its .dwo, for
debug.sh.

  dwoid.py A.o A.dwo B.o B.dwo

Exit 0 and print "identical" when both pairs are byte for byte alike; exit
0 and print "alike but the DWO ID" when they differ only in the DWO ID
(the 8 bytes that tie an object to its .dwo), each pair agreeing with
itself; exit 1, saying what differs, otherwise."""
import re
import subprocess
import sys


def dwo_id(path):
    """The DWO ID the unit in PATH holds (DWARF 5 unit header, or DWARF 4
    DW_AT_GNU_dwo_id), as the bytes it is stored as."""
    dump = subprocess.run(["readelf", "--debug-dump=info", path],
                          capture_output=True, text=True, check=False).stdout
    found = (re.search(r"DWO ID:\s+0x([0-9a-f]+)", dump) or
             re.search(r"DW_AT_GNU_dwo_id\s*:\s*0x([0-9a-f]+)", dump))
    return bytes.fromhex(found.group(1).rjust(16, "0"))[::-1] if found else None


def masked(path, ident):
    data = open(path, "rb").read()
    return data.replace(ident, bytes(8)), data.count(ident)


def main(a_obj, a_dwo, b_obj, b_dwo):
    files = [open(p, "rb").read() for p in (a_obj, a_dwo, b_obj, b_dwo)]
    if files[0] == files[2] and files[1] == files[3]:
        print("identical")
        return 0
    ids = [dwo_id(a_obj), dwo_id(a_dwo), dwo_id(b_obj), dwo_id(b_dwo)]
    if None in ids or ids[0] != ids[1] or ids[2] != ids[3]:
        print("the DWO IDs are missing or do not pair: %s" %
              [i.hex() if i else None for i in ids])
        return 1
    parts = [masked(a_obj, ids[0]), masked(a_dwo, ids[0]),
             masked(b_obj, ids[2]), masked(b_dwo, ids[2])]
    if parts[0][0] != parts[2][0] or parts[1][0] != parts[3][0]:
        print("they differ in more than the DWO ID")
        return 1
    if parts[0][1] != parts[2][1] or parts[1][1] != parts[3][1]:
        print("the DWO ID is not in the same places")
        return 1
    print("alike but the DWO ID")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))

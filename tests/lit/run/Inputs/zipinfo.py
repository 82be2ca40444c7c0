"""Prints each entry of a zip: name, unix mode, and what its first bytes are."""
import sys, zipfile

with zipfile.ZipFile(sys.argv[1]) as z:
    for info in z.infolist():
        data = z.read(info)
        kind = "ELF" if data[:4] == b"\x7fELF" else "other"
        print(f"{info.filename} mode={oct(info.external_attr >> 16 & 0o7777)} {kind} "
              f"date={info.date_time[0]}-{info.date_time[1]:02d}-{info.date_time[2]:02d}")

"""Independent check for Rayvault's tests: MD5 of the raw Pixel Data bytes of each file, read by pydicom.
Reads file paths on stdin, prints "<md5> <path>" (or "- <path>" when there is no pixel data)."""
import hashlib
import sys
import warnings

import pydicom

warnings.simplefilter("ignore")
for line in sys.stdin:
    path = line.rstrip("\n")
    try:
        ds = pydicom.dcmread(path, force=True)
        data = ds.get("PixelData")
        print(("-" if data is None else hashlib.md5(data).hexdigest()) + " " + path)
    except Exception as e:  # noqa: BLE001 - report, the test decides
        print("! " + path + " " + type(e).__name__)

"""Independent check for Rayvault's tests: pydicom resolves a DICOMDIR's records by their offsets and
loads every referenced file; prints one JSON line with counts and the patient ids seen."""
import json
import sys
import warnings

import pydicom
from pydicom.fileset import FileSet

warnings.simplefilter("ignore")
ds = pydicom.dcmread(sys.argv[1])
fs = FileSet(ds)
n = mismatched = 0
patients = set()
for inst in fs:
    n += 1
    f = inst.load()
    if f.SOPInstanceUID != inst.ReferencedSOPInstanceUIDInFile:
        mismatched += 1
    patients.add(str(f.get("PatientID", "")))
record_patients = sorted(str(r.get("PatientID", "")) for r in ds.DirectoryRecordSequence if r.DirectoryRecordType == "PATIENT")
print(json.dumps({"instances": n, "mismatched": mismatched, "filePatients": sorted(patients), "recordPatients": record_patients}))

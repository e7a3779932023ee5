"""Independent check for Rayvault's vault format: unwraps the data key (RFC 3394) and opens every AES-256-GCM
segment with the `cryptography` package, from the format description alone. argv: master-key-hex blob-path
[plaintext-out-path]. Prints the SHA-256 of the plaintext, or the name of the error."""
import hashlib
import struct
import sys

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.keywrap import aes_key_unwrap

master = bytes.fromhex(sys.argv[1])
blob = open(sys.argv[2], "rb").read()
assert blob[:4] == b"RVLT" and blob[4] == 1
(segment,) = struct.unpack(">I", blob[5:9])
prefix, fixed = blob[9:16], blob[:16]
wrapped = blob[16 + 32 : 16 + 32 + 40]
key = aes_key_unwrap(master, wrapped)
body = blob[16 + 32 + 40 :]
sealed = segment + 16
out = hashlib.sha256()
sink = open(sys.argv[3], "wb") if len(sys.argv) > 3 else None
count = max(1, -(-len(body) // sealed))
for i in range(count):
    part = body[i * sealed : (i + 1) * sealed]
    last = i == count - 1
    nonce = prefix + struct.pack(">I", i) + (b"\x01" if last else b"\x00")
    plain = AESGCM(key).decrypt(nonce, part, fixed)
    out.update(plain)
    if sink:
        sink.write(plain)
if sink:
    sink.close()
print(out.hexdigest())

"""Independent check for Rayvault's field encryption: derives the key with HKDF-SHA256 and opens the
AES-256-GCM token with the `cryptography` package. argv: master-key-hex column token. Prints the value."""
import base64
import sys

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

master, column, token = bytes.fromhex(sys.argv[1]), sys.argv[2], sys.argv[3]
key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"rayvault field encryption v1").derive(master)
raw = base64.urlsafe_b64decode(token[len("rvf1.") :] + "=" * (-len(token) % 4))
print(AESGCM(key).decrypt(raw[:12], raw[12:], column.encode()).decode())

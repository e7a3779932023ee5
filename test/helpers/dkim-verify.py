"""Verifies a message's DKIM signature with dkimpy (an implementation independent of nodemailer).

Usage: dkim-verify.py MESSAGE PUBLIC_KEY_DER_BASE64 — the selector's TXT record is answered from the
argument instead of DNS (this machine has no DNS for the test domain). Prints "pass" or "fail".
"""
import sys
import dkim

message = open(sys.argv[1], "rb").read()
record = b"v=DKIM1; k=rsa; p=" + sys.argv[2].encode()


def dns(name, timeout=5):
    return record


print("pass" if dkim.verify(message, dnsfunc=dns) else "fail")

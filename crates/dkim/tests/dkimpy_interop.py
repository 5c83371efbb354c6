#!/usr/bin/env python3
"""dkimpy's side of the mailtrail-dkim interoperability test (tests/interop.rs).

Reads a JSON list of jobs on standard input and writes a JSON list of
results on standard output, one per job, with no network access: key
records are handed to dkimpy's verifier through its dnsfunc hook.

  check              exit 0 when dkimpy and PyNaCl import, 1 otherwise
  verify             jobs {"message", "name", "record"} -> true/false
  sign               jobs {"message", "key", "algorithm", "canonicalization",
                           "domain", "selector", "headers"} -> signature field

Messages and signature fields travel base64-encoded. For Ed25519 the key is
the base64 seed dkimpy expects; for RSA it is the PEM text.
"""

import base64
import json
import sys


def verify(job):
    import dkim

    message = base64.b64decode(job["message"])
    expected_name = job["name"].rstrip(".")
    record = job["record"].encode()

    def dnsfunc(name, timeout=5):
        asked = name.decode() if isinstance(name, bytes) else name
        return record if asked.rstrip(".") == expected_name else None

    return bool(dkim.verify(message, dnsfunc=dnsfunc))


def sign(job):
    import dkim

    message = base64.b64decode(job["message"])
    header, body = job["canonicalization"].split("/")
    field = dkim.sign(
        message,
        job["selector"].encode(),
        job["domain"].encode(),
        job["key"].encode(),
        canonicalize=(header.encode(), body.encode()),
        signature_algorithm=job["algorithm"].encode(),
        include_headers=[name.encode() for name in job["headers"]],
    )
    return base64.b64encode(field).decode()


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "check":
        try:
            import dkim  # noqa: F401
            import nacl  # noqa: F401
        except ImportError as error:
            print(error)
            return 1
        return 0

    jobs = json.load(sys.stdin)
    handler = {"verify": verify, "sign": sign}[mode]
    json.dump([handler(job) for job in jobs], sys.stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The limit: how fast this machine's OpenSSL runs the negotiated AEAD.

Every contender's bulk transfer negotiates TLS 1.3 with
TLS_AES_256_GCM_SHA384, so the AEAD is AES-256-GCM.  In the bulk workload
each application byte is encrypted once (by the sender) and decrypted once
(by the receiver), in the same process, on one core.  So the ceiling for
"application bytes per second through a pair" is

    1 / (1 / encrypt_rate + 1 / decrypt_rate)

with both rates measured by ``openssl speed -evp aes-256-gcm`` on 16 KiB
blocks (one full TLS record), machine-readable output (``-mr``).  TLS record
headers, the record layer and the memory copies are not in it: no TLS stack
can reach it, the gap shows what they cost.
"""

import re
import subprocess

__all__ = ["AEAD", "SpeedLimit", "parse_speed"]

AEAD = "aes-256-gcm"
BLOCK = 16384


def parse_speed(output, block=BLOCK):
    """Bytes per second from ``openssl speed -mr`` output: the ``+F`` line
    holds one rate per block size (``+H`` lists the sizes)."""
    sizes = re.search(r"^\+H:(.*)$", output, re.M)
    rates = re.search(r"^\+F:\d+:[^:]+:(.*)$", output, re.M)
    if not (sizes and rates):
        raise ValueError("no +H/+F lines in openssl speed output: %r" % output[-500:])
    table = dict(zip([int(size) for size in sizes.group(1).split(":")],
                     [float(rate) for rate in rates.group(1).split(":")]))
    return table[block]


class SpeedLimit(object):
    """A contender-like object answering the ``bulk`` workload with the limit.

    ``run(seconds, clock)`` times encryption and decryption for ``seconds``
    each (whole seconds: ``openssl speed -seconds`` takes an integer).
    """

    def __init__(self, openssl="openssl"):
        self.openssl = openssl

    def _rate(self, seconds, decrypt, clock):
        command = [self.openssl, "speed", "-mr", "-evp", AEAD, "-bytes", str(BLOCK),
                   "-seconds", str(max(1, int(round(seconds))))]
        if decrypt:
            command.insert(2, "-decrypt")
        if clock == "wall":
            # openssl speed divides by user CPU time unless told otherwise.
            command.insert(2, "-elapsed")
        process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate()
        if process.returncode != 0:
            raise RuntimeError("%s failed: %s" % (" ".join(command),
                                                  err.decode("utf-8", "replace")))
        return parse_speed(out.decode("ascii", "replace"))

    def version(self):
        process = subprocess.Popen([self.openssl, "version"], stdout=subprocess.PIPE)
        return process.communicate()[0].decode("ascii", "replace").strip()

    def run(self, seconds, clock="cpu"):
        """One round: ``seconds`` of encryption then of decryption, rated by
        ``clock`` ("cpu": user CPU time, `openssl speed`'s default; "wall")."""
        encrypt = self._rate(seconds, False, clock)
        decrypt = self._rate(seconds, True, clock)
        return {"mb_per_s": 1.0 / (1.0 / encrypt + 1.0 / decrypt) / 1e6,
                "encrypt_mb_per_s": encrypt / 1e6, "decrypt_mb_per_s": decrypt / 1e6,
                "aead": AEAD}

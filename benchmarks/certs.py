"""The benchmark's certificates, made at bench time with the ``openssl`` CLI.

Two small PKIs, one per key type, so that a handshake costs exactly one
algorithm's signature and verification work:

    rsa-ca.pem    RSA-2048 CA             rsa.pem / rsa.key      RSA-2048 server
    ecdsa-ca.pem  ECDSA P-256 CA          ecdsa.pem / ecdsa.key  ECDSA P-256 server

Both servers are issued for ``HOSTNAME`` (subjectAltName), so clients can run
with ``CERT_REQUIRED`` + ``check_hostname`` as real clients do.  Nothing is
shipped: making fresh keys takes a second, and keeps private keys out of the
package.  Only the CLI's long-standing options are used (no ``-addext``), so
OpenSSL 1.0.2's command works as well as 3.x's.
"""

import os
import subprocess

__all__ = ["HOSTNAME", "KINDS", "generate", "paths"]

HOSTNAME = "bench.sslbio.example"
# Certificate kind -> arguments of `openssl req -newkey`.
KINDS = {
    "rsa": ["rsa:2048"],
    "ecdsa": ["ec", "-pkeyopt", "ec_paramgen_curve:P-256"],
}

# One configuration for every `openssl req` / `x509` call: the CA and server
# extensions are X509-strict clean (3.13's default contexts would accept
# them too), and prompting is off so the CLI never waits on stdin.
_CONFIG = """\
[ req ]
distinguished_name = dn
prompt = no

[ dn ]
CN = unused

[ ca_ext ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[ server_ext ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:%s
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
""" % HOSTNAME


def paths(directory, kind):
    """(CA certificate, server certificate, server key) for ``kind``."""
    join = os.path.join
    return (join(directory, "%s-ca.pem" % kind), join(directory, "%s.pem" % kind),
            join(directory, "%s.key" % kind))


def _openssl(args, cwd, openssl):
    process = subprocess.Popen([openssl] + args, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT)
    output = process.communicate()[0]
    if process.returncode != 0:
        raise RuntimeError("openssl %s failed (exit %d): %s" % (
            " ".join(args), process.returncode, output.decode("utf-8", "replace")))


def generate(directory, openssl="openssl"):
    """Create both PKIs in ``directory`` (which must exist); returns it."""
    config = os.path.join(directory, "openssl.cnf")
    with open(config, "w") as handle:
        handle.write(_CONFIG)
    for kind, newkey in sorted(KINDS.items()):
        ca, cert, key = paths(directory, kind)
        ca_key = os.path.join(directory, "%s-ca.key" % kind)
        csr = os.path.join(directory, "%s.csr" % kind)
        common = ["-config", config, "-nodes", "-newkey"] + newkey
        _openssl(["req", "-x509"] + common + [
            "-keyout", ca_key, "-out", ca, "-days", "3650", "-sha256",
            "-subj", "/O=sslbio bench/CN=sslbio bench %s CA" % kind.upper(),
            "-extensions", "ca_ext"], directory, openssl)
        _openssl(["req"] + common + [
            "-keyout", key, "-out", csr, "-subj", "/O=sslbio bench/CN=%s" % HOSTNAME],
            directory, openssl)
        # A fixed serial per kind: `-CAcreateserial` would leave a .srl file
        # next to the CA, and the two CAs are distinct anyway.
        _openssl(["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key,
                  "-set_serial", str(1000 + len(kind)), "-days", "3650", "-sha256",
                  "-extfile", config, "-extensions", "server_ext", "-out", cert],
                 directory, openssl)
    return directory

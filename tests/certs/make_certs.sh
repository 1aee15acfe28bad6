#!/bin/sh
# Generate the test PKI used by sslbio's tests (see README.md beside this file).
#
# Usage:  sh tests/certs/make_certs.sh            # create whatever is missing
#         sh tests/certs/make_certs.sh --force    # throw everything away, regenerate
#
# Idempotent: without --force an existing key or certificate is left alone, so
# running the script again changes nothing; a certificate is (re)issued only when
# its .pem is missing.  The outputs are committed; the script exists so that
# anyone can see exactly how they were made and regenerate them.
#
# Every certificate is issued with `openssl ca` rather than `openssl x509 -req`:
# OpenSSL 3.0's x509 command cannot set a notBefore in the past, and `ca` gives
# exact -startdate/-enddate control for every certificate the same way.
#
# Certificates are kept X509-strict clean (CA:TRUE + keyUsage + SKI on the CAs,
# AKI on the leaves) so that contexts with VERIFY_X509_STRICT (3.13's
# create_default_context) accept them too.
set -eu

DIR=$(cd "$(dirname "$0")" && pwd)
cd "$DIR"

if [ "${1:-}" = "--force" ]; then
    rm -f ./*.pem ./*.key
fi

# Leaves and CAs are valid from 2024 until the end of 2049: 2050 is where X.509
# switches from UTCTime to GeneralizedTime, so this keeps every "valid" date in
# the encoding that every OpenSSL and Python version handles alike.  (notyet.pem
# deliberately uses GeneralizedTime dates.)
START=20240101000000Z
END=20491231235959Z

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

# Minimal `openssl ca` configuration; the issuing CA and extensions are chosen
# per call with -cert/-keyfile/-extensions.
cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = testca

[ testca ]
database        = $WORK/index.txt
new_certs_dir   = $WORK
serial          = $WORK/serial
default_md      = sha256
policy          = anything
unique_subject  = no
email_in_dn     = no
copy_extensions = none

[ anything ]
countryName            = optional
localityName           = optional
organizationName       = optional
organizationalUnitName = optional
commonName             = supplied

[ req ]
distinguished_name = dn
prompt             = no
[ dn ]
CN = unused

[ v3_ca ]
basicConstraints       = critical, CA:TRUE
keyUsage               = critical, keyCertSign, cRLSign
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid:always

[ leaf_common ]
basicConstraints       = critical, CA:FALSE
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ server ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:localhost, DNS:server.example, DNS:xn--bcher-kva.example, IP:127.0.0.1, IP:::1

[ server_ecdsa ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:localhost, DNS:server.example, DNS:xn--bcher-kva.example, IP:127.0.0.1, IP:::1

[ wildcard ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:*.wild.example

[ ip_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = IP:127.0.0.1

[ localhost ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:localhost

# A server named only by its subject's commonName (no subjectAltName).
[ cn_only ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

[ client ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer

# Text beyond ASCII (the subject's UTF8Strings, given with -utf8) and every
# kind of field a certificate dictionary carries: alternative names of each
# text kind and a directory name, OCSP and CA issuer URIs, a CRL
# distribution point.  For servers and clients alike.
[ intl ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature
extendedKeyUsage       = serverAuth, clientAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DNS:localhost, IP:127.0.0.1, email:pruefer@intl.example, URI:https://intl.example/, dirName:intl_dir
authorityInfoAccess    = OCSP;URI:http://ocsp.intl.example/, caIssuers;URI:http://ca.intl.example/intl-ca.pem
crlDistributionPoints  = URI:http://crl.intl.example/intl-ca.crl

[ intl_dir ]
O  = sslbio tests
CN = directory name

# A dNSName that contains a NUL byte: "localhost\0.evil.example" (23 bytes).
# The config syntax cannot express NUL, so the whole GeneralNames value is
# given as DER:  30 19 (SEQUENCE, 25 bytes)  82 17 ([2] dNSName, 23 bytes) ...
[ nul_san ]
basicConstraints       = critical, CA:FALSE
keyUsage               = critical, digitalSignature, keyEncipherment
extendedKeyUsage       = serverAuth
subjectKeyIdentifier   = hash
authorityKeyIdentifier = keyid, issuer
subjectAltName         = DER:30198217$(printf 'localhost' | od -An -tx1 | tr -d ' \n')00$(printf '.evil.example' | od -An -tx1 | tr -d ' \n')
CNF
: > "$WORK/index.txt"
echo 1000 > "$WORK/serial"

rsa_key() {  # rsa_key NAME
    [ -f "$1.key" ] || openssl genpkey -quiet -algorithm RSA \
        -pkeyopt rsa_keygen_bits:2048 -out "$1.key"
}

ec_key() {  # ec_key NAME
    [ -f "$1.key" ] || openssl genpkey -quiet -algorithm EC \
        -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"
}

# issue NAME ISSUER EXTENSIONS CN START END   (CN: or a whole /subject, UTF-8)
issue() {
    [ -f "$1.pem" ] && return 0
    case $4 in
        /*) subject=$4 ;;
        *) subject="/O=sslbio tests/CN=$4" ;;
    esac
    openssl req -new -utf8 -config "$WORK/ca.cnf" -key "$1.key" -subj "$subject" \
        -out "$WORK/$1.csr"
    if [ "$2" = self ]; then
        signer="-selfsign -keyfile $1.key"
    else
        signer="-cert $2.pem -keyfile $2.key"
    fi
    # shellcheck disable=SC2086  # $signer is deliberately split
    openssl ca -batch -utf8 -notext -config "$WORK/ca.cnf" $signer -extensions "$3" \
        -startdate "$5" -enddate "$6" -in "$WORK/$1.csr" -out "$1.pem" 2>"$WORK/ca.log" \
        || { cat "$WORK/ca.log" >&2; exit 1; }
}

rsa_key ca;        issue ca self v3_ca "sslbio test CA" $START $END
rsa_key other-ca;  issue other-ca self v3_ca "sslbio untrusted CA" $START $END

rsa_key server;       issue server ca server localhost $START $END
ec_key server-ecdsa;  issue server-ecdsa ca server_ecdsa localhost $START $END
rsa_key wildcard;     issue wildcard ca wildcard "*.wild.example" $START $END
rsa_key ip-only;      issue ip-only ca ip_only 127.0.0.1 $START $END
rsa_key expired;      issue expired ca localhost localhost 20000101000000Z 20010101000000Z
rsa_key notyet;       issue notyet ca localhost localhost 20900101000000Z 21000101000000Z
rsa_key untrusted;    issue untrusted other-ca localhost localhost $START $END
rsa_key client;       issue client ca client "sslbio client" $START $END
rsa_key nul-san;      issue nul-san ca nul_san "nul-san.example" $START $END
rsa_key cn-only;      issue cn-only ca cn_only localhost $START $END
ec_key intl-ca;       issue intl-ca self v3_ca "/O=Bücher & Söhne/CN=sslbio Prüfstelle" $START $END
ec_key intl;          issue intl intl-ca intl "/C=DE/L=München/O=Bäden/OU=Bücher & Söhne/CN=localhost" $START $END

echo "test certificates are in $DIR"

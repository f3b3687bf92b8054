#!/bin/sh
# Fetch the platform CA's CRL for nginx (ssl_crl) and reload nginx when it changed.
# Run by ecert-crl.timer (deploy/systemd) every 15 minutes; also run it right after
# `ecert tls revoke`, so a revoked department certificate is refused at once.
# A CRL whose signature does not verify against the CA is never installed.
set -eu
URL="${ECERT_CRL_URL:-http://127.0.0.1:8000/pki/crl/root.crl}"
CA="${ECERT_CLIENT_CA:-/etc/ecert/tls/client-ca.pem}"
OUT="${ECERT_CRL_PEM:-/etc/ecert/tls/client-ca.crl.pem}"
RELOAD="${ECERT_NGINX_RELOAD:-systemctl reload nginx}"

tmp="$(mktemp "$OUT.XXXXXX")"
trap 'rm -f "$tmp" "$tmp.der"' EXIT
curl -fsS --max-time 30 -o "$tmp.der" "$URL"
openssl crl -inform DER -in "$tmp.der" -outform PEM -out "$tmp"
openssl crl -in "$tmp" -noout -CAfile "$CA" 2>/dev/null || {
    echo "refresh-crl: the CRL from $URL does not verify against $CA; kept the old one" >&2
    exit 1
}
if ! cmp -s "$tmp" "$OUT"; then
    chmod 0644 "$tmp"
    mv "$tmp" "$OUT"
    $RELOAD
fi

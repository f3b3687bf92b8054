#!/bin/sh
# Fetch the CRLs of every level of the platform's chain (root and issuing CA) for nginx
# (`ssl_crl`: nginx checks a CRL at EVERY level, so it needs both) and reload nginx when they
# changed. Run by ecert-crl.timer (deploy/systemd) every 15 minutes; also run it right after
# `ecert tls revoke`, so a revoked department certificate is refused at once.
# A CRL whose signature does not verify against the chain is never installed.
set -eu
BASE="${ECERT_URL:-http://127.0.0.1:8000}"
URLS="${ECERT_CRL_URLS:-$BASE/pki/crl/root.crl $BASE/pki/crl/issuing.crl}"
CA="${ECERT_CLIENT_CA:-/etc/ecert/tls/client-ca.pem}"   # /pki/chain.pem: issuing CA(s) + root
OUT="${ECERT_CRL_PEM:-/etc/ecert/tls/client-ca.crl.pem}"
RELOAD="${ECERT_NGINX_RELOAD:-systemctl reload nginx}"

tmp="$(mktemp "$OUT.XXXXXX")"
trap 'rm -f "$tmp" "$tmp.der" "$tmp.one"' EXIT
for url in $URLS; do
    curl -fsS --max-time 30 -o "$tmp.der" "$url"
    openssl crl -inform DER -in "$tmp.der" -outform PEM -out "$tmp.one"
    openssl crl -in "$tmp.one" -noout -CAfile "$CA" 2>/dev/null || {
        echo "refresh-crl: the CRL from $url does not verify against $CA; kept the old ones" >&2
        exit 1
    }
    cat "$tmp.one" >> "$tmp"
done
if ! cmp -s "$tmp" "$OUT"; then
    chmod 0644 "$tmp"
    mv "$tmp" "$OUT"
    $RELOAD
fi

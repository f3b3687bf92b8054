#!/bin/bash
# docs/operations.md, step by step, as root on a freshly booted empty Debian 12 (the drill
# machine of deploy/drill/walk.sh). Each command is the one the guide shows; lines marked
# "drill:" stand for what an operator supplies from outside (a site certificate, a department's
# machine, a spare machine for the restore). Prints every command (`$ …`) and its output.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive LANG=C.UTF-8
export PS4='$ '
RELEASE=/root/ecert-release.tar.gz   # drill: the release tarball walk.sh copied in
CLIENT_PASS=drill-client-key-passphrase-42
section() { { set +x; } 2>/dev/null; printf '\n### %s  (%s)\n' "$1" "$(date -u +%H:%M:%S)"; { set -x; } 2>/dev/null; }
# long, chatty commands (apt, pip): the command is shown, then only the end of its output
quiet() {
    { set +x; } 2>/dev/null
    local log rc=0
    log=$(mktemp)
    "$@" >"$log" 2>&1 || rc=$?
    tail -n "$([ $rc = 0 ] && echo 2 || echo 40)" "$log"
    rm -f "$log"
    { set -x; return $rc; } 2>/dev/null
}

# shell functions shown as one command, not line by line
untraced() {
    local f
    for f in "$@"; do
        eval "_traced_$(declare -f "$f")"
        eval "$f() { { set +x; } 2>/dev/null; local rc=0; _traced_$f \"\$@\" || rc=\$?; { set -x; return \$rc; } 2>/dev/null; }"
    done
}
# wait (up to 3 min) until URL answers 200, then show its answer and how long it took
ready() {
    { set +x; } 2>/dev/null
    local t0=$SECONDS
    until curl -fs "$1" >/dev/null; do
        [ $((SECONDS - t0)) -lt 180 ] || { echo "$1: not ready after 180 s"; curl -s "$1"; set -x; return 1; }
        sleep 1
    done
    echo "$(curl -s "$1")  (ready after $((SECONDS - t0)) s)"
    { set -x; } 2>/dev/null
}

# eventually SECONDS COMMAND…: until COMMAND succeeds, for at most SECONDS
eventually() {
    { set +x; } 2>/dev/null
    local limit=$1 t0=$SECONDS
    shift
    until "$@"; do
        [ $((SECONDS - t0)) -lt "$limit" ] || { echo "$*: still failing after $limit s"; set -x; return 1; }
        sleep 2
    done
    echo "$*: after $((SECONDS - t0)) s"
    { set -x; } 2>/dev/null
}
prom_up() {
    curl -s 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22ecert%22%7D' | grep -q '"value":\[[0-9.]*,"1"\]'
}

section "§1 Install from nothing"
quiet apt-get update
quiet apt-get install -y python3 python3-venv git nginx postgresql curl openssl jq \
    fonts-arphic-gbsn00lp fonts-tibetan-machine prometheus
install -d /opt/ecert/src
tar -xzf "$RELEASE" -C /opt/ecert/src
python3 -m venv /opt/ecert/venv
quiet /opt/ecert/venv/bin/pip install -c /opt/ecert/src/constraints.txt /opt/ecert/src
cp -r /opt/ecert/src/deploy /opt/ecert/deploy
install -m 0644 /opt/ecert/deploy/systemd/ecert.sysusers.conf /usr/lib/sysusers.d/ecert.conf
install -m 0644 /opt/ecert/deploy/systemd/ecert.tmpfiles.conf /usr/lib/tmpfiles.d/ecert.conf
systemd-sysusers && systemd-tmpfiles --create
install -d -o ecert -g ecert -m 0700 /var/lib/ecert
id ecert

section "§2 PostgreSQL"
runuser -u postgres -- createuser ecert
runuser -u postgres -- createdb -O ecert ecert

section "§3 Configuration and secrets"
install -m 0640 -o root -g ecert /dev/null /etc/ecert/ecert.env
cat > /etc/ecert/ecert.env <<'EOF'
# settings, never secrets (docs/operations.md §3); a comment only on a line of its own
ECERT_DATABASE_URL=postgresql+psycopg://ecert@/ecert?host=/var/run/postgresql
ECERT_BASE_URL=https://ecert.example.gov.cn
# nginx: its X-SSL-Client-* and X-Forwarded-For headers count from this address only
ECERT_TRUSTED_PROXIES=127.0.0.1
# who may scrape /metrics (default: loopback)
ECERT_METRICS_ALLOW=127.0.0.1
ECERT_LIST_TTL_SECONDS=3600
EOF
install -d -m 0700 /etc/ecert/credentials
head -c 32 /dev/urandom | base64 > /etc/ecert/credentials/key-passphrase
chmod 0400 /etc/ecert/credentials/key-passphrase
source /opt/ecert/deploy/ecertctl.sh
untraced ecertctl ecertctl_unit
ecertctl init

section "§4 systemd"
cp /opt/ecert/deploy/systemd/*.service /opt/ecert/deploy/systemd/*.timer /etc/systemd/system/
systemctl daemon-reload
systemctl enable --now ecert.service ecert-housekeeping.service ecert-backup.timer
ready http://127.0.0.1:8000/readyz
systemctl --no-pager status ecert ecert-housekeeping | grep -E '^●|Active:|Main PID|ecert serve|housekeeping --loop'

section "§5 nginx"
# drill: the site certificate would come from the provincial CA; a self-signed one stands in
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
    -subj /CN=ecert.example.gov.cn -addext subjectAltName=DNS:ecert.example.gov.cn \
    -keyout /root/server.key -out /root/server-chain.pem 2>/dev/null
install -d -m 0755 /etc/ecert/tls
install -m 0644 /root/server-chain.pem /etc/ecert/tls/server.pem
install -m 0600 /root/server.key /etc/ecert/tls/server.key
curl -fsS http://127.0.0.1:8000/pki/chain.pem -o /etc/ecert/tls/client-ca.pem
ECERT_NGINX_RELOAD=true /opt/ecert/deploy/nginx/refresh-crl.sh
cp /opt/ecert/deploy/nginx/ecert.conf /etc/nginx/conf.d/ecert.conf
rm -f /etc/nginx/sites-enabled/default
nginx -t && systemctl reload nginx
systemctl enable --now ecert-crl.timer

section "Checklist 3: a department and its client certificate"
ecertctl dept add --code 11540000MB00001032 --name 西藏自治区人力资源和社会保障厅
ecertctl catalog add /opt/ecert/deploy/drill/type.json
install -d -o ecert -g ecert -m 0700 /var/lib/ecert/handover
ECERT_CLIENT_KEY_PASSPHRASE=$CLIENT_PASS ecertctl dept client-cert 11540000MB00001032 \
    --role issuer --out /var/lib/ecert/handover/hrss
ECERT_CLIENT_KEY_PASSPHRASE=$CLIENT_PASS ecertctl dept client-cert 11540000MB00001032 \
    --role issuer --out /var/lib/ecert/handover/hrss-lost
ls -l /var/lib/ecert/handover/hrss
ecertctl issue 11540000MB00001032001 --data /opt/ecert/deploy/drill/certificate.json \
    --dept 11540000MB00001032 | tee /root/issued.txt
ID=$(sed -n 's#.*/v/\([^#]*\)\#.*#\1#p' /root/issued.txt | head -n1)

section "Checklist 4: a department's request through nginx"
# drill: the department's machine; the names resolve to this host (/etc/hosts)
D=/var/lib/ecert/handover/hrss
CERT=$(ls $D/*.pem | grep -v '\.key\.pem$' | grep -v ca.pem | head -n1)
curl -sS -o /dev/null -w 'with the department certificate: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem --cert "$CERT" --key "${CERT%.pem}.key.pem" \
    --pass "$CLIENT_PASS" https://ecert.example.gov.cn/api/v1/catalog/types
curl -sS --cacert /etc/ecert/tls/server.pem --cert "$CERT" --key "${CERT%.pem}.key.pem" \
    --pass "$CLIENT_PASS" https://ecert.example.gov.cn/api/v1/catalog/types | jq -c '[.[] | {type_code, name}]'
# nginx's request id is in its access log and in ecert's log line for the same request
RID=$(tail -n 1 /var/log/nginx/ecert.access.log | jq -r .request_id)
tail -n 1 /var/log/nginx/ecert.access.log
journalctl -u ecert -o cat | jq -R -c "fromjson? | select(.request_id==\"$RID\")"
curl -sS -o /dev/null -w 'without a certificate: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem https://ecert.example.gov.cn/api/v1/catalog/types
# a lost certificate, revoked (§8 step 2): refused by nginx after the CRL refresh
L=/var/lib/ecert/handover/hrss-lost
LOST=$(ls $L/*.pem | grep -v '\.key\.pem$' | grep -v ca.pem | head -n1)
# ecert names serials in decimal (as `ecert tls list` shows them); openssl in hex
SERIAL=$(python3 -c 'import sys; print(int(sys.argv[1], 16))' "$(openssl x509 -in "$LOST" -noout -serial | cut -d= -f2)")
ecertctl tls list
ecertctl tls revoke "$SERIAL" --reason key_compromise
revoked_refused_by_nginx() {
    [ "$(curl -s -o /dev/null -w '%{http_code}' --cacert /etc/ecert/tls/server.pem --cert "$LOST" \
        --key "${LOST%.pem}.key.pem" --pass "$CLIENT_PASS" \
        https://ecert.example.gov.cn/api/v1/catalog/types)" = 400 ]
}
# ecert refuses it at once (401); nginx once the CRL is installed and its reload has finished
curl -sS -o /dev/null -w 'with the revoked certificate, before the CRL refresh: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem --cert "$LOST" --key "${LOST%.pem}.key.pem" \
    --pass "$CLIENT_PASS" https://ecert.example.gov.cn/api/v1/catalog/types
systemctl start ecert-crl.service
eventually 30 revoked_refused_by_nginx
curl -sS -w '\nwith the revoked certificate, after: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem --cert "$LOST" --key "${LOST%.pem}.key.pem" \
    --pass "$CLIENT_PASS" https://ecert.example.gov.cn/api/v1/catalog/types | grep -E '<title>|after'
# a client's own X-SSL-Client-* headers never pass nginx (it always sets them)
curl -sS -o /dev/null -w 'forged client-certificate headers through nginx: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem -H 'X-SSL-Client-Verify: SUCCESS' \
    -H "X-SSL-Client-Cert: $(python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(open(sys.argv[1]).read()))' "$CERT")" \
    https://ecert.example.gov.cn/api/v1/catalog/types
curl -sS -o /dev/null -w 'metrics through nginx: %{http_code}\n' \
    --cacert /etc/ecert/tls/server.pem https://ecert.example.gov.cn/metrics

section "§6 Monitoring"
cp /opt/ecert/deploy/prometheus/alerts.yml /etc/prometheus/ecert-alerts.yml
/opt/ecert/deploy/prometheus/merge-config.sh /etc/prometheus/prometheus.yml
promtool check config /etc/prometheus/prometheus.yml
systemctl reload prometheus
curl -s http://127.0.0.1:8000/metrics | grep -E '^ecert_(ready|audit_log_entries|issuance_total|list_age_seconds)' | head
# the first scrape comes within scrape_interval (30 s)
eventually 120 prom_up
curl -s 'http://127.0.0.1:9090/api/v1/query?query=up%7Bjob%3D%22ecert%22%7D'; echo
curl -s 'http://127.0.0.1:9090/api/v1/rules?type=alert' | python3 -c \
    'import json,sys; g=json.load(sys.stdin)["data"]["groups"]; print(sorted(r["name"] for x in g for r in x["rules"]))'
curl -s http://127.0.0.1:9090/api/v1/alerts; echo

section "§7 Backups and the restore drill"
systemctl start ecert-backup.service
systemctl show ecert-backup.service -p Result -p ExecMainStatus
ls -l /var/backups/ecert/
BACKUP=$(ls -t /var/backups/ecert/ecert-*.zip | head -n1)
# drill: the spare machine is this one, with a second database and data dir
runuser -u postgres -- createdb -O ecert ecert_drill
sed 's#/ecert?host=#/ecert_drill?host=#' /etc/ecert/ecert.env > /etc/ecert/drill.env
install -d -o ecert -g ecert -m 0700 /var/lib/ecert-drill
T0=$(date +%s)
ECERT_ENV=/etc/ecert/drill.env ecertctl restore "$BACKUP" --data-dir /var/lib/ecert-drill/data
ECERT_ENV=/etc/ecert/drill.env ecertctl audit verify --data-dir /var/lib/ecert-drill/data
ECERT_ENV=/etc/ecert/drill.env ecertctl verify "$ID" --data-dir /var/lib/ecert-drill/data
ECERT_ENV=/etc/ecert/drill.env ecertctl_unit ecert-drill serve --data-dir /var/lib/ecert-drill/data --port 8100
ready http://127.0.0.1:8100/readyz
systemctl stop ecert-drill
echo "restore drill: $(( $(date +%s) - T0 )) s"

section "§9 Upgrade (the same release again)"
systemctl start ecert-backup.service
quiet /opt/ecert/venv/bin/pip install -c /opt/ecert/src/constraints.txt /opt/ecert/src
systemctl restart ecert.service ecert-housekeeping.service
ready http://127.0.0.1:8000/readyz
journalctl -u ecert -n 50 -o cat | jq -R -r 'fromjson? | .message' | tail -n 3

section "End state"
# the hardening as systemd applies it (PID 1 here, not --offline)
systemd-analyze security ecert.service ecert-housekeeping.service ecert-backup.service ecert-crl.service | grep Overall
# the passphrase is a credential: not in the unit's environment, readable by the service only
systemctl show ecert.service -p User -p Environment -p LoadCredential
ls -l "/run/credentials/ecert.service/"
systemctl --no-pager list-units 'ecert*' nginx.service postgresql@15-main.service prometheus.service
systemctl --no-pager list-timers 'ecert*'
systemctl --no-pager --failed
set +x
echo "DRILL PASSED"

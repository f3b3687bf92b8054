#!/bin/sh
# Add ecert to a Prometheus configuration (docs/operations.md §6): the rule file
# /etc/prometheus/ecert-alerts.yml under `rule_files:` and the `ecert` scrape job of
# deploy/prometheus/prometheus.yml under `scrape_configs:`. Written for the shape of Debian's
# /etc/prometheus/prometheus.yml (both keys at the top level, scrape_configs the last one);
# any other shape is refused untouched — merge deploy/prometheus/prometheus.yml by hand then.
# Running it twice changes nothing. Check the result with `promtool check config`.
#   merge-config.sh [/etc/prometheus/prometheus.yml]
set -eu
CONF="${1:-/etc/prometheus/prometheus.yml}"
RULES="${ECERT_ALERTS_FILE:-/etc/prometheus/ecert-alerts.yml}"
TARGET="${ECERT_METRICS_TARGET:-127.0.0.1:8000}"

if grep -Eq "job_name: *['\"]?ecert['\"]?\s*$" "$CONF"; then
    echo "merge-config: $CONF already scrapes ecert; nothing changed"
    exit 0
fi
last_top=$(grep -E '^[a-z_]+:' "$CONF" | tail -n 1)
if [ "$last_top" != "scrape_configs:" ]; then
    echo "merge-config: $CONF does not end with its scrape_configs: section; merge by hand" >&2
    exit 1
fi
tmp="$(mktemp "$CONF.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
if grep -q '^rule_files:' "$CONF"; then
    sed "s#^rule_files:.*#rule_files:\n  - $RULES#" "$CONF" > "$tmp"
else
    sed "s#^scrape_configs:#rule_files:\n  - $RULES\n\nscrape_configs:#" "$CONF" > "$tmp"
fi
cat >> "$tmp" <<JOB

  # ecert (deploy/prometheus/prometheus.yml): /metrics answers ECERT_METRICS_ALLOW only
  - job_name: ecert
    scrape_interval: 30s
    static_configs:
      - targets: ["$TARGET"]
JOB
chmod --reference="$CONF" "$tmp"
mv "$tmp" "$CONF"
echo "merge-config: $CONF scrapes ecert at $TARGET and loads $RULES"

# ecert administrative commands as the service sees them (docs/operations.md §3): the ecert
# user, /etc/ecert/ecert.env, the key passphrase as a systemd credential, /var/lib/ecert.
# Source it from root's shell profile:  . /opt/ecert/deploy/ecertctl.sh
#
#   ecertctl init | dept add … | token create … | tls revoke …   (any `ecert` command)
#   ECERT_CLIENT_KEY_PASSPHRASE=… ecertctl dept client-cert CODE --role issuer --out DIR
#   ECERT_ENV=/etc/ecert/drill.env ecertctl restore …     (another settings file: restore drill)
#   ecertctl_unit NAME serve --port 8100 …    (a long-running command as transient unit NAME;
#                                              `systemctl stop NAME` ends it)
#
# systemd-run hands the credential to the command without copying it anywhere; a terminal
# gets --pty, a script --pipe. The settings file wins over -E (systemd reads EnvironmentFile=
# after Environment=), so a different database means a different ECERT_ENV file.

_ecert_run_props() {
    local creds=/etc/ecert/credentials
    printf '%s\n' --uid=ecert --gid=ecert \
        -p "EnvironmentFile=${ECERT_ENV:-/etc/ecert/ecert.env}" \
        -E ECERT_DATA_DIR=/var/lib/ecert \
        -p "LoadCredential=ecert-key-passphrase:$creds/key-passphrase" \
        -p StateDirectory=ecert -p UMask=0077
    # an HSM PIN, when there is one
    [ -e "$creds/pkcs11-pin" ] && printf '%s\n' -p "LoadCredential=ecert-pkcs11-pin:$creds/pkcs11-pin"
    # the passphrase of a department's client key (`dept client-cert`), for this command only
    [ -n "${ECERT_CLIENT_KEY_PASSPHRASE:-}" ] && printf '%s\n' -E ECERT_CLIENT_KEY_PASSPHRASE
    return 0
}

ecertctl() {
    local io=--pipe props
    [ -t 0 ] && [ -t 1 ] && io=--pty
    mapfile -t props < <(_ecert_run_props)
    systemd-run --quiet --wait --collect "$io" "${props[@]}" /opt/ecert/venv/bin/ecert "$@"
}

ecertctl_unit() {
    local unit="$1" props
    shift
    mapfile -t props < <(_ecert_run_props)
    systemd-run --quiet --collect --unit="$unit" "${props[@]}" /opt/ecert/venv/bin/ecert "$@"
}

#!/usr/bin/env bash
# Installs from Debian the programs the ceiling benchmarks measure Gazette against, if missing:
# wrk (a C HTTP load generator), nginx-light (the static-file ceiling) and postfix (for
# smtp-sink and smtp-source, the SMTP ceiling). Run by bench/ceiling-*.ts before they start;
# not part of `npm test`.
set -euo pipefail
missing=()
[ -x /usr/bin/wrk ] || missing+=(wrk)
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
[ -x /usr/sbin/smtp-sink ] && [ -x /usr/sbin/smtp-source ] || missing+=(postfix)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian packages for the benchmarks: ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  # postfix asks how it should deliver mail; the benchmarks only use its test programs.
  echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections 2>/dev/null || true
  apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "ERROR: ${missing[*]} missing and not installable here (not root or no apt-get)" >&2
  exit 1
fi

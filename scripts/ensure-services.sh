#!/usr/bin/env bash
# Starts the local PostgreSQL the store tests run on (127.0.0.1:5432, trust auth, database
# `test`) if it is not already answering. This machine kind starts it before a session; the
# check makes a CI run independent of that.
set -euo pipefail
if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
  echo "PostgreSQL is not answering on 127.0.0.1:5432; starting it" >&2
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
fi
pg_isready -h 127.0.0.1 -p 5432

# Debian packages the tests drive as real clients: Chromium for the browser tests (never a
# browser downloaded by a test tool), feedparser, newsboat and xmllint for the feed-reader tests,
# SpamAssassin to score every mail, python3-dkim to verify DKIM signatures, and Dovecot as the
# bounce mailbox's IMAP server. Postfix is the relay whose DSNs the list-health tests read (a
# private instance per test, never the system's).
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
/usr/bin/python3 -c 'import feedparser' 2>/dev/null || missing+=(python3-feedparser)
[ -x /usr/bin/newsboat ] || missing+=(newsboat)
[ -x /usr/bin/xmllint ] || missing+=(libxml2-utils)
[ -x /usr/bin/spamassassin ] || missing+=(spamassassin)
/usr/bin/python3 -c 'import dkim' 2>/dev/null || missing+=(python3-dkim)
[ -x /usr/sbin/postfix ] || missing+=(postfix)
[ -x /usr/sbin/dovecot ] && [ -x /usr/lib/dovecot/imap ] || missing+=(dovecot-imapd)
# nginx in front of Gazette with deploy/nginx/gazette.conf (test/production/nginx-proxy.test.ts).
[ -x /usr/sbin/nginx ] || missing+=(nginx-light)
# Prometheus scrapes a running Gazette; promtool checks the exposition (both in package prometheus).
[ -x /usr/bin/prometheus ] && [ -x /usr/bin/promtool ] || missing+=(prometheus)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "Installing Debian packages for the tests: ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null \
      || echo "WARNING: could not install ${missing[*]}; the tests that need them will fail" >&2
  else
    echo "WARNING: ${missing[*]} missing and not installable here (not root or no apt-get); the tests that need them will fail" >&2
  fi
fi

#!/usr/bin/env bash
# Makes sure the Debian packages the test suite drives are present.
# As root: installs the missing ones with apt. Otherwise: prints the one command that does it.
# The tests start every daemon themselves on loopback; nothing here starts a service.
set -euo pipefail

# command -> package (the daemons and tools the tests use as real peers)
declare -A NEED=(
  [radclient]=freeradius-utils
  [freeradius]=freeradius
  [oathtool]=oathtool
  [slapd]=slapd
  [ldapadd]=ldap-utils
  [samba-tool]=samba
  [redis-server]=redis-server
  # /metrics: promtool lints the exposition and checks the README's scrape config; prometheus scrapes it
  [promtool]=prometheus
  [openssl]=openssl
  [ip]=iproute2
  [taskset]=util-linux
  [systemd-analyze]=systemd
  # the appliance's firewall ruleset is checked with nft -c (in a private network namespace)
  [nft]=nftables
  # the Debian package test: a fresh trixie root, booted with systemd as PID 1
  [mmdebstrap]=mmdebstrap
  [systemd-nspawn]=systemd-container
  [nsenter]=util-linux
  [dpkg-deb]=dpkg
  # the web pages: a real browser (playwright-core drives it) and a QR decoder for the enrolment page
  [chromium]=chromium
  [zbarimg]=zbar-tools
  # remote syslog: a real rsyslogd receives over UDP, TCP and TLS (gtls needs rsyslog-gnutls)
  [rsyslogd]=rsyslog
)
# packages without a distinctive command
EXTRA_PKGS=(samba-ad-dc samba-ad-provision rsyslog-gnutls)

missing=()
for cmd in "${!NEED[@]}"; do
  if ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ]; then
    missing+=("${NEED[$cmd]}")
  fi
done
for pkg in "${EXTRA_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
  echo "The test suite needs these Debian packages: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive $cmd" >&2
  exit 1
fi

echo "Installing test dependencies: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Services must not be started by package scripts: the tests start their own on loopback.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod +x "$policy" && created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT
apt-get update -q >&2
apt-get install -y -q --no-install-recommends "${missing[@]}" >&2

# Shared helpers for appliance/build.sh and appliance/test.sh (sourced, not executed).
# shellcheck shell=bash

APPLIANCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REPO_DIR=$(cd "$APPLIANCE_DIR/.." && pwd)
OUT_DIR=${APPLIANCE_OUT:-$APPLIANCE_DIR/out}
WORK_DIR=${APPLIANCE_WORK:-$APPLIANCE_DIR/work}
SUITE=trixie
MIRROR=${APPLIANCE_MIRROR:-http://deb.debian.org/debian}
SECURITY_MIRROR=${APPLIANCE_SECURITY_MIRROR:-http://deb.debian.org/debian-security}

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# Prints the packages of a list file (comments and blank lines dropped), one per line.
read_list() { sed -e 's/#.*//' -e 's/[[:space:]]//g' "$1" | grep -v '^$'; }

# ensure_host_pkgs CMD=PKG ... : installs the packages whose command is missing (as root), or prints the command.
ensure_host_pkgs() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%=*}
    pkg=${pair#*=}
    if [[ $cmd == /* ]]; then
      [ -e "$cmd" ] || missing+=("$pkg")
    elif ! command -v "$cmd" >/dev/null 2>&1 && [ ! -x "/usr/sbin/$cmd" ] && [ ! -x "/sbin/$cmd" ]; then
      missing+=("$pkg")
    fi
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  mapfile -t missing < <(printf '%s\n' "${missing[@]}" | sort -u)
  local install="apt-get install -y --no-install-recommends ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    die "missing host packages: ${missing[*]} -- install them with: sudo apt-get update && sudo $install"
  fi
  log "installing host packages: ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  # shellcheck disable=SC2086
  DEBIAN_FRONTEND=noninteractive $install >&2
}

need_root() {
  [ "$(id -u)" -eq 0 ] || die "$1 needs root (mmdebstrap --mode=root, chroot, binfmt); run it with sudo"
}

# Byte offset/size helpers for partitions inside a disk image file (sfdisk --json needs jq; use -d instead).
# part_field IMAGE N FIELD  (FIELD: start|size, in 512-byte sectors)
part_field() {
  sfdisk -d "$1" | awk -v n="$2" -v f="$3" '
    $2 == ":" { idx++; if (idx == n) {
      for (i = 3; i <= NF; i++) { gsub(",", "", $i); if ($i == f "=") { gsub(",", "", $(i+1)); print $(i+1); exit } } } }'
}

# Removes a build tree safely: an interrupted mmdebstrap can leave /proc, /sys and /dev mounted inside it,
# and a plain rm -rf would then descend into the host's /dev.
safe_rm() {
  local d m
  for d in "$@"; do
    [ -e "$d" ] || continue
    d=$(cd "$d" && pwd)
    for m in $(awk -v d="$d/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do umount -l "$m"; done
    rm -rf --one-file-system "$d"
  done
}

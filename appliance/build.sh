#!/usr/bin/env bash
# Builds the appliance image from Debian packages (trixie) and this repository only.
#
#   bash appliance/build.sh --target vm    # amd64 UEFI disk: out/*.raw + out/*.qcow2
#   bash appliance/build.sh --target rpi   # arm64 Raspberry Pi 4/5 SD card: out/*.img.xz
#
# Phases (each logged with its duration):
#   1. app      build the TypeScript app (npm run build) and the Debian package of it for the image's
#               architecture (scripts/deb/build-deb.sh: the one install path, also used outside the appliance)
#   2. base     mmdebstrap: the Debian packages of the image, no compilers
#               (cached in work/<target>/base with --reuse-base when its inputs did not change)
#   3. rootfs   copy of base + overlay (units, firewall, sshd, sysctl...) + dpkg -i the app package + identity reset
#   4. image    loop-free disk assembly (sfdisk on a file, mke2fs -d, mkfs.vfat + mtools, dd)
#   5. manifest package versions, app version, SHA-256 of every output, beside the image
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"

TARGET=vm
APP_BUILD=auto
REUSE_BASE=0
KEEP_WORK=0
usage() {
  cat <<EOF
usage: $0 [--target vm|rpi] [--app-build auto|yes|no] [--reuse-base] [--keep-work]
  --target      vm  = amd64 UEFI VM disk (raw + qcow2); rpi = arm64 Raspberry Pi 4/5 SD image (.img.xz)
  --app-build   auto (default): run 'npm run build', fall back to the existing dist/ if it fails;
                yes: fail if the build fails; no: package dist/ as it is
  --reuse-base  reuse work/<target>/base when package lists, hooks and package-lock.json are unchanged
  --keep-work   keep work/<target>/rootfs after the build (for inspection)
EOF
}
while [ $# -gt 0 ]; do
  case $1 in
    --target) TARGET=$2; shift 2 ;;
    --target=*) TARGET=${1#*=}; shift ;;
    --app-build) APP_BUILD=$2; shift 2 ;;
    --app-build=*) APP_BUILD=${1#*=}; shift ;;
    --reuse-base) REUSE_BASE=1; shift ;;
    --keep-work) KEEP_WORK=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
  esac
done
case $TARGET in
  vm) ARCH=amd64 ;;
  rpi) ARCH=arm64 ;;
  *) die "unknown target '$TARGET' (vm|rpi)" ;;
esac

need_root "the image build"
# The package build compiles better-sqlite3 on the host (natively, or cross for arm64): g++, make, python3.
host_pkgs=(mmdebstrap=mmdebstrap sfdisk=fdisk mkfs.vfat=dosfstools mcopy=mtools mke2fs=e2fsprogs
  qemu-img=qemu-utils zstd=zstd xz=xz-utils npm=npm systemd-analyze=systemd unshare=util-linux
  dpkg-deb=dpkg g++=g++ make=make python3=python3)
if [ "$ARCH" != "$(dpkg --print-architecture)" ]; then
  host_pkgs+=(arch-test=arch-test update-binfmts=binfmt-support /usr/bin/qemu-aarch64-static=qemu-user-static
    aarch64-linux-gnu-g++=g++-aarch64-linux-gnu nft=nftables)
fi
ensure_host_pkgs "${host_pkgs[@]}"
if [ "$ARCH" != "$(dpkg --print-architecture)" ]; then
  if ! arch-test "$ARCH" >/dev/null 2>&1; then
    # binfmt_misc may simply not be mounted/enabled yet (containers, minimal hosts).
    mountpoint -q /proc/sys/fs/binfmt_misc || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || true
    update-binfmts --enable qemu-aarch64 >/dev/null 2>&1 || true
  fi
  arch-test "$ARCH" >/dev/null || die "this host cannot run $ARCH binaries (binfmt/qemu-user); see appliance/README.md"
fi

T_ALL=$(date +%s)
W=$WORK_DIR/$TARGET
mkdir -p "$W" "$OUT_DIR"
APP_VERSION=$(node -p "require('$REPO_DIR/package.json').version")
GIT_REV=$(git -C "$REPO_DIR" describe --always --dirty 2>/dev/null || echo unknown)
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git -C "$REPO_DIR" log -1 --format=%ct 2>/dev/null || date +%s)}
NAME=mfa-radius-proxy-$APP_VERSION-$TARGET-$ARCH
declare -A PHASE_SECONDS=()
phase() { # phase NAME FUNCTION
  local t0; t0=$(date +%s)
  log "== phase $1"
  "$2"
  PHASE_SECONDS[$1]=$(($(date +%s) - t0))
  log "== phase $1 done in ${PHASE_SECONDS[$1]} s"
}

# ---------------------------------------------------------------- 1. app
APP_STATUS=unknown
APP_DEB=
phase_app() {
  if [ "$APP_BUILD" != no ]; then
    if (cd "$REPO_DIR" && { [ -d node_modules ] || npm ci --no-audit --no-fund; } && npm run build) >"$W/app-build.log" 2>&1; then
      APP_STATUS=built
    elif [ "$APP_BUILD" = yes ]; then
      tail -30 "$W/app-build.log" >&2
      die "npm run build failed (log: $W/app-build.log)"
    else
      APP_STATUS="build-failed-using-existing-dist"
      log "WARNING: 'npm run build' failed; packaging the existing dist/ (log: $W/app-build.log)"
    fi
  else
    APP_STATUS=prebuilt
  fi
  [ -f "$REPO_DIR/dist/cli/main.js" ] || die "dist/cli/main.js is missing: nothing to package (run npm run build)"
  # The package: dist/ + production node_modules with better-sqlite3 built for $ARCH (cached by its inputs).
  rm -rf "$W/deb" && mkdir -p "$W/deb"
  APP_DEB=$(bash "$REPO_DIR/scripts/deb/build-deb.sh" --no-build --arch "$ARCH" --out "$W/deb" 2>"$W/app-deb.log") ||
    { tail -30 "$W/app-deb.log" >&2; die "scripts/deb/build-deb.sh failed (log: $W/app-deb.log)"; }
  log "app package: ${APP_DEB##*/}"
}

# ---------------------------------------------------------------- 2. base (mmdebstrap)
base_key() {
  cat "$APPLIANCE_DIR"/packages/*.txt "$APPLIANCE_DIR/hooks/essential.sh" "$APPLIANCE_DIR/hooks/customize-base.sh" |
    { cat; echo "$TARGET $ARCH $SUITE $MIRROR"; } | sha256sum | cut -c1-16
}
phase_base() {
  local base=$W/base key includes
  key=$(base_key)
  if [ "$REUSE_BASE" = 1 ] && [ -f "$W/base.key" ] && [ "$(cat "$W/base.key")" = "$key" ] && [ -x "$base/usr/bin/node" ]; then
    log "reusing $base (inputs unchanged: $key)"
    return 0
  fi
  safe_rm "$base"; rm -f "$W/base.key"
  mkdir -p "$base"
  # Run copies of the hooks, so editing the tree during a build cannot change a script bash is reading.
  rm -rf "$W/hooks.run" && cp -r "$APPLIANCE_DIR/hooks" "$W/hooks.run"
  includes=$( { read_list "$APPLIANCE_DIR/packages/base.txt"; read_list "$APPLIANCE_DIR/packages/$TARGET.txt"; } |
    paste -sd, -)
  APPLIANCE_TARGET=$TARGET APPLIANCE_DIR=$APPLIANCE_DIR \
  mmdebstrap --mode=root --variant=minbase --arch="$ARCH" \
    --components="main non-free-firmware" \
    --include="$includes" \
    --aptopt='Acquire::Check-Valid-Until "false"' \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' \
    --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-include=/usr/share/locale/locale.alias' \
    --dpkgopt='path-exclude=/usr/share/doc/*' \
    --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --dpkgopt='path-exclude=/usr/share/info/*' \
    --essential-hook="$W/hooks.run/essential.sh \"\$1\"" \
    --customize-hook="$W/hooks.run/customize-base.sh \"\$1\"" \
    "$SUITE" "$base" \
    "deb $MIRROR $SUITE main non-free-firmware" \
    "deb $MIRROR $SUITE-updates main non-free-firmware" \
    "deb $SECURITY_MIRROR $SUITE-security main non-free-firmware" >"$W/mmdebstrap.log" 2>&1 ||
    { tail -40 "$W/mmdebstrap.log" >&2; die "mmdebstrap failed (log: $W/mmdebstrap.log)"; }
  echo "$key" >"$W/base.key"
}

# ---------------------------------------------------------------- 3. rootfs
phase_rootfs() {
  local root=$W/rootfs
  rm -rf "$W/hooks.run" && cp -r "$APPLIANCE_DIR/hooks" "$W/hooks.run"
  safe_rm "$root"
  cp -a "$W/base" "$root"
  APPLIANCE_TARGET=$TARGET APPLIANCE_DIR=$APPLIANCE_DIR REPO_DIR=$REPO_DIR APP_VERSION=$APP_VERSION GIT_REV=$GIT_REV APP_DEB=$APP_DEB \
    bash "$W/hooks.run/configure.sh" "$root" >"$W/configure.log" 2>&1 ||
    { tail -40 "$W/configure.log" >&2; die "configure.sh failed (log: $W/configure.log)"; }
  bash "$APPLIANCE_DIR/lib/check-rootfs.sh" "$root" "$TARGET" | tee "$W/check-rootfs.log" >&2 ||
    die "static rootfs checks failed"
}

# ---------------------------------------------------------------- 4. image
phase_image() {
  rm -f "$OUT_DIR/$NAME".*
  if [ "$TARGET" = vm ]; then
    bash "$APPLIANCE_DIR/lib/mkdisk-vm.sh" "$W/rootfs" "$W" "$OUT_DIR/$NAME.raw"
    qemu-img convert -c -O qcow2 "$OUT_DIR/$NAME.raw" "$OUT_DIR/$NAME.qcow2"
  else
    bash "$APPLIANCE_DIR/lib/mkdisk-rpi.sh" "$W/rootfs" "$W" "$W/$NAME.img"
    xz -T2 -6 -c "$W/$NAME.img" >"$OUT_DIR/$NAME.img.xz"
    mv "$W/$NAME.img" "$W/sd.img" # kept (sparse) for the structural test
  fi
  # The app package alone, for in-place updates on a running box (mfa-update-app keeps config and data) and
  # for installing on any Debian 12/13 host.
  cp "$APP_DEB" "$OUT_DIR/"
}

# ---------------------------------------------------------------- 5. manifest
phase_manifest() {
  local m=$OUT_DIR/$NAME.manifest.txt
  {
    echo "name: $NAME"
    echo "target: $TARGET"
    echo "arch: $ARCH"
    echo "suite: $SUITE ($MIRROR, $SECURITY_MIRROR)"
    echo "built: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "source_date_epoch: $SOURCE_DATE_EPOCH"
    echo "app_version: $APP_VERSION"
    echo "git_revision: $GIT_REV"
    echo "app_build: $APP_STATUS"
    echo "app_package: ${APP_DEB##*/} $(dpkg-deb -f "$APP_DEB" Depends)"
    echo "node: $(dpkg-query --admindir="$W/rootfs/var/lib/dpkg" -W -f='${Version}' nodejs)"
    echo "kernel: $(dpkg-query --admindir="$W/rootfs/var/lib/dpkg" -W -f='${Version}' "linux-image-$ARCH")"
    echo "phase_seconds: $(for k in "${!PHASE_SECONDS[@]}"; do printf '%s=%s ' "$k" "${PHASE_SECONDS[$k]}"; done)"
    echo "sha256:"
    (cd "$OUT_DIR" && for f in "$NAME".* "${APP_DEB##*/}"; do
      case $f in *.manifest.txt) continue ;; esac
      printf '  %s  %s (%s bytes, %s on disk)\n' "$(sha256sum "$f" | cut -d' ' -f1)" "$f" "$(stat -c %s "$f")" "$(du -h "$f" | cut -f1)"
    done)
    echo "npm_packages:"
    (cd "$W/rootfs/usr/lib/mfa-radius-proxy" && find node_modules -name package.json -path '*/node_modules/*/package.json' \
      -not -path '*/node_modules/*/node_modules/*/*/package.json' -exec node -e \
      'for (const f of process.argv.slice(1)) { const p = require(require("path").resolve(f)); if (p.name && p.version) console.log(`  ${p.name} ${p.version}`) }' {} + | sort -u)
    echo "debian_packages:"
    dpkg-query --admindir="$W/rootfs/var/lib/dpkg" -W -f='  ${Package} ${Version} ${Architecture}\n'
  } >"$m"
  # The list first: a redirection in the same pipeline could create $NAME.sha256 before the glob is expanded.
  (cd "$OUT_DIR" && rm -f "$NAME.sha256" && mapfile -t files < <(ls "$NAME".* | grep -v -e '\.manifest\.txt$' -e '\.sha256$') &&
    sums=$(sha256sum "${files[@]}" "${APP_DEB##*/}") && echo "$sums" >"$NAME.sha256")
}

phase app phase_app
phase base phase_base
phase rootfs phase_rootfs
phase image phase_image
PHASE_SECONDS[total]=$(($(date +%s) - T_ALL))
phase_manifest
[ "$KEEP_WORK" = 1 ] || safe_rm "$W/rootfs"
log "built $NAME in ${PHASE_SECONDS[total]} s:"
ls -lsh "$OUT_DIR/$NAME".* >&2

#!/bin/bash
# Static checks on the finished root file system (seconds; run by build.sh before the image is made).
# usage: check-rootfs.sh ROOTFS vm|rpi      prints one "ok"/"not ok" line per check; exit 1 if any failed
set -uo pipefail
R=$1 T=$2
fails=0 n=0
check() { # check "description" command...
  n=$((n + 1))
  if out=$("${@:2}" 2>&1); then echo "ok $n - $1"; else echo "not ok $n - $1"; printf '%s\n' "$out" | sed 's/^/#   /' | head -20; fails=$((fails + 1)); fi
}
in_root() {
  unshare --mount --net --propagation private -- sh -c '
    R=$1; shift
    mount -t proc proc "$R/proc" && mount --rbind /dev "$R/dev" &&
    exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 "$@"' sh "$R" "$@"
}
case $T in vm) elf='x86-64' ;; rpi) elf='aarch64' ;; esac

check "no SSH host keys in the image" sh -c "! ls $R/etc/ssh/ssh_host_* 2>/dev/null | grep ."
check "machine-id is 'uninitialized'" grep -qx uninitialized "$R/etc/machine-id"
check "every account is locked (no password hash anywhere)" sh -c "! awk -F: '\$2 !~ /^[!*]/ { print \$1 }' $R/etc/shadow | grep ."
check "no compilers or assemblers" sh -c "! ls $R/usr/bin/ | grep -E '^(gcc|g\+\+|cc|c\+\+|cpp|clang|as|ld|x86_64-linux-gnu-gcc.*|aarch64-linux-gnu-gcc.*|make)$'"
check "no package caches or lists" sh -c "! find $R/var/cache/apt $R/var/lib/apt/lists -type f \( -name '*.deb' -o -name '*_Packages*' -o -name '*.bin' \) | grep ."
check "no build-time apt options (Check-Valid-Until) left" test ! -e "$R/etc/apt/apt.conf.d/99mmdebstrap"
check "resolv.conf is the resolved link, not the build host's" test "$(readlink "$R/etc/resolv.conf")" = ../run/systemd/resolve/resolv.conf
check "no world-writable files" sh -c "! find $R -xdev -type f -perm -0002 ! -path '$R/proc/*' ! -path '$R/sys/*' | grep ."
check "app: the mfa-radius-proxy package is installed" sh -c "dpkg-query --admindir=$R/var/lib/dpkg -W -f='\${Status}' mfa-radius-proxy | grep -qx 'install ok installed'"
check "app: dist/cli/main.js present" test -f "$R/usr/lib/mfa-radius-proxy/dist/cli/main.js"
check "no config.yaml until a seed writes one (the package's example is removed)" test ! -e "$R/etc/mfa-radius-proxy/config.yaml"
check "native module is $elf ELF" sh -c "file -b $R/usr/lib/mfa-radius-proxy/node_modules/better-sqlite3/build/Release/better_sqlite3.node 2>/dev/null | grep -q '$elf' || od -An -tx1 -j18 -N2 $R/usr/lib/mfa-radius-proxy/node_modules/better-sqlite3/build/Release/better_sqlite3.node | grep -Eq '$( [ "$elf" = aarch64 ] && echo 'b7 00' || echo '3e 00')'"
check "native module loads with the image's node" in_root /usr/bin/node -e "new (require('/usr/lib/mfa-radius-proxy/node_modules/better-sqlite3'))(':memory:').close()"
check "CLI wrapper and tools are executable" test -x "$R/usr/bin/mfa-radius-proxy" -a -x "$R/usr/local/sbin/mfa-backup" -a -x "$R/usr/local/sbin/mfa-firstboot"
tmpd=$(mktemp -d "$R/tmp/check.XXXXXX")
printf 'add element inet appliance radius_ports { 1812 }\nadd element inet appliance radius_v4 { 10.0.0.0/8, 10.0.2.2 }\nadd element inet appliance ssh_v6 { ::/0 }\nadd element inet appliance portal_ports { 8443 }\nadd element inet appliance admin_ports { 8444 }\nadd element inet appliance web_v4 { 10.9.0.0/16 }\nadd element inet appliance portal_v4 { 0.0.0.0/0 }\nadd element inet appliance portal_v6 { ::/0 }\n' >"$tmpd/10-test.nft"
sed "s|/etc/nftables.d/|/tmp/${tmpd##*/}/|" "$R/etc/nftables.conf" >"$tmpd/nftables.conf"
nft_check() {
  # qemu-user cannot emulate netlink: for a foreign rootfs use the host's nft (same syntax) in a private netns.
  if [ "$(chroot "$R" dpkg --print-architecture)" = "$(dpkg --print-architecture)" ]; then
    in_root nft -c -f "/tmp/${tmpd##*/}/nftables.conf"
  else
    sed "s|/tmp/${tmpd##*/}/|$tmpd/|" "$tmpd/nftables.conf" >"$tmpd/nftables-host.conf"
    unshare --net -- nft -c -f "$tmpd/nftables-host.conf"
  fi
}
check "nftables ruleset parses (nft -c, with sample elements)" nft_check
ssh-keygen -q -t ed25519 -N '' -f "$tmpd/hk" >/dev/null
mkdir -p "$R/run/sshd"
sshd_ok() {
  local o
  o=$(in_root /usr/sbin/sshd -T -h "/tmp/${tmpd##*/}/hk" -C user=x,host=x,addr=127.0.0.1) || return 1
  for want in 'permitrootlogin no' 'passwordauthentication no' 'kbdinteractiveauthentication no' 'authenticationmethods publickey'; do
    grep -qx "$want" <<<"$o" || { echo "missing: $want"; return 1; }
  done
}
check "sshd: key-only, no root, no passwords" sshd_ok
rm -rf "$tmpd" "$R/run/sshd"
sec=$(in_root systemd-analyze security --offline=yes mfa-radius-proxy.service 2>&1 | tail -1)
echo "# systemd-analyze security (offline): $sec"
check "proxy unit exposure <= 2.5 (offline)" in_root systemd-analyze security --offline=yes --threshold=25 mfa-radius-proxy.service
check "units verify" in_root systemd-analyze verify --man=no mfa-radius-proxy.service mfa-firstboot.service mfa-growroot.service mfa-time-wait.service mfa-ssh-hostkeys.service
check "unattended-upgrades: security origin only" sh -c "grep -A3 'Origins-Pattern {' $R/etc/apt/apt.conf.d/52mfa-appliance-unattended-upgrades | grep -q 'Debian-Security'"
if [ "$T" = rpi ]; then
  check "boot partition: Pi 4 and Pi 5 DTBs" sh -c "ls $R/boot/firmware/bcm2711-rpi-4-b.dtb $R/boot/firmware/bcm2712-rpi-5-b.dtb"
  check "boot partition: firmware, config.txt, cmdline.txt root=LABEL=RASPIROOT" sh -c "ls $R/boot/firmware/start4.elf $R/boot/firmware/config.txt >/dev/null && grep -q 'root=LABEL=RASPIROOT' $R/boot/firmware/cmdline.txt"
fi
echo "# $((n - fails))/$n static checks passed"
[ "$fails" -eq 0 ]

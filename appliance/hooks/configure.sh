#!/bin/bash
# Phase 3 of build.sh: turns a copy of the cached base tree into the appliance root file system.
# No package downloads here. $1 = rootfs; APPLIANCE_TARGET, APPLIANCE_DIR, REPO_DIR, APP_VERSION, GIT_REV, APP_DEB.
set -euo pipefail
R=$(cd "$1" && pwd)
T=$APPLIANCE_TARGET
# chroot with /proc, /sys and /dev, in a private mount namespace (nothing to unmount if we die).
in_root() {
  unshare --mount --propagation private -- sh -c '
    R=$1; shift
    mount -t proc proc "$R/proc" && mount -t sysfs sys "$R/sys" && mount --rbind /dev "$R/dev" &&
    { [ ! -d "$R/efi" ] || mount --bind "$R/efi" "$R/efi"; } &&
    exec chroot "$R" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root LC_ALL=C.UTF-8 SYSTEMD_RELAX_ESP_CHECKS=1 "$@"' sh "$R" "$@"
}
overlay() { # copy a tree in, owned by root, without replacing the /bin -> usr/bin style symlinks
  [ -d "$1" ] || return 0
  tar -C "$1" -c --owner=0 --group=0 . | tar -C "$R" -x --keep-directory-symlink --no-overwrite-dir
}

echo "== overlay"
overlay "$APPLIANCE_DIR/rootfs"
overlay "$APPLIANCE_DIR/rootfs-$T"
install -d -m 0755 "$R/usr/local/share/doc/mfa-radius-proxy" "$R/etc/mfa-appliance"
install -m 0644 "$APPLIANCE_DIR/README.md" "$R/usr/local/share/doc/mfa-radius-proxy/README.md" 2>/dev/null || true
install -m 0644 "$APPLIANCE_DIR/appliance.example.yaml" "$R/usr/local/share/doc/mfa-radius-proxy/appliance.example.yaml"
echo "${SOURCE_DATE_EPOCH:-0}" >"$R/etc/mfa-appliance/build-epoch"
echo "mfa-radius-proxy $APP_VERSION ($GIT_REV) $T $(date -u +%FT%TZ)" >"$R/etc/mfa-appliance/image-version"

echo "== app: the mfa-radius-proxy Debian package"
# The same .deb as outside the appliance (scripts/deb/build-deb.sh): /usr/lib/mfa-radius-proxy, the hardened unit,
# /usr/bin/mfa-radius-proxy, the service user and its directories (postinst). Its Depends (nodejs, procps, …)
# are in the base, so dpkg needs no mirror. A copy stays on the box for mfa-update-app --rollback.
install -d -m 0700 "$R/var/lib/mfa-appliance" "$R/var/lib/mfa-appliance/packages"
install -m 0644 "$APP_DEB" "$R/var/lib/mfa-appliance/packages/current.deb"
in_root dpkg -i /var/lib/mfa-appliance/packages/current.deb
# The seed writes config.yaml; until then there is none, so the unit's ConditionPathExists keeps the proxy off
# (the package's example would only make it fail). dpkg keeps a deleted conffile deleted on upgrades.
rm -f "$R/etc/mfa-radius-proxy/config.yaml"
install -d -m 0755 "$R/etc/nftables.d" "$R/etc/chrony/sources.d" "$R/etc/rsyslog.d"

echo "== systemd units"
in_root systemctl enable mfa-growroot.service mfa-firstboot.service mfa-ssh-hostkeys.service mfa-time-wait.service \
  mfa-radius-proxy.service nftables.service systemd-networkd.service systemd-resolved.service chrony.service \
  apparmor.service auditd.service ssh.service rsyslog.service
# e2scrub needs LVM snapshots (none here) and costs ~30 s of boot under emulation.
in_root systemctl mask e2scrub_reap.service e2scrub_all.timer
# chrony-wait asks chronyc over UDP 127.0.0.1, but chrony has cmdport 0: on the Pi it could only
# time out (180 s) and leave a failed unit; mfa-time-wait waits through the socket instead. Masked
# here, not by a symlink to /dev/null in rootfs-rpi/ (a link out of the tree breaks the linter's walk).
if [ "$T" = rpi ]; then in_root systemctl mask chrony-wait.service; fi
ln -sfn ../run/systemd/resolve/resolv.conf "$R/etc/resolv.conf"

echo "== fstab and boot loader"
if [ "$T" = vm ]; then
  cat >"$R/etc/fstab" <<FSTAB
# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
LABEL=mfa-root	/	ext4	defaults,noatime,errors=remount-ro	0	1
LABEL=ESP	/efi	vfat	umask=0077,shortname=winnt,noatime,nofail	0	2
tmpfs	/dev/shm	tmpfs	defaults,nosuid,nodev,noexec	0	0
FSTAB
  # systemd-boot + Boot Loader Specification entries written by kernel-install into /efi (the ESP, copied into
  # the FAT partition by mkdisk-vm.sh). Kernel updates later go through the same hooks with /efi mounted.
  install -d "$R/efi" "$R/etc/kernel"
  echo mfa-radius-proxy >"$R/etc/kernel/entry-token"
  echo 'layout=bls' >"$R/etc/kernel/install.conf"
  echo 'root=LABEL=mfa-root ro console=tty0 console=ttyS0,115200n8 panic=10' >"$R/etc/kernel/cmdline"
  install -d "$R/efi/EFI/BOOT" "$R/efi/EFI/systemd" "$R/efi/loader/entries"
  install -m 0644 "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$R/efi/EFI/BOOT/BOOTX64.EFI"
  install -m 0644 "$R/usr/lib/systemd/boot/efi/systemd-bootx64.efi" "$R/efi/EFI/systemd/systemd-bootx64.efi"
  # editor no: nobody at the console can add init=/bin/sh to the kernel command line.
  printf 'timeout 0\neditor no\nauto-entries no\nauto-firmware no\n' >"$R/efi/loader/loader.conf"
  for k in "$R"/boot/vmlinuz-*; do
    v=${k##*/vmlinuz-}
    in_root kernel-install --esp-path=/efi --entry-token=literal:mfa-radius-proxy add "$v" "/boot/vmlinuz-$v" "/boot/initrd.img-$v"
  done
  # Entries must name files relative to the ESP root (kernel-install in a chroot prefixes the mount point).
  sed -i -E 's#^(linux|initrd)( +)/efi/#\1\2/#' "$R"/efi/loader/entries/*.conf
  cat "$R"/efi/loader/entries/*.conf
  # Only USB mass storage is not needed in a VM (a Pi may boot from USB).
  echo 'install usb-storage /bin/false' >"$R/etc/modprobe.d/appliance-usb-storage.conf"
else
  cat >"$R/etc/fstab" <<FSTAB
# <file system>	<mount point>	<type>	<options>	<dump>	<pass>
LABEL=RASPIROOT	/	ext4	defaults,noatime,commit=60,errors=remount-ro	0	1
LABEL=RASPIFIRM	/boot/firmware	vfat	umask=0077,shortname=winnt,noatime	0	2
tmpfs	/dev/shm	tmpfs	defaults,nosuid,nodev,noexec	0	0
FSTAB
  # The admin copies this to appliance.yaml on the FAT partition and edits it before the first boot.
  install -m 0644 "$APPLIANCE_DIR/appliance.example.yaml" "$R/boot/firmware/appliance.example.yaml"
fi

echo "== accounts and login policy"
# Every account locked: no password exists anywhere in the image. Admin access is the SSH key from the seed.
while IFS=: read -r user pw _; do
  case $pw in '!'*|'*'*) ;; *) in_root usermod -L "$user" ;; esac
done <"$R/etc/shadow"
in_root passwd -l root >/dev/null
sed -i -e 's/^UMASK.*/UMASK\t\t027/' -e 's/^PASS_MAX_DAYS.*/PASS_MAX_DAYS\t365/' -e 's/^PASS_MIN_DAYS.*/PASS_MIN_DAYS\t1/' \
  -e 's/^#\?HOME_MODE.*/HOME_MODE\t0700/' "$R/etc/login.defs"
grep -q '^UMASK' "$R/etc/login.defs" || printf 'UMASK\t\t027\n' >>"$R/etc/login.defs"
grep -q '^SHA_CRYPT_MIN_ROUNDS' "$R/etc/login.defs" || printf 'SHA_CRYPT_MIN_ROUNDS\t5000\nSHA_CRYPT_MAX_ROUNDS\t50000\n' >>"$R/etc/login.defs"
grep -q '^YESCRYPT_COST_FACTOR' "$R/etc/login.defs" || printf 'YESCRYPT_COST_FACTOR\t7\n' >>"$R/etc/login.defs"
chmod 0440 "$R/etc/sudoers"
# Lynis FILE-7524 baseline: sshd_config and cron directories readable by root only.
chmod 0600 "$R/etc/ssh/sshd_config"
for d in cron.d cron.daily cron.hourly cron.weekly cron.monthly; do [ -d "$R/etc/$d" ] && chmod 0700 "$R/etc/$d"; done
# Interactive shells: new files private to their group (Lynis SHLL-6230 / CIS 5.4.4).
grep -q '^umask 027' "$R/etc/profile" || printf '\n# appliance: default umask\numask 027\n' >>"$R/etc/profile"

echo "== identity reset (generated on each box at first boot)"
printf 'uninitialized\n' >"$R/etc/machine-id"
rm -f "$R/var/lib/dbus/machine-id" "$R/var/lib/systemd/random-seed" "$R/var/lib/systemd/credential.secret"
rm -f "$R"/etc/ssh/ssh_host_*
echo mfa-proxy >"$R/etc/hostname"
printf '127.0.0.1\tlocalhost\n127.0.1.1\tmfa-proxy\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' >"$R/etc/hosts"
rm -f "$R/etc/apt/apt.conf.d/99mmdebstrap" "$R/usr/sbin/policy-rc.d"
rm -rf "$R"/var/log/journal/* "$R"/tmp/* "$R"/var/tmp/* "$R"/var/cache/apt/* "$R"/var/lib/apt/lists/*
find "$R/var/log" -type f -exec truncate -s 0 {} +
find "$R" -xdev -name '*-old' -path '*/etc/*' -delete
echo "== done"

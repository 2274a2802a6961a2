#!/usr/bin/env bash
# Boot test of the appliance images (root; QEMU TCG is fine, no KVM needed).
#
#   bash appliance/test.sh [--target vm] [--lynis] [--image FILE] [--timeout SEC]
#   bash appliance/test.sh --target rpi [--boot]     structural checks of the SD image (+ optional -M virt boot)
#
# vm: boots a scratch copy of out/*-vm-amd64.raw under UEFI (OVMF) in qemu-system-x86_64, inside a private
# network namespace (unshare -n: only lo exists, so QEMU's user-mode NAT reaches nothing). A seed drive
# (label MFASEED) configures it like an admin would: RADIUS client 10.0.2.2 (QEMU's host address), an SSH key.
# Then: Access-Request with radclient through a UDP hostfwd on 127.0.0.1 (any answer = serving), SSH key login
# and password refusal, a report from the guest on a port of its own (lib/report-port.sh) (ss -lntup, systemd-analyze
# security, accounts, firewall, growroot...), and a negative UDP probe the firewall must swallow.
# --lynis also runs `lynis audit system` in the guest (about 15 min under TCG) and reports the index.
set -euo pipefail
# shellcheck source=lib/common.sh
source "$(dirname "$0")/lib/common.sh"
# shellcheck source=lib/report-port.sh
source "$(dirname "$0")/lib/report-port.sh"

TARGET=vm
LYNIS=0
BOOT_RPI=0
IMAGE=''
TIMEOUT=900
INNER=0
T=''
while [ $# -gt 0 ]; do
  case $1 in
    --target) TARGET=$2; shift 2 ;;
    --target=*) TARGET=${1#*=}; shift ;;
    --lynis) LYNIS=1; shift ;;
    --boot) BOOT_RPI=1; shift ;;
    --image) IMAGE=$2; shift 2 ;;
    --timeout) TIMEOUT=$2; shift 2 ;;
    --inner) INNER=1; T=$2; shift 2 ;;
    --check-report) INNER=2; T=$2; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done

results=()
failed=0
pass() { results+=("ok - $*"); log "ok - $*"; }
fail() { results+=("not ok - $*"); log "not ok - $*"; failed=$((failed + 1)); }
expect() { local what=$1; shift; if "$@"; then pass "$what"; else fail "$what"; fi; }
summary() {
  printf '%s\n' "${results[@]}" >"$T/results.txt"
  printf '%s\n' "${results[@]}"
  echo "$(grep -c '^ok' "$T/results.txt") passed, $(grep -c '^not ok' "$T/results.txt") failed"
}

latest() { ls -t "$OUT_DIR"/$1 2>/dev/null | head -1; }
# Offset in bytes of partition N of a disk image.
part_offset() { echo $(( $(part_field "$1" "$2" start) * 512 )); }

# ------------------------------------------------------------------------------------------- rpi (structural)
test_rpi() {
  local img=$WORK_DIR/rpi/sd.img boot root tmp
  [ -n "$IMAGE" ] && img=$IMAGE
  if [ ! -f "$img" ]; then
    local xz; xz=$(latest 'mfa-radius-proxy-*-rpi-arm64.img.xz')
    [ -n "$xz" ] || die "no Raspberry Pi image: run appliance/build.sh --target rpi"
    img=$T/sd.img; xz -dc "$xz" >"$img"
  fi
  log "structural test of $img"
  expect "MBR (dos) partition table with 2 partitions" sh -c "sfdisk -d '$img' | grep -q '^label: dos' && [ \$(sfdisk -d '$img' | grep -c '^$img[0-9]') -eq 2 ]"
  expect "partition 1 is FAT32 (type c) and bootable" sh -c "sfdisk -d '$img' | grep '^${img}1' | grep -q 'type=c, bootable'"
  boot="$img@@$(part_offset "$img" 1)"
  root="$img?offset=$(part_offset "$img" 2)"
  mdir -i "$boot" -b ::/ >"$T/bootfs.txt"
  for f in start4.elf fixup4.dat config.txt cmdline.txt bcm2711-rpi-4-b.dtb bcm2712-rpi-5-b.dtb appliance.example.yaml; do
    expect "boot partition has $f" grep -qi "^::/$f\$" "$T/bootfs.txt"
  done
  expect "boot partition has a kernel and an initrd" sh -c "grep -qi '^::/vmlinuz-' '$T/bootfs.txt' && grep -qi '^::/initrd.img-' '$T/bootfs.txt'"
  mtype -i "$boot" ::/cmdline.txt >"$T/cmdline.txt"
  mtype -i "$boot" ::/config.txt >"$T/config.txt"
  expect "cmdline.txt boots root=LABEL=RASPIROOT" grep -q 'root=LABEL=RASPIROOT' "$T/cmdline.txt"
  expect "config.txt: 64-bit, kernel and initramfs set" sh -c "grep -q '^arm_64bit=1' '$T/config.txt' && grep -q '^kernel=vmlinuz' '$T/config.txt' && grep -q '^initramfs initrd.img' '$T/config.txt'"
  expect "root file system is ext4 labelled RASPIROOT" sh -c "dumpe2fs -h '$root' 2>/dev/null | grep -q 'volume name:.*RASPIROOT'"
  debugfs -R "dump /usr/lib/mfa-radius-proxy/node_modules/better-sqlite3/build/Release/better_sqlite3.node $T/bs.node" "$root" 2>/dev/null
  debugfs -R "dump /usr/bin/node $T/node.bin" "$root" 2>/dev/null
  debugfs -R "stat /usr/lib/mfa-radius-proxy/dist/cli/main.js" "$root" >"$T/main-js.txt" 2>&1 || true
  is_aarch64() { [ -s "$1" ] && [ "$(od -An -tx1 -j18 -N2 "$1" | tr -d ' ')" = b700 ]; }
  expect "better_sqlite3.node is an aarch64 ELF" is_aarch64 "$T/bs.node"
  expect "node is an aarch64 ELF" is_aarch64 "$T/node.bin"
  expect "the app (dist/cli/main.js) is in the image" grep -q 'Inode:' "$T/main-js.txt"
  debugfs -R "cat /etc/machine-id" "$root" 2>/dev/null >"$T/machine-id"
  expect "machine-id is uninitialized" grep -qx uninitialized "$T/machine-id"
  debugfs -R "ls /etc/ssh" "$root" 2>/dev/null >"$T/etc-ssh"
  expect "no SSH host keys in the image" sh -c "! grep -q ssh_host_ '$T/etc-ssh'"
  debugfs -R "cat /etc/systemd/journald.conf.d/60-appliance-sdcard.conf" "$root" 2>/dev/null >"$T/journald"
  expect "journald is volatile (SD card wear)" grep -q '^Storage=volatile' "$T/journald"
  [ "$BOOT_RPI" = 1 ] && boot_rpi "$img"
  summary
}

# arm64 boot under qemu-system-aarch64 -M virt (the Pi's own board cannot be emulated by this QEMU): the same
# SD image, its kernel and initrd taken from the FAT partition, the seed put on the FAT partition as an admin would.
boot_rpi() {
  local src=$1 disk=$T/sd-boot.img
  cp --sparse=always "$src" "$disk"
  qemu-img resize -q -f raw "$disk" +1G
  local boot="$disk@@$(part_offset "$disk" 1)" root="$disk?offset=$(part_offset "$disk" 2)"
  write_seed_yaml >"$T/appliance.yaml"
  mcopy -i "$boot" "$T/appliance.yaml" ::/appliance.yaml
  inject_report "$root" rpi
  local k i append
  k=$(grep -i '^::/vmlinuz-' "$T/bootfs.txt" | head -1 | sed 's|::/||'); i=$(grep -i '^::/initrd.img-' "$T/bootfs.txt" | head -1 | sed 's|::/||')
  mcopy -i "$boot" "::/$k" "$T/vmlinuz"; mcopy -i "$boot" "::/$i" "$T/initrd"
  # The Pi's own kernel command line (cmdline.txt), with the console moved to -M virt's PL011 (ttyAMA0): the
  # Pi's ttyS1 (mini UART) does not exist here. Emulated arm64 on a busy host can take minutes to coldplug
  # udev: systemd's 90 s device and start timeouts then fail /boot/firmware (the seed is not found) and
  # journald, and the box drops to emergency mode. Longer timeouts, for this emulated boot only.
  append="$(tr -s ' \n' '  ' <"$T/cmdline.txt" | sed -E 's/(^| )console=[^ ]*//g; s/^ +| +$//g') console=ttyAMA0"
  append+=" systemd.default_device_timeout_sec=900 systemd.default_timeout_start_sec=900"
  log "kernel command line: $append"
  QEMU_CMD=(qemu-system-aarch64 -machine virt -cpu cortex-a72 -smp 2 -m 1024
    -kernel "$T/vmlinuz" -initrd "$T/initrd" -append "$append"
    -drive "file=$disk,if=none,id=d0,format=raw" -device virtio-blk-pci,drive=d0
    -device virtio-rng-pci)
  run_boot_test
}

# ------------------------------------------------------------------------------------------- vm (boot)
write_seed_yaml() {
  cat <<YAML
hostname: mfa-test
admin:
  user: mfaadmin
  ssh_authorized_keys:
    - $(cat "$T/id_ed25519.pub")
time_sync_wait: auto
proxy:
  listen:
    - address: 0.0.0.0
      auth_port: 1812
  data_dir: /var/lib/mfa-radius-proxy
  directory:
    type: local
  clients:
    - name: qemu-host
      address: 10.0.2.2
      secret: $RADIUS_SECRET
      require_message_authenticator: true
      mfa_mode: auto
YAML
}

inject_report() { # inject_report "image?offset=N" TARGET: the test-only report unit, written into the scratch copy
  local fs=$1
  echo "REPORT_DEV=$(report_guest_dev "$2")" >"$T/mfa-test-report.env"
  debugfs -w -f - "$fs" >/dev/null 2>"$T/debugfs.log" <<CMDS
cd /etc
write $T/mfa-test-report.env mfa-test-report.env
set_inode_field mfa-test-report.env mode 0100644
cd /usr/local/sbin
write $APPLIANCE_DIR/guest-test/mfa-test-report mfa-test-report
set_inode_field mfa-test-report mode 0100755
cd /etc/systemd/system
write $APPLIANCE_DIR/guest-test/mfa-test-report.service mfa-test-report.service
set_inode_field mfa-test-report.service mode 0100644
cd /etc/systemd/system/multi-user.target.wants
symlink mfa-test-report.service /etc/systemd/system/mfa-test-report.service
CMDS
}

test_vm() {
  local raw=${IMAGE:-$(latest 'mfa-radius-proxy-*-vm-amd64.raw')}
  [ -n "$raw" ] && [ -f "$raw" ] || die "no VM image: run appliance/build.sh --target vm"
  log "boot test of $raw"
  # Scratch copy: the shipped image is never modified. 1 GiB bigger to exercise growroot.
  cp --sparse=always "$raw" "$T/disk.raw"
  inject_report "$T/disk.raw?offset=$(part_offset "$T/disk.raw" 2)" vm
  qemu-img resize -q -f raw "$T/disk.raw" +1G
  # Seed drive, as an admin would attach it (FAT, label MFASEED).
  write_seed_yaml >"$T/appliance.yaml"
  mkfs.vfat -C -n MFASEED "$T/seed.img" 2048 >/dev/null
  mcopy -i "$T/seed.img" "$T/appliance.yaml" ::/appliance.yaml
  if [ "$LYNIS" = 1 ]; then echo yes >"$T/run-lynis" && mcopy -i "$T/seed.img" "$T/run-lynis" ::/run-lynis; fi
  cp /usr/share/OVMF/OVMF_VARS_4M.fd "$T/vars.fd"
  QEMU_CMD=(qemu-system-x86_64 -machine q35 -cpu max -smp 2 -m 1024
    -drive if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd
    -drive "if=pflash,format=raw,unit=1,file=$T/vars.fd"
    -drive "file=$T/disk.raw,if=virtio,format=raw"
    -drive "file=$T/seed.img,if=virtio,format=raw,readonly=on"
    -device virtio-rng-pci -rtc base=utc)
  run_boot_test
}

# Shared by both boots: runs QEMU_CMD in a private network namespace and checks the guest.
run_boot_test() {
  export RADIUS_SECRET TIMEOUT QEMU_LYNIS=$LYNIS REPORT_TARGET=$TARGET
  printf '%q ' "${QEMU_CMD[@]}" >"$T/qemu-cmd"
  # Everything network-related happens inside the namespace (re-entering this script with --inner).
  cp "$0" "$T/test.sh" && cp -r "$APPLIANCE_DIR/lib" "$T/lib"
  unshare -n -- bash "$T/test.sh" --inner "$T" || true
  [ -f "$T/inner-results.txt" ] && mapfile -t -O "${#results[@]}" results <"$T/inner-results.txt"
  failed=$(printf '%s\n' "${results[@]}" | grep -c '^not ok' || true)
}

inner() {
  ip link set lo up
  local radius_port ssh_port probe_port qemu_pid t0 answered='' line
  read -r radius_port ssh_port probe_port < <(node -e '
    const net=require("net"),dgram=require("dgram");
    const u=()=>new Promise(r=>{const s=dgram.createSocket("udp4");s.bind(0,"127.0.0.1",()=>{const p=s.address().port;s.close();r(p)})});
    const t=()=>new Promise(r=>{const s=net.createServer();s.listen(0,"127.0.0.1",()=>{const p=s.address().port;s.close(()=>r(p))})});
    (async()=>console.log(await u(), await t(), await u()))()')
  local -a qemu
  eval "qemu=($(cat "$T/qemu-cmd"))"
  qemu+=(-netdev "user,id=n0,hostfwd=udp:127.0.0.1:$radius_port-:1812,hostfwd=tcp:127.0.0.1:$ssh_port-:22,hostfwd=udp:127.0.0.1:$probe_port-:9999")
  qemu+=(-device virtio-net-pci,netdev=n0 -serial "file:$T/console.log")
  mapfile -t -O "${#qemu[@]}" qemu < <(report_qemu_args "$REPORT_TARGET" "$T/report.log")
  qemu+=(-display none -monitor none -pidfile "$T/qemu.pid" -daemonize)
  res=()
  ok() { res+=("ok - $*"); log "ok - $*"; }
  nok() { res+=("not ok - $*"); log "not ok - $*"; }
  trap '[ -f "$T/qemu.pid" ] && kill "$(cat "$T/qemu.pid")" 2>/dev/null; printf "%s\n" "${res[@]}" >"$T/inner-results.txt"' EXIT
  t0=$(date +%s)
  "${qemu[@]}"
  log "QEMU started (pid $(cat "$T/qemu.pid")), RADIUS on 127.0.0.1:$radius_port, SSH on 127.0.0.1:$ssh_port"

  # 1. Poll with a real Access-Request (with Message-Authenticator) until the proxy answers (bounded).
  radius_probe() {
    printf 'User-Name = "nobody-%s"\nUser-Password = "wrong"\nMessage-Authenticator = 0x00\n' "$1" |
      timeout 20 radclient -r 1 -t 15 -x "127.0.0.1:$radius_port" auth "$RADIUS_SECRET" 2>&1 || true
  }
  while [ $(($(date +%s) - t0)) -lt "$TIMEOUT" ]; do
    out=$(radius_probe poll)
    if grep -Eq 'Received Access-(Accept|Reject|Challenge)' <<<"$out"; then answered=$(($(date +%s) - t0)); break; fi
    kill -0 "$(cat "$T/qemu.pid")" 2>/dev/null || { log "QEMU died"; break; }
    grep -q '=== REPORT END' "$T/report.log" 2>/dev/null && break
    sleep 5
  done
  if [ -n "$answered" ]; then
    ok "proxy answered an Access-Request through the forwarded port after ${answered} s (boot-to-serving)"
    echo "boot_to_serving_seconds=$answered" >"$T/timing"
    grep -E 'Received|Message-Authenticator|Reply-Message' <<<"$out" | sed 's/^/#   /' | head -5 >&2
  else
    nok "proxy answered an Access-Request within ${TIMEOUT} s"
  fi

  # 2. SSH: the seed's key logs in and has sudo; passwords are refused.
  local sshopt=(-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=20 -p "$ssh_port")
  if timeout 120 ssh "${sshopt[@]}" -i "$T/id_ed25519" mfaadmin@127.0.0.1 'sudo -n true && echo SSH-SUDO-OK' 2>"$T/ssh.err" | grep -q SSH-SUDO-OK; then
    ok "SSH login with the seed's key, sudo works"
  else
    nok "SSH login with the seed's key ($(tail -1 "$T/ssh.err"))"
  fi
  # 2b. Operations on the box: the CLI on the PATH (runs as the service user) and a backup of config + data.
  out=$(timeout 300 ssh "${sshopt[@]}" -i "$T/id_ed25519" mfaadmin@127.0.0.1 \
    'sudo mfa-radius-proxy user list >/dev/null && echo CLI-OK; sudo systemctl reload mfa-radius-proxy.service && systemctl is-active mfa-radius-proxy.service >/dev/null && echo RELOAD-OK; sudo mfa-backup -o /var/tmp/t.tar.gz >/dev/null && sudo tar -tzf /var/tmp/t.tar.gz' 2>&1 || true)
  grep -q CLI-OK <<<"$out" && ok "CLI on the PATH works over SSH (sudo mfa-radius-proxy user list)" ||
    nok "CLI on the PATH: $(grep -v '^ *$' <<<"$out" | tail -2 | tr '\n' ' ')"
  grep -q RELOAD-OK <<<"$out" && ok "systemctl reload mfa-radius-proxy (SIGHUP) keeps it active" ||
    nok "systemctl reload mfa-radius-proxy: $(grep -v '^ *$' <<<"$out" | tail -2 | tr '\n' ' ')"
  grep -q 'config/config.yaml' <<<"$out" && grep -q '^data/' <<<"$out" && ok "mfa-backup archives config and data" ||
    nok "mfa-backup: $( (grep -m1 -E 'Error|denied|mfa-backup' <<<"$out" || tail -1 <<<"$out") | tr '\n' ' ')"
  out=$(timeout 60 ssh "${sshopt[@]}" -o PreferredAuthentications=password,keyboard-interactive -o PubkeyAuthentication=no root@127.0.0.1 true 2>&1 || true)
  if grep -q 'Permission denied (publickey)' <<<"$out"; then ok "SSH offers no password login (Permission denied (publickey))"
  else nok "SSH refuses passwords: got '$(tail -1 <<<"$out")'"; fi

  # 3. Guest report (its own port, lib/report-port.sh): bounded wait for its end marker.
  local limit=$((TIMEOUT + 300)); [ "$QEMU_LYNIS" = 1 ] && limit=$((limit + 3600))
  while ! grep -q 'listening 9999' "$T/report.log" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$limit" ]; do sleep 5; done
  # 4. Negative probe: a UDP listener exists on 9999 in the guest, but the firewall must drop the packets.
  out=$(printf 'ping' | timeout 6 node -e '
    const s=require("dgram").createSocket("udp4"); let got="";
    s.on("message",m=>{got=String(m)}); s.send("ping",+process.argv[1],"127.0.0.1");
    setTimeout(()=>{console.log(got||"no-answer");process.exit(0)},5000)' "$probe_port" 2>&1 || true)
  if [ "$out" = no-answer ]; then ok "firewall drops UDP to a port that has a listener but is not allowed (9999)"
  else nok "firewall should drop UDP 9999, got '$out'"; fi
  while ! grep -q '=== REPORT END' "$T/report.log" 2>/dev/null && [ $(($(date +%s) - t0)) -lt "$limit" ]; do
    kill -0 "$(cat "$T/qemu.pid")" 2>/dev/null || break
    sleep 10
  done
  grep -q '=== REPORT END' "$T/report.log" 2>/dev/null && ok "guest report complete" || nok "guest report complete"
  check_report
}

# Section of the guest report.
section() { tr -d '\r' <"$T/report.log" 2>/dev/null | awk -v s="=== $1" '$0 == s { on = 1; next } /^=== / { on = 0 } on' || true; }
# reported NAME WHAT: true when section NAME is in the report and closed by a later "=== " line; otherwise the
# check WHAT fails. A report cut short (the Pi's getty took its console after "=== REPORT BEGIN") must not pass
# as "nothing listens" or "no failed units". awk reads to the end: an early exit would make tr die of SIGPIPE on
# a long report, and pipefail would turn that into a missing section.
reported() {
  tr -d '\r' <"$T/report.log" 2>/dev/null | awk -v s="=== $1" '$0 == s { on = 1; next } on && /^=== / { done = 1; on = 0 } END { exit !done }' &&
    return 0
  nok "$2 (no complete '$1' section in the guest report)"
  return 1
}

check_report() {
  local listeners sec locked total unexpected
  if reported ss-lntup "listeners"; then
    listeners=$(section ss-lntup | awk '{ print $1, $5 }' | sort -u)
    printf '%s\n' "$listeners" | sed 's/^/#   listening: /' >&2
    # Allowed: RADIUS (udp 1812), SSH (tcp 22), the proxy's HTTPS portal (tcp 8443) and admin surface (tcp 8444)
    # that the seed renders; DHCP client (udp 68) only. Loopback-only chronyd socket is off.
    unexpected=$(printf '%s\n' "$listeners" | grep -v -E '^(udp .*:1812|tcp .*:22|tcp .*:8443|tcp .*:8444|udp .*:68|udp .*:546)$' | grep -v '^$' || true)
    if ! grep -Eq '^udp .*:1812$' <<<"$listeners"; then nok "the proxy listens on 1812/udp (not in ss -lntup)"
    elif ! grep -Eq '^tcp .*:8443$' <<<"$listeners" || ! grep -Eq '^tcp .*:8444$' <<<"$listeners"; then
      nok "the proxy listens on 8443/tcp (portal) and 8444/tcp (admin) from the seed's default http: section (not in ss -lntup)"
    elif [ -n "$unexpected" ]; then nok "unexpected listeners: $(echo $unexpected)"
    else ok "nothing listens but RADIUS 1812/udp, SSH 22/tcp, HTTPS 8443/tcp and 8444/tcp (and the DHCP client)"; fi
  fi
  if reported security-proxy "systemd-analyze security mfa-radius-proxy.service"; then
    sec=$(section security-proxy | grep -Eo '[0-9]+\.[0-9]+' | head -1 || true)
    echo "systemd_analyze_security=$sec" >>"$T/timing"
    awk -v s="${sec:-99}" 'BEGIN { exit !(s <= 2.5) }' && ok "systemd-analyze security mfa-radius-proxy.service = $sec (<= 2.5)" ||
      nok "systemd-analyze security mfa-radius-proxy.service = ${sec:-?} (want <= 2.5)"
  fi
  if reported accounts "accounts locked"; then
    total=$(section accounts | grep -c . || true); locked=$(section accounts | awk '$2 == "L"' | grep -c . || true)
    [ "$total" -gt 0 ] && [ "$total" = "$locked" ] && ok "all $total accounts locked (no passwords)" || nok "accounts locked: $locked/$total"
  fi
  if reported failed-units "no failed units"; then
    section failed-units | grep -q . && nok "failed units: $(section failed-units | awk '{print $1}' | paste -sd' ')" || ok "no failed units"
  fi
  if reported machine-id "machine-id generated"; then
    [ "$(section machine-id)" != uninitialized ] && [ -n "$(section machine-id)" ] && ok "machine-id generated on first boot" || nok "machine-id generated"
  fi
  if reported ssh-host-keys "SSH host keys generated"; then
    section ssh-host-keys | grep -q ssh_host_ed25519_key && ok "SSH host keys generated on first boot" || nok "SSH host keys generated"
  fi
  if reported config-perms "config.yaml permissions"; then
    section config-perms | grep -q '^640 root:mfa-radius-proxy /etc/mfa-radius-proxy/config.yaml' && ok "config.yaml 0640 root:mfa-radius-proxy" || nok "config.yaml permissions: $(section config-perms | tail -1)"
  fi
  if reported nft "nftables ruleset"; then
    section nft | grep -q 'policy drop' && section nft | grep -q '10.0.2.2' && ok "nftables default-deny with the seed's RADIUS client" || nok "nftables ruleset"
  fi
  if reported apparmor "AppArmor enabled"; then
    section apparmor | head -1 | grep -q Y && ok "AppArmor enabled" || nok "AppArmor enabled"
  fi
  if reported compilers "no compilers"; then
    section compilers | grep -qx none && ok "no compilers in the running system" || nok "compilers present: $(section compilers | paste -sd' ')"
  fi
  if reported tmp "/tmp options"; then
    section tmp | grep -q noexec && ok "/tmp is noexec,nosuid,nodev" || nok "/tmp options: $(section tmp)"
  fi
  # growroot: the disk was made 1 GiB bigger than the image
  if reported growroot "growroot"; then
    section growroot | grep -q 'growing' && ok "root partition grown to the enlarged disk" || nok "growroot did not run"
  fi
  if [ "$QEMU_LYNIS" = 1 ]; then
    local idx; idx=$(section lynis | sed -n 's/^hardening_index=//p')
    echo "lynis_hardening_index=$idx" >>"$T/timing"
    section lynis | grep -c '^warning\[\]=' | sed 's/^/# lynis warnings: /' >&2
    [ -n "$idx" ] && [ "$idx" -ge 75 ] && ok "lynis hardening index $idx (>= 75)" || nok "lynis hardening index ${idx:-?} (want >= 75)"
  fi
}

# ------------------------------------------------------------------------------------------- main
if [ "$INNER" = 1 ]; then
  inner
  exit 0
elif [ "$INNER" = 2 ]; then # re-check a saved guest report (debugging): test.sh --check-report WORKDIR [--lynis]
  res=(); ok() { res+=("ok - $*"); log "ok - $*"; }; nok() { res+=("not ok - $*"); log "not ok - $*"; }
  QEMU_LYNIS=$LYNIS check_report
  printf '%s\n' "${res[@]}"
  ! printf '%s\n' "${res[@]}" | grep -q '^not ok'
  exit
fi
need_root "the boot test (unshare -n, debugfs on image copies)"
started=$(date +%s)
pkgs=(qemu-img=qemu-utils sfdisk=fdisk mcopy=mtools mkfs.vfat=dosfstools debugfs=e2fsprogs radclient=freeradius-utils
  ssh=openssh-client unshare=util-linux xz=xz-utils)
case $TARGET in
  vm) pkgs+=(qemu-system-x86_64=qemu-system-x86 /usr/share/OVMF/OVMF_CODE_4M.fd=ovmf) ;;
  rpi) pkgs+=(qemu-system-aarch64=qemu-system-arm) ;;
  *) die "unknown target $TARGET" ;;
esac
ensure_host_pkgs "${pkgs[@]}"
mkdir -p "$WORK_DIR"
T=$(mktemp -d "$WORK_DIR/test-$TARGET.XXXXXX")
RADIUS_SECRET="test-$(od -An -tx1 -N12 /dev/urandom | tr -d ' \n')"
ssh-keygen -q -t ed25519 -N '' -C appliance-test -f "$T/id_ed25519"
log "work dir: $T"
case $TARGET in
  vm) test_vm; summary ;;
  rpi) test_rpi ;;
esac
echo "test_duration_seconds=$(( $(date +%s) - started ))" >>"$T/timing"
cat "$T/timing"
[ "$failed" -eq 0 ]

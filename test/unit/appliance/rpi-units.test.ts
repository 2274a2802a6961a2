// Units of the Raspberry Pi image that the boot test found failing (issue 9, item 19), checked statically.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const APPLIANCE = join(import.meta.dirname, '../../../appliance');

describe('appliance rpi units', () => {
  it('chrony-wait.service is masked: it asks chronyc over UDP 127.0.0.1, and chrony has cmdport 0', () => {
    // chrony-wait runs `chronyc -h 127.0.0.1,::1 waitsync` as a DynamicUser: with no UDP command port it can
    // only time out (180 s) and leave a failed unit. mfa-time-wait waits through the root-only socket instead.
    const chrony = readFileSync(join(APPLIANCE, 'rootfs/etc/chrony/conf.d/50-appliance.conf'), 'utf8');
    expect(chrony).toMatch(/^cmdport 0$/m);
    expect(readFileSync(join(APPLIANCE, 'hooks/configure.sh'), 'utf8')).toMatch(
      /if \[ "\$T" = rpi \]; then in_root systemctl mask chrony-wait\.service; fi/,
    );
    expect(readFileSync(join(APPLIANCE, 'rootfs/usr/local/sbin/mfa-time-wait'), 'utf8')).toMatch(
      /chronyc -n waitsync/,
    );
  });
});

import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import { syslogSectionSchema } from '../../../src/config/syslog-section.js';
import { createAppLogger } from '../../../src/observability/syslog-wiring.js';
import { systemClock, systemTimers } from '../../../src/shared/clock.js';

describe('createAppLogger: syslog as a second pino destination with its own level', () => {
  it('lines at syslog.min_level reach the server even when log.level is higher; lower ones do not', async () => {
    const sock = createSocket('udp4');
    const got: string[] = [];
    sock.on('message', (m) => got.push(m.toString()));
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const syslog = syslogSectionSchema.parse({
      host: '127.0.0.1',
      port: sock.address().port,
      min_level: 'info',
      hostname: 'h1',
      utf8_bom: false,
    });
    const { log, syslog: dest } = createAppLogger({
      level: 'warn',
      syslog,
      configFile: '/etc/x.yaml',
      clock: systemClock,
      timers: systemTimers,
    });
    expect(log.level).toBe('info');
    log.debug({ event: 'too_low' }, 'debug line');
    log.info({ event: 'auth', user: 'alice', password: 'hunter2' }, 'auth accept');
    const deadline = Date.now() + 5000;
    while (!got.some((m) => m.includes('"event":"auth"')) && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 20));
    await dest!.close();
    sock.close();
    const auth = got.find((m) => m.includes('"event":"auth"'))!;
    expect(auth).toMatch(/^<38>1 \S+ h1 mfa-radius-proxy \d+ auth \[meta sequenceId="\d+"\] \{/);
    // The redaction applies to both destinations: the line is formatted once.
    expect(auth).toContain('"password":"[redacted]"');
    expect(auth).not.toContain('hunter2');
    expect(got.some((m) => m.includes('too_low'))).toBe(false);
  });

  it('an unreadable TLS file is a config error naming the key', () => {
    const syslog = syslogSectionSchema.parse({
      host: '127.0.0.1',
      transport: 'tls',
      tls: { ca_file: '/nonexistent/ca.pem' },
    });
    expect(() =>
      createAppLogger({
        level: 'info',
        syslog,
        configFile: '/etc/x.yaml',
        clock: systemClock,
        timers: systemTimers,
      }),
    ).toThrow(/^\/etc\/x\.yaml: syslog\.tls\.ca_file: \/nonexistent\/ca\.pem cannot be read \(ENOENT\)/);
  });
});

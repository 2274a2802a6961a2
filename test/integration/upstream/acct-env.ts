import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { type RunningApp, startApp } from '../../../src/app.js';
import { parseConfig } from '../../../src/config/load.js';
import { createLogger } from '../../../src/observability/logger.js';
import { freeUdpPort } from '../../helpers/ports.js';
import { runRadclient } from '../../helpers/radclient.js';
import { logFile, registerSensitive } from '../../helpers/sensitive.js';

export interface AcctProxy {
  readonly app: RunningApp;
  readonly acctServer: string;
  readonly secret: string;
  readonly dataDir: string;
  readonly logs: Array<Record<string, unknown>>;
  stop(): Promise<void>;
}

/** The app in-process with an accounting port as well (real clock: accounting has no TOTP windows). */
export async function startAcctProxy(directoryYaml: string[]): Promise<AcctProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'mfa-acct-'));
  const [authPort, acctPort] = [await freeUdpPort(), await freeUdpPort()];
  const secret = `acct-${Math.random().toString(36).slice(2)}`;
  registerSensitive(secret);
  const dataDir = join(dir, 'data');
  const text = [
    'listen:',
    '  - address: 127.0.0.1',
    `    auth_port: ${authPort}`,
    `    acct_port: ${acctPort}`,
    `data_dir: ${dataDir}`,
    'clients:',
    '  - name: vpn',
    '    address: 127.0.0.1',
    `    secret: ${JSON.stringify(secret)}`,
    '    nas_timeout: 3',
    ...directoryYaml,
    '',
  ].join('\n');
  const loaded = parseConfig({ file: join(dir, 'config.yaml'), text });
  const logs: Array<Record<string, unknown>> = [];
  const file = createWriteStream(logFile('acct'));
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      file.write(chunk);
      for (const line of chunk.toString().split('\n'))
        if (line) logs.push(JSON.parse(line) as Record<string, unknown>);
      cb();
    },
  });
  const app = await startApp({ loaded, log: createLogger({ level: 'debug', destination }) });
  return {
    app,
    acctServer: `127.0.0.1:${acctPort}`,
    secret,
    dataDir,
    logs,
    async stop() {
      await app.stop();
      file.end();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface AcctReply {
  readonly code: 'Accounting-Response' | 'timeout';
  readonly proxyStates: string[];
}

/** radclient as the gateway's accounting client. `attrs` are radclient's "Name = value" lines. */
export async function radAcct(
  server: string,
  secret: string,
  attrs: string[],
  timeoutSec = 2,
): Promise<AcctReply> {
  // A list, not radclient()'s record: accounting tests send several Proxy-State attributes.
  const out = await runRadclient(
    ['-x', '-t', String(timeoutSec), '-r', '1', server, 'acct', secret],
    attrs.join(', '),
  );
  const received = out.indexOf('Received Accounting-Response');
  if (received < 0) return { code: 'timeout', proxyStates: [] };
  const proxyStates = [...out.slice(received).matchAll(/^\s+Proxy-State = (\S+)$/gm)].map((m) => m[1]!);
  return { code: 'Accounting-Response', proxyStates };
}

/** One session's Start, Interim-Update and Stop, as a VPN gateway sends them. */
export function sessionPackets(
  sessionId: string,
  user: string,
): { start: string[]; interim: string[]; stop: string[] } {
  const common = [
    `User-Name = "${user}"`,
    `Acct-Session-Id = "${sessionId}"`,
    'NAS-IP-Address = 10.1.0.5',
    'Framed-IP-Address = 172.16.0.9',
    'Calling-Station-Id = "198.51.100.7"',
  ];
  return {
    start: ['Acct-Status-Type = Start', ...common],
    interim: [
      'Acct-Status-Type = Interim-Update',
      ...common,
      'Acct-Session-Time = 60',
      'Acct-Input-Octets = 1000',
      'Acct-Output-Octets = 2000',
    ],
    stop: [
      'Acct-Status-Type = Stop',
      ...common,
      'Acct-Session-Time = 120',
      'Acct-Input-Octets = 5000',
      'Acct-Output-Octets = 9000',
      'Acct-Terminate-Cause = User-Request',
    ],
  };
}

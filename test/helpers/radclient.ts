import { spawn } from 'node:child_process';
import { registerSensitive } from './sensitive.js';

export interface RadclientReply {
  /** 'Access-Accept' | 'Access-Reject' | 'Access-Challenge' | 'timeout' */
  readonly code: string;
  readonly attributes: Record<string, string[]>;
  readonly state?: Buffer;
  readonly raw: string;
}

/**
 * radclient (freeradius-utils) as the gateway. `attrs` are radclient's `Name = value` pairs;
 * a Message-Authenticator is added unless `messageAuthenticator: false`.
 */
export async function radclient(opts: {
  server: string;
  secret: string;
  attrs: Record<string, string>;
  command?: 'auth' | 'status';
  messageAuthenticator?: boolean;
  timeoutSec?: number;
  retries?: number;
}): Promise<RadclientReply> {
  const attrs = { ...opts.attrs };
  if (opts.messageAuthenticator !== false) attrs['Message-Authenticator'] = '0x00';
  registerSensitive(opts.secret, attrs['User-Password']?.replace(/^"|"$/g, ''));
  const input = Object.entries(attrs)
    .map(([k, v]) => `${k} = ${v}`)
    .join(', ');
  const args = [
    '-x',
    '-t',
    String(opts.timeoutSec ?? 2),
    '-r',
    String(opts.retries ?? 1),
    opts.server,
    opts.command ?? 'auth',
    opts.secret,
  ];
  const out = await runRadclient(args, input);
  const received = /Received (Access-\w+|Accounting-Response)/.exec(out);
  const attributes: Record<string, string[]> = {};
  if (received) {
    const after = out.slice(received.index);
    for (const m of after.matchAll(/^\s+([A-Za-z][\w.-]*) = (.*)$/gm)) {
      const name = m[1]!;
      const value = m[2]!.trim().replace(/^"(.*)"$/, '$1');
      const list = attributes[name] ?? [];
      list.push(value);
      attributes[name] = list;
    }
  }
  const stateHex = attributes.State?.[0];
  const state = stateHex?.startsWith('0x') ? Buffer.from(stateHex.slice(2), 'hex') : undefined;
  if (state) registerSensitive(state, stateHex);
  return { code: received ? received[1]! : 'timeout', attributes, state, raw: out };
}

/** Runs radclient with `args`, one request line on stdin; resolves with stdout and stderr together. */
export async function runRadclient(args: readonly string[], input: string): Promise<string> {
  const child = spawn('radclient', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.stdin.end(`${input}\n`);
  let out = '';
  child.stdout.on('data', (d: Buffer) => {
    out += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    out += d.toString();
  });
  await new Promise<void>((resolve) => child.on('close', () => resolve()));
  return out;
}

export const quote = (s: string): string => `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

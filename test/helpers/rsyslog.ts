import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { logFile } from './sensitive.js';

/**
 * A real rsyslogd (Debian's rsyslog + rsyslog-gnutls), started on loopback with a config of the
 * test's own: imudp, imtcp and imtcp over gtls (RFC 5425), every message written to one file, one
 * line per message with its RFC 5424 fields separated by tabs. The file lives in the run's log
 * directory, so the global log audit checks it for passwords and codes too.
 */

export interface ReceivedMessage {
  readonly input: string;
  readonly pri: number;
  readonly timestamp: string;
  readonly hostname: string;
  readonly appName: string;
  readonly procId: string;
  readonly msgId: string;
  readonly structuredData: string;
  /** MSG with a leading BOM removed (rsyslog keeps it in %msg%). */
  readonly msg: string;
  readonly hadBom: boolean;
}

export interface RsyslogOptions {
  readonly dir: string;
  readonly udpPort?: number;
  readonly tcpPort?: number;
  /** TLS input: the server's certificate, and whether a client certificate is required. */
  readonly tls?: {
    readonly port: number;
    readonly caFile: string;
    readonly certFile: string;
    readonly keyFile: string;
    readonly requireClientCert: boolean;
  };
}

export class RsyslogHandle {
  private constructor(
    private readonly child: ChildProcess,
    readonly outFile: string,
    readonly exited: Promise<number>,
  ) {}

  static async start(o: RsyslogOptions, tag = 'rsyslog'): Promise<RsyslogHandle> {
    const outFile = logFile(tag);
    writeFileSync(outFile, '');
    const conf = join(o.dir, `${tag}.conf`);
    const t = o.tls;
    writeFileSync(
      conf,
      [
        `global(workDirectory="${o.dir}" maxMessageSize="64k"${
          t
            ? ` DefaultNetstreamDriverCAFile="${t.caFile}" DefaultNetstreamDriverCertFile="${t.certFile}" DefaultNetstreamDriverKeyFile="${t.keyFile}"`
            : ''
        })`,
        ...(o.udpPort
          ? ['module(load="imudp")', `input(type="imudp" address="127.0.0.1" port="${o.udpPort}" name="udp")`]
          : []),
        ...(o.tcpPort || t ? ['module(load="imtcp" maxSessions="50")'] : []),
        ...(o.tcpPort ? [`input(type="imtcp" address="127.0.0.1" port="${o.tcpPort}" name="tcp")`] : []),
        ...(t
          ? [
              `input(type="imtcp" address="127.0.0.1" port="${t.port}" name="tls" streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="${t.requireClientCert ? 'x509/certvalid' : 'anon'}")`,
            ]
          : []),
        'template(name="fields" type="string" string="%inputname%\\t%pri%\\t%timereported:::date-rfc3339%\\t%hostname%\\t%app-name%\\t%procid%\\t%msgid%\\t%structured-data%\\t%msg%\\n")',
        `action(type="omfile" file="${outFile}" template="fields")`,
        '',
      ].join('\n'),
    );
    const pid = join(o.dir, `${tag}.pid`);
    const child = spawn('rsyslogd', ['-n', '-f', conf, '-i', pid], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    child.stderr!.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
    const h = new RsyslogHandle(child, outFile, exited);
    // Ready when its TCP inputs accept connections (UDP only: when the pid file is written).
    const deadline = Date.now() + 10_000;
    const ports = [o.tcpPort, t?.port].filter((p): p is number => p !== undefined);
    for (;;) {
      if (child.exitCode !== null) throw new Error(`rsyslogd exited (${child.exitCode}): ${out}`);
      const ready = existsSync(pid) && (await Promise.all(ports.map((p) => canConnect(p)))).every(Boolean);
      if (ready) return h;
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`rsyslogd did not come up: ${out}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  messages(): ReceivedMessage[] {
    return readFileSync(this.outFile, 'utf8')
      .split('\n')
      .filter((l) => l !== '')
      .map((l) => {
        const [input, pri, timestamp, hostname, appName, procId, msgId, sd, ...rest] = l.split('\t');
        const raw = rest.join('\t');
        const hadBom = raw.startsWith('\u{feff}');
        return {
          input: input!,
          pri: Number(pri),
          timestamp: timestamp!,
          hostname: hostname!,
          appName: appName!,
          procId: procId!,
          msgId: msgId!,
          structuredData: sd!,
          msg: hadBom ? raw.slice(1) : raw,
          hadBom,
        };
      });
  }

  /** The messages whose MSG is a JSON line, parsed. */
  events(): Array<ReceivedMessage & { readonly json: Record<string, unknown> }> {
    return this.messages().flatMap((m) => {
      try {
        return [{ ...m, json: JSON.parse(m.msg) as Record<string, unknown> }];
      } catch {
        return [];
      }
    });
  }

  /** Polls the output file until pred holds (rsyslog writes asynchronously). */
  async waitFor(
    pred: (e: ReturnType<RsyslogHandle['events']>[number]) => boolean,
    timeoutMs = 15_000,
  ): Promise<ReturnType<RsyslogHandle['events']>[number]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events().find(pred);
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(
          `rsyslog received no matching message; got: ${this.messages()
            .slice(-3)
            .map((m) => m.msg)
            .join('\n')}`,
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      this.child.kill('SIGTERM');
      await this.exited;
    }
  }
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}


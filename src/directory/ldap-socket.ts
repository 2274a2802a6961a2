import { isIP, type Socket, connect as netConnect } from 'node:net';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';

/** TLS settings shared by ldaps:// and StartTLS. */
export interface LdapTlsOptions {
  readonly ca?: Buffer;
  /** RFC 4513 §3.1.3: check the chain and the server's name. */
  readonly rejectUnauthorized: boolean;
  /** Name to check (and send as SNI) instead of the URL's host. */
  readonly serverName?: string;
}

export interface LdapEndpoint {
  readonly url: string;
  readonly host: string;
  readonly port: number;
  readonly secure: boolean;
}

/** `ldap://host[:port]` / `ldaps://host[:port]`; RFC 4516 default ports 389 and 636. */
export function parseLdapUrl(url: string): LdapEndpoint {
  const u = new URL(url);
  const secure = u.protocol === 'ldaps:';
  if (!secure && u.protocol !== 'ldap:') throw new Error(`not an LDAP URL: ${url}`);
  const host = u.hostname.startsWith('[') ? u.hostname.slice(1, -1) : u.hostname || 'localhost';
  return { url, host, port: u.port ? Number(u.port) : secure ? 636 : 389, secure };
}

/** Options for tls.connect, whether dialling ldaps:// or upgrading with StartTLS. */
export function tlsConnectOptions(endpoint: LdapEndpoint, tls: LdapTlsOptions): ConnectionOptions {
  // RFC 6066 §3: SNI carries host names only, never IP literals; Node checks `servername ?? host`.
  const name = tls.serverName ?? (isIP(endpoint.host) === 0 ? endpoint.host : undefined);
  return {
    host: endpoint.host,
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: tls.ca } : {}),
    ...(name !== undefined ? { servername: name } : {}),
  };
}

/**
 * Opens the TCP (or TLS, for ldaps://) connection ourselves, with a deadline, so that a dead
 * server is detected before any LDAP message is written: failover to the next server is then
 * always safe, even for a user bind.
 */
export function openSocket(endpoint: LdapEndpoint, tls: LdapTlsOptions, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket: Socket = endpoint.secure
      ? tlsConnect({ ...tlsConnectOptions(endpoint, tls), port: endpoint.port })
      : netConnect({ host: endpoint.host, port: endpoint.port });
    const fail = (e: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(e);
    };
    const timer = setTimeout(() => fail(new Error(`connect timeout after ${timeoutMs} ms`)), timeoutMs);
    socket.once('error', fail);
    socket.once(endpoint.secure ? 'secureConnect' : 'connect', () => {
      clearTimeout(timer);
      socket.removeListener('error', fail);
      // Until ldapts attaches its own handler, an error must not crash the process.
      socket.on('error', () => {});
      resolve(socket);
    });
  });
}

/** Rejects after `ms` and runs `onTimeout` (which must tear the connection down). */
export async function withTimeout<T>(
  p: Promise<T>,
  ms: number,
  what: string,
  onTimeout: () => void,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      onTimeout();
      reject(new Error(`${what} timed out after ${ms} ms`));
    }, ms);
  });
  try {
    return await Promise.race([p, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

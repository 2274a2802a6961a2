import { performance } from 'node:perf_hooks';
import { rawTlv } from '../radius/attributes.js';
import { Attr, PacketCode } from '../radius/codes.js';
import type { Rng } from '../shared/clock.js';
import { FailoverPool } from './failover.js';
import { ServerHealth, type UpstreamLogger } from './health.js';
import type { OutgoingRequest } from './outgoing-request.js';
import type { RadiusDirectoryConfig, UpstreamServerConfig } from './radius-schema.js';
import {
  ALWAYS_SIGNED,
  processSignedServers,
  ReplySigning,
  type SignedServers,
  signingKey,
} from './reply-signing.js';
import { Transport } from './transport.js';
import type { UpstreamCounters } from './upstream-counters.js';

export interface PoolDeps {
  readonly counters: UpstreamCounters;
  readonly rng: Rng;
  readonly log?: UpstreamLogger;
  /** Which servers have signed a reply (require_message_authenticator: auto); default the process's. */
  readonly signed?: SignedServers;
}

/** At most one `upstream_unsigned_reply` warning per server per minute. */
const REFUSED_LOG_INTERVAL_MS = 60_000;

/**
 * The signing policy of one server's authentication port, with its log lines: a loud warning now
 * when replies need not be signed (BlastRADIUS: an unsigned Access-Accept can be forged), an info
 * line when `auto` starts requiring it, and a rate-limited warning when unsigned answers are refused.
 */
function signingFor(s: UpstreamServerConfig, label: string, deps: PoolDeps): ReplySigning {
  const mode = s.require_message_authenticator;
  const log = deps.log;
  if (mode !== true) {
    log?.warn(
      { event: 'upstream_ma_not_required', server: label, require_message_authenticator: mode },
      mode === 'auto'
        ? `upstream ${label}: unsigned replies accepted until it sends a Message-Authenticator (BlastRADIUS, CVE-2024-3596); make it sign its replies and set require_message_authenticator: true`
        : `upstream ${label}: replies without Message-Authenticator are accepted (BlastRADIUS, CVE-2024-3596); make it sign its replies and set require_message_authenticator: true`,
    );
  }
  let lastRefusedLog = Number.NEGATIVE_INFINITY;
  return new ReplySigning(
    mode,
    signingKey(s.address, s.auth_port, Buffer.from(s.secret, 'utf8')),
    deps.signed ?? processSignedServers,
    {
      learned: () =>
        log?.info(
          { event: 'upstream_ma_learned', server: label },
          `upstream ${label} signs its replies: Message-Authenticator required from now on`,
        ),
      refused: () => {
        const now = performance.now();
        if (now - lastRefusedLog < REFUSED_LOG_INTERVAL_MS) return;
        lastRefusedLog = now;
        log?.warn(
          { event: 'upstream_unsigned_reply', server: label, require_message_authenticator: mode },
          `upstream ${label} answered without Message-Authenticator: refused (see README, Upstream RADIUS)`,
        );
      },
    },
  );
}

/**
 * The probe a dead server gets. Status-Server (RFC 5997 §3) carries only a Message-Authenticator
 * and the NAS-Identifier. The Access-Request probe (for NPS, which has no Status-Server) names a
 * user that should not exist, with a random password: its Reject proves the server is alive.
 * Answers to probes need a valid Response Authenticator (so the secret) but no
 * Message-Authenticator: FreeRADIUS 3.2 answers Status-Server without one, and a forged probe
 * answer could at most send requests to a server that then times out again.
 */
function probeRequest(
  config: RadiusDirectoryConfig,
  role: 'auth' | 'acct',
  rng: Rng,
): OutgoingRequest | undefined {
  const nasId = rawTlv(Attr.NasIdentifier, Buffer.from(config.nas_identifier, 'utf8'));
  if (config.status_check === 'none') return undefined;
  if (config.status_check === 'status_server' || role === 'acct') {
    // An accounting port is probed with Status-Server in either case: it cannot answer an Access-Request.
    return { code: PacketCode.StatusServer, attributes: [nasId], requireMessageAuthenticator: false };
  }
  return {
    code: PacketCode.AccessRequest,
    attributes: [rawTlv(Attr.UserName, Buffer.from(config.status_check_user, 'utf8')), nasId],
    password: Buffer.from(rng.bytes(16).toString('hex')),
    requireMessageAuthenticator: false,
  };
}

/** One FailoverPool over the servers' authentication ports, or over their accounting ports. */
export function buildPool(
  config: RadiusDirectoryConfig,
  role: 'auth' | 'acct',
  deps: PoolDeps,
): FailoverPool {
  const probe = probeRequest(config, role, deps.rng);
  const members = config.servers.map((s) => {
    const endpoint = {
      address: s.address,
      port: role === 'auth' ? s.auth_port : (s.acct_port ?? s.auth_port + 1),
      secret: Buffer.from(s.secret, 'utf8'),
      timeoutMs: Math.round(s.timeout * 1000),
      retries: s.retries,
    };
    // Only answers to Access-Requests are held to require_message_authenticator (RFC 2866 has no
    // Message-Authenticator in Accounting-Response).
    const signing = role === 'auth' ? signingFor(s, Transport.labelOf(endpoint), deps) : ALWAYS_SIGNED;
    const transport = new Transport(
      endpoint,
      // Accounting is light: one socket is 256 outstanding requests.
      role === 'auth' ? config.sockets_per_server : 1,
      deps.counters,
      deps.rng,
      signing,
    );
    const health = new ServerHealth(
      transport,
      { deadAfter: config.dead_after, probeIntervalMs: Math.round(config.probe_interval * 1000), probe },
      deps.counters,
      deps.log,
      role,
    );
    return { transport, health };
  });
  return new FailoverPool(members, config.balance, deps.counters);
}

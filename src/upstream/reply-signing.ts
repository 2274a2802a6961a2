import { createHash } from 'node:crypto';

/** `require_message_authenticator` of one upstream server. */
export type MaRequirement = boolean | 'auto';

/**
 * The upstream servers that have sent at least one reply with a valid Message-Authenticator, for
 * the life of the process: a config reload builds new transports but must not forget, or `auto`
 * would fall back to accepting unsigned replies (FreeRADIUS 3.2.5 keeps the flag per client until
 * restart). Keyed by address, port and a digest of the secret, never the secret itself.
 */
export class SignedServers {
  private readonly seen = new Set<string>();

  has(key: string): boolean {
    return this.seen.has(key);
  }

  add(key: string): void {
    this.seen.add(key);
  }
}

/** The process's memory; tests inject their own. */
export const processSignedServers = new SignedServers();

export function signingKey(address: string, port: number, secret: Buffer): string {
  const digest = createHash('sha256').update(secret).digest('hex').slice(0, 16);
  return `${address}|${port}|${digest}`;
}

/**
 * Whether replies to our Access-Requests must carry a Message-Authenticator (BlastRADIUS,
 * CVE-2024-3596): `true` always; `false` never (a valid Response Authenticator suffices); `auto`
 * (FreeRADIUS 3.2.5's meaning) not until the server has sent one valid Message-Authenticator, and
 * from then on always, so an attacker cannot strip it once the server is known to sign.
 */
export interface SigningEvents {
  /** `auto` requires it from now on (called once per server and process). */
  learned?(): void;
  /** An authentic answer was refused for want of a Message-Authenticator. */
  refused?(): void;
}

export class ReplySigning {
  constructor(
    readonly mode: MaRequirement,
    private readonly key: string,
    private readonly memory: SignedServers,
    private readonly events: SigningEvents = {},
  ) {}

  get required(): boolean {
    return this.mode === true || (this.mode === 'auto' && this.memory.has(this.key));
  }

  /** A reply with a valid Message-Authenticator arrived from this server. */
  signed(): void {
    if (this.mode !== 'auto' || this.memory.has(this.key)) return;
    this.memory.add(this.key);
    this.events.learned?.();
  }

  /** An authentic but unsigned answer was refused. */
  refused(): void {
    this.events.refused?.();
  }
}

/** The default: every reply to an Access-Request must be signed. */
export const ALWAYS_SIGNED = new ReplySigning(true, '', new SignedServers());

import { type ReasonCode, Reasons } from '../pipeline/reasons.js';
import type {
  Identity,
  PrimaryAuthenticator,
  PrimaryRequest,
  PrimaryResult,
  ReplyAttribute,
} from '../pipeline/types.js';
import { rawTlv } from '../radius/attributes.js';
import { Attr, PacketCode } from '../radius/codes.js';
import { allAttributes, type Frame, firstAttribute } from '../radius/frame.js';
import { type Clock, type Rng, systemClock } from '../shared/clock.js';
import { identityKey } from '../shared/identity-key.js';
import { AttributeSelector, NEVER_FROM_UPSTREAM, NEVER_TO_UPSTREAM } from './attribute-selector.js';
import type { FailoverPool } from './failover.js';
import { answerMargin } from './budget.js';
import type { HealthSnapshot, UpstreamLogger } from './health.js';
import { buildPool } from './pool-factory.js';
import type { RadiusDirectoryConfig } from './radius-schema.js';
import { RandomPool } from './random-pool.js';
import type { SignedServers } from './reply-signing.js';
import { UpstreamCounters } from './upstream-counters.js';

export interface RadiusDirectoryDeps {
  readonly clock?: Clock;
  /** Request Authenticators; default a pooled CSPRNG. */
  readonly rng?: Rng;
  readonly log?: UpstreamLogger;
  readonly counters?: UpstreamCounters;
  /** Servers known to sign their replies (require_message_authenticator: auto); default the process's. */
  readonly signed?: SignedServers;
}

/** The NAS attributes, of which RFC 2865 §4.1 wants at least one in an Access-Request. */
const NAS_NAMES: ReadonlySet<number> = new Set([Attr.NasIpAddress, Attr.NasIdentifier, Attr.NasIpv6Address]);

/**
 * The first factor is an upstream RADIUS server (NPS, FreeRADIUS): the PAP password is forwarded,
 * re-hidden with the upstream's secret, through a failover pool of servers.
 *   Access-Accept    → ok, with the upstream's reply attributes (allow-listed) for the gateway;
 *   Access-Reject    → fail upstream_reject (the upstream's Reply-Message is not relayed);
 *   Access-Challenge → challenge, relayed with its State kept byte-exact for the answer;
 *   no answer within the gateway's budget, or every server dead → fail upstream_timeout, which the
 *   pipeline never counts against the user's lockout;
 *   a request too large to send once our attributes are added → fail upstream_request_too_large;
 *   an answer without the Message-Authenticator the server's `require_message_authenticator`
 *   demands → fail upstream_unsigned, at once (neither is counted against the user's lockout).
 */
export class RadiusDirectory implements PrimaryAuthenticator {
  readonly kind = 'radius';
  readonly counters: UpstreamCounters;
  private readonly auth: FailoverPool;
  /** Accounting forwarding pool, when `forward_accounting` is on. */
  readonly accounting: FailoverPool | undefined;
  private readonly reply: AttributeSelector;
  private readonly forward: AttributeSelector;
  private readonly clock: Clock;
  private readonly nasIdentifier: Buffer;
  private readonly log: UpstreamLogger | undefined;

  constructor(config: RadiusDirectoryConfig, deps: RadiusDirectoryDeps = {}) {
    this.counters = deps.counters ?? new UpstreamCounters();
    this.clock = deps.clock ?? systemClock;
    this.log = deps.log;
    const rng = deps.rng ?? new RandomPool();
    this.reply = new AttributeSelector(
      config.reply_attributes,
      NEVER_FROM_UPSTREAM,
      'directory.reply_attributes',
    );
    this.forward = new AttributeSelector(
      config.forward_attributes,
      NEVER_TO_UPSTREAM,
      'directory.forward_attributes',
    );
    this.nasIdentifier = rawTlv(Attr.NasIdentifier, Buffer.from(config.nas_identifier, 'utf8'));
    const poolDeps = { counters: this.counters, rng, log: deps.log, signed: deps.signed };
    this.auth = buildPool(config, 'auth', poolDeps);
    this.accounting = config.forward_accounting ? buildPool(config, 'acct', poolDeps) : undefined;
  }

  async authenticate(req: PrimaryRequest): Promise<PrimaryResult> {
    const id = identityKey(req.userName.trim());
    const budget = req.deadline - this.clock.now();
    const limit = budget - answerMargin(budget);
    if (limit < 1) return { kind: 'fail', reason: Reasons.UPSTREAM_TIMEOUT, identityId: id };
    // No lookup upstream: the identity is the login name, known (and gated) before the forward.
    const prepared = await req.prepare({ id, loginName: req.userName });
    if (prepared.kind === 'stop') return this.fail(prepared.reason, id);

    const attributes: Buffer[] = [rawTlv(Attr.UserName, Buffer.from(req.userName, 'utf8'))];
    let namesNas = false;
    for (const a of req.requestAttributes ?? []) {
      if (typeof a.name !== 'number' || !Buffer.isBuffer(a.value)) continue;
      if (!this.forward.allows(a.name, a.value)) continue;
      attributes.push(rawTlv(a.name, a.value));
      if (NAS_NAMES.has(a.name)) namesNas = true;
    }
    if (!namesNas) attributes.push(this.nasIdentifier);
    // RFC 2865 §5.24: the State of the upstream's Access-Challenge goes back unmodified.
    if (req.upstreamState) attributes.push(rawTlv(Attr.State, req.upstreamState));

    const r = await this.auth.send(
      {
        code: PacketCode.AccessRequest,
        attributes,
        password: prepared.password,
        requireMessageAuthenticator: true,
      },
      limit,
    );
    // Never sent: the password was not checked, so it is no failure of the user's (not a timeout either).
    if (r.kind === 'too_large') return this.fail(Reasons.UPSTREAM_REQUEST_TOO_LARGE, id);
    // We cannot know what the unsigned answer said (it may be an Accept forged by BlastRADIUS).
    if (r.kind === 'unsigned') return this.fail(Reasons.UPSTREAM_UNSIGNED, id);
    if (r.kind !== 'answer') return this.fail(Reasons.UPSTREAM_TIMEOUT, id);
    const frame = r.frame;
    switch (frame.code) {
      case PacketCode.AccessAccept:
        return {
          kind: 'ok',
          identity: { id, loginName: req.userName, details: { upstream: r.server } },
          attributes: this.replyAttributes(frame, 0),
        };
      case PacketCode.AccessChallenge: {
        const state = firstAttribute(frame, Attr.State);
        if (state === undefined) {
          // RFC 2865 §4.4 lets a challenge omit State, but then its answer cannot be tied to it.
          this.log?.warn(
            { event: 'upstream_challenge_without_state', server: r.server },
            'upstream challenge without State',
          );
          return this.fail(Reasons.UPSTREAM_REJECT, id);
        }
        return {
          kind: 'challenge',
          upstreamState: Buffer.from(state),
          prompt: Buffer.concat(allAttributes(frame, Attr.ReplyMessage)).toString('utf8'),
          attributes: this.replyAttributes(frame, Attr.ReplyMessage),
        };
      }
      default:
        return this.fail(Reasons.UPSTREAM_REJECT, id);
    }
  }

  /** No password check is possible upstream: the identity is the normalized login name. */
  async lookup(userName: string): Promise<Identity | null> {
    const name = userName.trim();
    return name ? { id: identityKey(name), loginName: userName } : null;
  }

  health(): { auth: HealthSnapshot[]; acct: HealthSnapshot[] } {
    return { auth: this.auth.health(), acct: this.accounting?.health() ?? [] };
  }

  async close(): Promise<void> {
    await Promise.all([this.auth.close(), this.accounting?.close()]);
  }

  private fail(reason: ReasonCode, identityId: string): PrimaryResult {
    return { kind: 'fail', reason, identityId };
  }

  /** Allow-listed reply attributes as raw pass-through values: {name: type, value: wire octets}. */
  private replyAttributes(frame: Frame, skip: number): ReplyAttribute[] {
    const out: ReplyAttribute[] = [];
    for (const a of frame.attributes) {
      if (a.type !== skip && this.reply.allows(a.type, a.value)) out.push({ name: a.type, value: a.value });
    }
    return out;
  }
}

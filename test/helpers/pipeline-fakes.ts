import type { AccessRequest } from '../../src/pipeline/access-request.js';
import { AccessPipeline } from '../../src/pipeline/access-pipeline.js';
import { FactorRegistry } from '../../src/pipeline/factor-registry.js';
import type {
  AttemptSlot,
  EnrolmentPort,
  Factor,
  FactorResult,
  FactorStart,
  LockedOut,
  LockoutPort,
  PolicyPort,
} from '../../src/pipeline/ports.js';
import type { ReasonCode } from '../../src/pipeline/reasons.js';
import type {
  Identity,
  PrimaryAuthenticator,
  PrimaryRequest,
  PrimaryResult,
  ReplyAttribute,
} from '../../src/pipeline/types.js';
import type { MfaMode } from '../../src/config/schema.js';
import { GroupPolicy } from '../../src/policy/group-policy.js';
import { policySchema, type PolicyConfigInput } from '../../src/policy/policy-schema.js';
import { ManualClock } from '../../src/shared/clock.js';
import type { AuthCachePort } from '../../src/state/auth-cache.js';
import { ChallengeStore } from '../../src/state/challenge-store.js';

/** A fake directory user: its password, groups, and what the check returns. */
export interface FakeUser {
  readonly password: string;
  readonly groups?: readonly string[];
  readonly mfaExempt?: boolean;
  /** Overrides the outcome of a check with the right password (e.g. an upstream challenge). */
  readonly onCheck?: (password: string, req: PrimaryRequest) => PrimaryResult | undefined;
  readonly attributes?: readonly ReplyAttribute[];
  /** With `upstreamChallenge`: the right answer to the upstream's own question. */
  readonly upstreamAnswer?: string;
  /** The first check with the right password is answered by an upstream Access-Challenge. */
  readonly upstreamChallenge?: boolean;
}

/**
 * The PrimaryAuthenticator contract as a fake: find the user, call `prepare` once, then check the
 * password it returned once. Records every check (the password checked and the identity).
 */
export class FakePrimary implements PrimaryAuthenticator {
  readonly kind = 'fake';
  readonly checks: Array<{ user: string; password: string }> = [];
  /** A failure reason for every check (directory_unavailable, upstream_timeout…). */
  failWith: ReasonCode | undefined;
  /** Holds every check until released (to make attempts overlap). */
  hold: Promise<void> | undefined;

  constructor(readonly users: Record<string, FakeUser>) {}

  async authenticate(req: PrimaryRequest): Promise<PrimaryResult> {
    const id = req.userName.trim().toLowerCase();
    const u = this.users[id];
    if (!u) return { kind: 'fail', reason: 'no_such_user' };
    const prepared = await req.prepare(this.identity(id, req.userName, u));
    if (prepared.kind === 'stop') return { kind: 'fail', reason: prepared.reason, identityId: id };
    const password = prepared.password.toString('utf8');
    this.checks.push({ user: id, password });
    if (this.hold) await this.hold;
    if (this.failWith) return { kind: 'fail', reason: this.failWith, identityId: id };
    if (req.upstreamState) {
      // An answer to the upstream's question: the upstream rejects a wrong one.
      if (password !== u.upstreamAnswer) return { kind: 'fail', reason: 'upstream_reject', identityId: id };
    } else {
      if (password !== u.password) return { kind: 'fail', reason: 'bad_password', identityId: id };
      if (u.upstreamChallenge)
        return { kind: 'challenge', upstreamState: Buffer.from('up-state'), prompt: 'PIN?', attributes: [] };
    }
    const special = u.onCheck?.(password, req);
    if (special) return special;
    return { kind: 'ok', identity: this.identity(id, req.userName, u), attributes: u.attributes ?? [] };
  }

  async lookup(userName: string): Promise<Identity | null> {
    const id = userName.trim().toLowerCase();
    const u = this.users[id];
    return u ? this.identity(id, userName, u) : null;
  }

  async close(): Promise<void> {}

  private identity(id: string, loginName: string, u: FakeUser): Identity {
    return { id, loginName, groups: u.groups ?? [], mfaExempt: u.mfaExempt ?? false };
  }
}

/** A code factor whose valid and already-used codes the test sets. */
export class FakeFactor implements Factor {
  readonly enrolledIds = new Set<string>();
  readonly valid = new Map<string, string>();
  readonly used = new Map<string, Set<string>>();
  readonly verified: string[] = [];
  readonly codeLengths: readonly number[];

  constructor(
    readonly kind = 'totp',
    digits = 6,
  ) {
    this.codeLengths = [digits];
  }

  async isEnrolled(identity: Identity): Promise<boolean> {
    return this.enrolledIds.has(identity.id);
  }

  /** What start() answers instead of a prompt (a service down: `sms_send_failed`). */
  unavailable: string | undefined;

  async start(_identity: Identity, ctx: { prompt: string }): Promise<FactorStart> {
    if (this.unavailable) return { kind: 'unavailable', reason: this.unavailable };
    return { kind: 'prompt', prompt: ctx.prompt };
  }

  async verify(identityId: string, code: string): Promise<FactorResult> {
    this.verified.push(code);
    const r = await this.check(identityId, code);
    if (r.kind === 'ok') {
      const used = this.used.get(identityId) ?? new Set<string>();
      used.add(code);
      this.used.set(identityId, used);
    }
    return r;
  }

  async check(identityId: string, code: string): Promise<FactorResult> {
    if (!this.enrolledIds.has(identityId)) return { kind: 'not_enrolled' };
    if (this.used.get(identityId)?.has(code)) return { kind: 'replayed' };
    return this.valid.get(identityId) === code ? { kind: 'ok' } : { kind: 'bad_code' };
  }
}

/** The lockout port in memory, counting in-flight checks like LockoutPolicy does. */
export class MemoryLockout implements LockoutPort {
  readonly failures = new Map<string, number>();
  readonly successes: string[] = [];
  readonly inFlight = new Map<string, number>();

  constructor(readonly max = 5) {}

  async acquire(id: string): Promise<AttemptSlot | LockedOut> {
    const busy = this.inFlight.get(id) ?? 0;
    if (busy + (this.failures.get(id) ?? 0) >= this.max) return { kind: 'locked' };
    this.inFlight.set(id, busy + 1);
    let done = false;
    return {
      kind: 'slot',
      release: () => {
        if (done) return;
        done = true;
        this.inFlight.set(id, (this.inFlight.get(id) ?? 1) - 1);
      },
    };
  }

  async recordFailure(id: string): Promise<void> {
    this.failures.set(id, (this.failures.get(id) ?? 0) + 1);
  }

  async recordSuccess(id: string): Promise<void> {
    this.successes.push(id);
    this.failures.delete(id);
  }
}

export interface Harness {
  readonly pipeline: AccessPipeline;
  readonly primary: FakePrimary;
  readonly factor: FakeFactor;
  readonly lockout: LockoutPort;
  readonly challenges: ChallengeStore;
  readonly clock: ManualClock;
}

export function harness(opts: {
  users: Record<string, FakeUser>;
  policy?: PolicyConfigInput;
  exemptUsers?: readonly string[];
  lockout?: LockoutPort;
  policyPort?: PolicyPort;
  rejectMessages?: Partial<Record<ReasonCode, string>>;
  authCache?: AuthCachePort;
  /** A second factor kind (e.g. 'sms') registered after the first. */
  second?: FakeFactor;
  defaults?: Record<string, string>;
  /** `unenrolled: enroll`: the portal's window and Reply-Message. */
  enrolment?: EnrolmentPort;
}): Harness {
  const clock = new ManualClock(1_700_000_000_000);
  let n = 0;
  const rng = { bytes: (k: number) => Buffer.alloc(k, ++n) };
  const primary = new FakePrimary(opts.users);
  const factor = new FakeFactor();
  const lockout = opts.lockout ?? new MemoryLockout();
  const challenges = new ChallengeStore(clock, rng);
  const policy =
    opts.policyPort ??
    new GroupPolicy(policySchema.parse(opts.policy ?? {}), { exemptUsers: opts.exemptUsers ?? [] });
  const pipeline = new AccessPipeline({
    primary,
    factors: new FactorRegistry(opts.second ? [factor, opts.second] : [factor]),
    methodPrefs: { defaultFor: async (id) => opts.defaults?.[id] },
    lockout,
    policy,
    challenges,
    options: {
      challengeTimeoutSec: 120,
      challengePrompt: 'Code?',
      methodKeywords: { totp: 'app', sms: 'sms' },
      offerText: 'or type {keywords}',
    },
    ...(opts.rejectMessages ? { rejectMessages: opts.rejectMessages } : {}),
    ...(opts.authCache ? { authCache: opts.authCache } : {}),
    ...(opts.enrolment ? { enrolment: opts.enrolment } : {}),
  });
  return { pipeline, primary, factor, lockout, challenges, clock };
}

let seq = 0;
/** An Access-Request as the server hands it to the pipeline. */
export function request(
  userName: string,
  password: string | undefined,
  opts: {
    mode?: MfaMode;
    state?: Buffer;
    delimiter?: string;
    clock?: ManualClock;
    failmode?: 'secure' | 'safe';
    authCacheSec?: number;
    callingStationId?: string;
    methods?: string[];
  } = {},
): AccessRequest {
  return {
    correlationId: `t-${++seq}`,
    client: {
      name: 'vpn',
      mfaMode: opts.mode ?? 'challenge',
      concatDelimiter: opts.delimiter ?? '',
      nasTimeoutMs: 30_000,
      failmode: opts.failmode ?? 'secure',
      authCacheSec: opts.authCacheSec ?? 0,
      ...(opts.methods ? { methods: opts.methods } : {}),
    },
    userName,
    authMethod: password === undefined ? 'none' : 'pap',
    password: password === undefined ? undefined : Buffer.from(password),
    state: opts.state,
    nas: opts.callingStationId ? { callingStationId: opts.callingStationId } : {},
    receivedAt: opts.clock?.now() ?? 1_700_000_000_000,
  };
}

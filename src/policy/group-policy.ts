import type { PolicyOutcome, PolicyPort } from '../pipeline/ports.js';
import { Reasons } from '../pipeline/reasons.js';
import type { Identity, ReplyAttribute } from '../pipeline/types.js';
import { compileGroupPatterns, type GroupMatcher, type GroupSet, groupsOf } from './group-match.js';
import type { PolicyConfig, ReplyTemplate } from './policy-schema.js';
import { renderReply } from './reply-template.js';

export interface PolicyDecision extends PolicyOutcome {
  readonly allowed: boolean;
  readonly reason?: typeof Reasons.NOT_IN_ALLOWED_GROUP;
  /** The rule that decided: a rule name, `default`, or `allow_groups` for a refusal. */
  readonly rule: string;
  readonly mfa: 'required' | 'exempt';
  readonly unenrolled: 'reject' | 'allow' | 'enroll';
  readonly reply: readonly ReplyAttribute[];
}

interface CompiledTemplate {
  readonly t: ReplyTemplate;
  readonly select: GroupMatcher | 'matched' | 'all';
}
interface CompiledPolicy {
  readonly allow: GroupMatcher | undefined;
  readonly rules: ReadonlyArray<{
    readonly name: string;
    readonly match: GroupMatcher;
    readonly mfa: PolicyDecision['mfa'];
    readonly unenrolled: PolicyDecision['unenrolled'];
    readonly failmode: PolicyDecision['failmode'];
    readonly methods: PolicyDecision['methods'];
    readonly reply: readonly CompiledTemplate[];
  }>;
  readonly fallback: {
    readonly mfa: PolicyDecision['mfa'];
    readonly unenrolled: PolicyDecision['unenrolled'];
    readonly failmode: PolicyDecision['failmode'];
    readonly methods: PolicyDecision['methods'];
    readonly reply: readonly CompiledTemplate[];
  };
  readonly separator: string;
  /** The `default` decision when it renders no reply attributes (frozen, shared by every login). */
  readonly plainDefault: PolicyDecision;
}

const compiled = new WeakMap<PolicyConfig, CompiledPolicy>();

/**
 * The policy for an identity that passed the password check: allow_groups first, then the rules in
 * order (first rule with a group the user is in wins), else `default`. Pure: same input, same output.
 */
export function evaluatePolicy(policy: PolicyConfig, identity: Identity): PolicyDecision {
  const p = compile(policy);
  const groups = groupsOf(identity);
  if (p.allow && p.allow(groups).length === 0) {
    return {
      allowed: false,
      reason: Reasons.NOT_IN_ALLOWED_GROUP,
      rule: 'allow_groups',
      mfa: p.fallback.mfa,
      unenrolled: p.fallback.unenrolled,
      reply: [],
    };
  }
  for (const r of p.rules) {
    const matched = r.match(groups);
    if (matched.length > 0) {
      return {
        allowed: true,
        rule: r.name,
        mfa: r.mfa,
        unenrolled: r.unenrolled,
        ...(r.failmode ? { failmode: r.failmode } : {}),
        ...(r.methods ? { methods: r.methods } : {}),
        reply: render(r.reply, matched, groups, identity, p.separator),
      };
    }
  }
  const f = p.fallback;
  // Most logins end here with nothing to render: one decision object for all of them.
  if (f.reply.length === 0) return p.plainDefault;
  return {
    allowed: true,
    rule: 'default',
    mfa: f.mfa,
    unenrolled: f.unenrolled,
    ...(f.failmode ? { failmode: f.failmode } : {}),
    ...(f.methods ? { methods: f.methods } : {}),
    reply: render(f.reply, [], groups, identity, p.separator),
  };
}

/**
 * The policy as the pipeline's PolicyPort. `exemptUsers` (config `mfa.exempt_users`) and the local
 * store's per-user flag still exempt a user from MFA whatever rule matched.
 */
export class GroupPolicy implements PolicyPort {
  private readonly exempt: ReadonlySet<string>;
  constructor(
    private readonly policy: PolicyConfig,
    opts: { readonly exemptUsers?: readonly string[] } = {},
  ) {
    this.exempt = new Set((opts.exemptUsers ?? []).map((u) => u.trim().toLowerCase()));
    compile(policy);
  }

  /** Exempt variants of shared (frozen) decisions, made once. */
  private readonly exemptOf = new WeakMap<PolicyDecision, PolicyDecision>();

  evaluate(identity: Identity): PolicyDecision {
    const d = evaluatePolicy(this.policy, identity);
    if (!d.allowed || !(identity.mfaExempt === true || this.exempt.has(identity.id))) return d;
    if (!Object.isFrozen(d)) return { ...d, mfa: 'exempt' };
    let e = this.exemptOf.get(d);
    if (e === undefined) {
      e = Object.freeze({ ...d, mfa: 'exempt' as const });
      this.exemptOf.set(d, e);
    }
    return e;
  }
}

function render(
  templates: readonly CompiledTemplate[],
  matched: readonly string[],
  groups: GroupSet,
  identity: Identity,
  separator: string,
): ReplyAttribute[] {
  return templates.flatMap(({ t, select }) =>
    renderReply(t, {
      groups: select === 'matched' ? matched : select === 'all' ? groups.names : select(groups),
      user: identity.id,
      login: identity.loginName,
      separator,
    }),
  );
}

function compile(policy: PolicyConfig): CompiledPolicy {
  const hit = compiled.get(policy);
  if (hit) return hit;
  const templates = (ts: readonly ReplyTemplate[]): CompiledTemplate[] =>
    ts.map((t) => ({ t, select: Array.isArray(t.groups) ? compileGroupPatterns(t.groups) : t.groups }));
  const c: CompiledPolicy = {
    allow: policy.allow_groups ? compileGroupPatterns(policy.allow_groups) : undefined,
    rules: policy.rules.map((r) => ({
      name: r.name,
      match: compileGroupPatterns(r.groups),
      mfa: r.mfa,
      unenrolled: r.unenrolled,
      failmode: r.failmode,
      methods: r.methods,
      reply: templates(r.reply),
    })),
    fallback: {
      mfa: policy.default.mfa,
      unenrolled: policy.default.unenrolled,
      failmode: policy.default.failmode,
      methods: policy.default.methods,
      reply: templates(policy.default.reply),
    },
    separator: policy.group_separator,
    plainDefault: Object.freeze({
      allowed: true,
      rule: 'default',
      mfa: policy.default.mfa,
      unenrolled: policy.default.unenrolled,
      ...(policy.default.failmode ? { failmode: policy.default.failmode } : {}),
      ...(policy.default.methods ? { methods: policy.default.methods } : {}),
      reply: Object.freeze([]) as readonly ReplyAttribute[],
    }),
  };
  compiled.set(policy, c);
  return c;
}

import { canonicalId, parseLoginName } from './login-name.js';
import { readFileSync } from 'node:fs';
import { type ReasonCode, Reasons } from '../pipeline/reasons.js';
import type { Identity, PrimaryAuthenticator, PrimaryRequest, PrimaryResult } from '../pipeline/types.js';
import { type Clock, systemClock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import { bindFailureReason } from './ad-errors.js';
import { type DirectoryTrace, TraceRecorder } from './directory-trace.js';
import { dnKey } from './dn-names.js';
import { GroupCache } from './group-cache.js';
import { GroupResolver } from './group-resolver.js';
import { LdapConnections } from './ldap-connection.js';
import type { LdapDirectoryConfig } from './ldap-schema.js';
import { type LdapSettings, resolveLdapSettings } from './ldap-settings.js';
import { addGroups, findUser, loginRules } from './user-finder.js';

/** pino-compatible subset; never given a password. */
export interface DirectoryLogger {
  warn(obj: object, msg: string): void;
  debug(obj: object, msg: string): void;
}

export interface LdapDirectoryOptions {
  readonly clock?: Clock;
  readonly logger?: DirectoryLogger;
  /**
   * Runs after the user is found and before the one bind (e.g. the core's per-user failure limit).
   * Returning a reason stops the login without touching the directory account, so a password
   * spray from a gateway cannot push AD accounts into lockout.
   */
  readonly preBind?: (identity: Identity) => ReasonCode | null | Promise<ReasonCode | null>;
  /** PEM CA bundle, instead of reading `ca_file` (tests, or a CA already loaded). */
  readonly ca?: Buffer;
}

/**
 * The LDAP / Active Directory first factor: search the user as the service account, then ONE
 * simple bind as the user's DN with the password. Identity = lower-cased sAMAccountName / uid
 * with nested group names (CNs) in `groups` and their DNs in `details.groupDns`.
 */
export class LdapDirectory implements PrimaryAuthenticator {
  readonly kind = 'ldap';
  readonly settings: LdapSettings;
  private readonly connections: LdapConnections;
  private readonly groupCache: GroupCache;
  private readonly groups: GroupResolver;
  private readonly log: DirectoryLogger | undefined;
  private readonly preBind: LdapDirectoryOptions['preBind'];

  constructor(config: LdapDirectoryConfig, opts: LdapDirectoryOptions = {}) {
    const s = resolveLdapSettings(config);
    this.settings = s;
    this.log = opts.logger;
    this.preBind = opts.preBind;
    const ca = opts.ca ?? (s.caFile !== undefined ? readCa(s.caFile) : undefined);
    this.connections = new LdapConnections({
      servers: s.servers,
      startTls: s.startTls,
      tls: {
        rejectUnauthorized: s.verifyCertificate,
        ...(ca ? { ca } : {}),
        ...(s.tlsServerName !== undefined ? { serverName: s.tlsServerName } : {}),
      },
      timeoutMs: s.timeoutMs,
      serverRetryMs: s.serverRetryMs,
      bindDn: s.bindDn,
      bindPassword: s.bindPassword,
      reuse: s.reuseConnections,
      bindPoolSize: s.bindPoolSize,
      clock: opts.clock ?? systemClock,
    });
    this.groupCache = new GroupCache(s.groupCacheTtlSec, s.groupCacheMaxUsers);
    this.groups = new GroupResolver(
      {
        strategy: s.groupStrategy,
        baseDn: s.groupBaseDn,
        objectFilter: s.groupObjectFilter,
        memberAttribute: s.memberAttribute,
        maxDepth: s.groupMaxDepth,
      },
      this.groupCache,
    );
  }

  async authenticate(req: PrimaryRequest): Promise<PrimaryResult> {
    const session = this.connections.session();
    try {
      const found = await findUser(session, this.settings, req.userName);
      if (found.kind === 'fail') return this.fail(found.reason, found.detail, req.correlationId);
      const id = found.identity.id;
      const stop = this.preBind ? await this.preBind(found.identity) : null;
      if (stop !== null) return { kind: 'fail', reason: stop, identityId: id };
      // Groups before the bind (issue 9): the policy (an exempt group) decides how a concat field
      // splits into password and code, and that must be known before the one bind.
      const withGroups = await addGroups(session, this.groups, this.settings, found);
      if (!withGroups.ok)
        return this.fail(Reasons.DIRECTORY_UNAVAILABLE, withGroups.detail, req.correlationId, id);
      const prepared = await req.prepare(withGroups.identity);
      if (prepared.kind === 'stop') return { kind: 'fail', reason: prepared.reason, identityId: id };
      const password = prepared.password.toString('utf8');
      // RFC 4513 §5.1.2: a simple bind with a DN and an empty password is an *unauthenticated* bind
      // that many servers accept. It must never reach the directory.
      if (password.length === 0) return { kind: 'fail', reason: Reasons.MISSING_PASSWORD, identityId: id };

      // The one and only bind for this attempt: on any failure we answer, we never bind again.
      const bound = await session.bindUser(found.entry.dn, password);
      if (!bound.ok) {
        const reason =
          bound.error.kind === 'result'
            ? bindFailureReason(bound.error.code, bound.error.message)
            : Reasons.DIRECTORY_UNAVAILABLE;
        return this.fail(reason, bound.error.message, req.correlationId, id);
      }
      return { kind: 'ok', identity: withGroups.identity, attributes: [] };
    } finally {
      await session.release();
    }
  }

  /** `CORP\\alice`, `alice@corp.example.com`, `Alice` → `alice`, by the configured login rules. */
  normalizeLogin(userName: string): string {
    const parsed = parseLoginName(userName.trim(), loginRules(this.settings));
    return canonicalId(parsed.ok ? parsed.value.user : userName.trim());
  }

  /**
   * The identity (with groups) without a password, or null for an unknown user. Throws
   * AppError MFA_ERR_DIRECTORY when the directory cannot be reached; `find` returns that as a Result.
   */
  async lookup(userName: string): Promise<Identity | null> {
    const r = await this.find(userName);
    if (r.ok) return r.value;
    throw new AppError(ErrorCodes.DIRECTORY, 'directory unavailable', { reason: r.error });
  }

  /** Like lookup, with "directory unavailable" as a result instead of an exception. */
  async find(userName: string): Promise<Result<Identity | null, typeof Reasons.DIRECTORY_UNAVAILABLE>> {
    const session = this.connections.session();
    try {
      const found = await findUser(session, this.settings, userName);
      if (found.kind === 'fail') {
        if (found.reason !== Reasons.DIRECTORY_UNAVAILABLE) return ok(null);
        this.log?.warn({ detail: found.detail }, 'directory unavailable');
        return err(Reasons.DIRECTORY_UNAVAILABLE);
      }
      const g = await addGroups(session, this.groups, this.settings, found);
      if (!g.ok) return err(Reasons.DIRECTORY_UNAVAILABLE);
      return ok(g.identity);
    } finally {
      await session.release();
    }
  }

  /** Step-by-step data for `mfa-radius-proxy directory test USER` (no bind, no password). */
  async explainUser(userName: string): Promise<DirectoryTrace> {
    const rec = new TraceRecorder(userName, this.settings.baseDn);
    const session = this.connections.session();
    try {
      const found = await findUser(session, this.settings, userName, rec);
      if (found.kind === 'fail') return rec.finish(found.reason);
      const g = await addGroups(session, this.groups, this.settings, found, rec);
      if (!g.ok) return rec.finish(Reasons.DIRECTORY_UNAVAILABLE);
      rec.data.identity = g.identity;
      return rec.finish('found');
    } finally {
      await session.release();
    }
  }

  /**
   * Readiness (`/readyz`): a base search of the root DSE (RFC 4512 §5.1) as the service account,
   * on the pooled service connection when connections are reused. Any answer, even a refusal,
   * means the directory is reachable; only "could not talk to it" fails. Err carries the detail.
   */
  async probe(): Promise<Result<string, string>> {
    const session = this.connections.session();
    try {
      const r = await session.search({
        base: '',
        scope: 'base',
        filter: '(objectClass=*)',
        attributes: ['1.1'],
      });
      if (!r.ok && r.error.kind === 'unavailable') return err(r.error.message);
      return ok(session.server ?? '');
    } finally {
      await session.release();
    }
  }

  /** Forget cached groups (one user by DN, or all), e.g. after an admin changed memberships. */
  invalidateGroups(userDn?: string): void {
    this.groupCache.invalidate(userDn === undefined ? undefined : dnKey(userDn));
  }

  /** The servers and which are skipped after a failure (`server_retry_sec`), for the admin pages. */
  serverHealth(): Array<{ server: string; downUntil: number | undefined }> {
    return this.connections.health();
  }

  async close(): Promise<void> {
    this.groupCache.close();
    await this.connections.close();
  }

  private fail(
    reason: ReasonCode,
    detail: string,
    correlationId: string,
    identityId?: string,
  ): PrimaryResult {
    if (reason === Reasons.DIRECTORY_UNAVAILABLE)
      this.log?.warn({ correlationId, detail }, 'directory unavailable');
    else this.log?.debug({ correlationId, reason, detail }, 'directory refused login');
    return identityId === undefined ? { kind: 'fail', reason } : { kind: 'fail', reason, identityId };
  }
}

function readCa(file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new AppError(ErrorCodes.DIRECTORY, `cannot read ca_file ${file}`, { file }, { cause: e });
  }
}

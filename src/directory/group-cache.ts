import NodeCache from 'node-cache';

/** Nested groups of one user, as resolved from the directory. */
export interface ResolvedGroups {
  /** Group DNs as the directory spells them. */
  readonly dns: readonly string[];
  /** The first RDN value of each DN (the CN): what policies and reply attributes use. */
  readonly names: readonly string[];
  /** The filters sent, in order (for the `directory test` trace). */
  readonly queries: readonly string[];
  /** True when the walk stopped at max_depth with groups left to expand. */
  readonly truncated: boolean;
}

/**
 * Per-user cache of resolved groups (node-cache, memory only: each HA node has its own). Short TTL
 * so a removal from a group takes effect quickly; maxKeys bounds memory under a name spray;
 * useClones false because entries are frozen and never mutated.
 */
export class GroupCache {
  private readonly cache: NodeCache | undefined;

  constructor(ttlSec: number, maxUsers: number) {
    this.cache =
      ttlSec > 0
        ? new NodeCache({
            stdTTL: ttlSec,
            checkperiod: Math.max(1, Math.min(ttlSec, 60)),
            maxKeys: maxUsers,
            useClones: false,
          })
        : undefined;
  }

  get(userDnKey: string): ResolvedGroups | undefined {
    return this.cache?.get<ResolvedGroups>(userDnKey);
  }

  set(userDnKey: string, groups: ResolvedGroups): void {
    try {
      this.cache?.set(userDnKey, Object.freeze(groups));
    } catch {
      // ECACHEFULL: the cache is only an optimisation; the next login resolves again.
    }
  }

  invalidate(userDnKey?: string): void {
    if (userDnKey === undefined) this.cache?.flushAll();
    else this.cache?.del(userDnKey);
  }

  close(): void {
    this.cache?.close();
  }
}

import { LdapDirectory } from '../../directory/ldap-directory.js';
import type { PrimaryAuthenticator } from '../../pipeline/types.js';
import { RadiusDirectory } from '../../upstream/radius-directory.js';
import type { Probe } from './readiness.js';

/**
 * Is the directory reachable? LDAP / AD: a root DSE read over the service connection (one round
 * trip; Readiness caches it). Upstream RADIUS: at least one authentication server not marked dead
 * (its own health probes already watch them, so this costs nothing). The local store: always,
 * since the store has its own check.
 */
export async function probeDirectory(primary: PrimaryAuthenticator): Promise<Probe> {
  if (primary instanceof LdapDirectory) {
    const r = await primary.probe();
    return r.ok ? { ok: true } : { ok: false, detail: `ldap unreachable (${r.error})` };
  }
  if (primary instanceof RadiusDirectory) {
    const servers = primary.health().auth;
    if (servers.some((s) => s.alive)) return { ok: true };
    return {
      ok: false,
      detail: `no upstream RADIUS server alive (${servers.map((s) => s.server).join(', ') || 'none configured'})`,
    };
  }
  return { ok: true };
}

import type { Config } from '../config/schema.js';
import { LdapDirectory } from '../directory/ldap-directory.js';
import type { PasswordVerifier } from '../local/hash-pool.js';
import { LocalDirectory } from '../local/local-directory.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { identityKey } from '../shared/identity-key.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';

/**
 * Turns a name an admin types into the identity id a login resolves to, through the configured
 * directory itself, so an enrolment is stored under the key the pipeline will look up (issue 9,
 * item 11: `EXAMPLE\erin` must land on `erin`, and an unknown user is refused).
 */

export interface ResolvedIdentity {
  readonly identityId: string;
  /** How the id was found: looked up (local store, LDAP/AD) or only canonicalised (upstream RADIUS). */
  readonly via: 'local' | 'ldap' | 'canonical';
  /** Said to the admin, e.g. that an upstream RADIUS user cannot be checked. */
  readonly note?: string;
}

export interface IdentityResolver {
  readonly directory: Config['directory']['type'];
  /** For enrolment: the user must exist wherever a lookup is possible. */
  resolve(name: string): Promise<Result<ResolvedIdentity, AppError>>;
  /**
   * For remove/reset/list: the id a login would use, best effort (a user deleted from the directory
   * or an unreachable directory still gets the canonical form of the name).
   */
  canonical(name: string): Promise<string>;
  close(): Promise<void>;
}

/** LocalDirectory.lookup never hashes; this keeps the CLI from starting hash worker threads. */
const noHashing: PasswordVerifier = {
  verify: () => Promise.resolve(false),
  dummy: () => Promise.resolve(false),
  close: () => Promise.resolve(),
};

function badName(name: string): AppError | undefined {
  return name.trim() === ''
    ? new AppError(ErrorCodes.USER_NAME_INVALID, 'empty user name', { name })
    : undefined;
}

class LocalResolver implements IdentityResolver {
  readonly directory = 'local' as const;
  private readonly dir: LocalDirectory;
  constructor(store: Store) {
    this.dir = new LocalDirectory(store.users, noHashing);
  }
  async resolve(name: string): Promise<Result<ResolvedIdentity, AppError>> {
    const bad = badName(name);
    if (bad) return err(bad);
    const identity = await this.dir.lookup(name);
    if (!identity)
      return err(
        new AppError(
          ErrorCodes.USER_NOT_FOUND,
          `no local user '${name}'; add the user first: mfa-radius-proxy user add ${name}`,
          { name },
        ),
      );
    return ok({ identityId: identity.id, via: 'local' });
  }
  async canonical(name: string): Promise<string> {
    return (await this.dir.lookup(name))?.id ?? identityKey(name.trim());
  }
  close(): Promise<void> {
    return this.dir.close();
  }
}

class LdapResolver implements IdentityResolver {
  readonly directory = 'ldap' as const;
  constructor(private readonly dir: LdapDirectory) {}
  async resolve(name: string): Promise<Result<ResolvedIdentity, AppError>> {
    const bad = badName(name);
    if (bad) return err(bad);
    const found = await this.dir.find(name);
    if (!found.ok)
      return err(
        new AppError(
          ErrorCodes.DIRECTORY_UNAVAILABLE,
          `the directory (${this.dir.settings.servers.join(', ')}) could not be reached to look up '${name}'; nothing was enrolled. Check directory.servers, bind_dn and the network, then try again (mfa-radius-proxy directory test ${name} shows each step)`,
          { name },
        ),
      );
    if (found.value === null)
      return err(
        new AppError(
          ErrorCodes.USER_NOT_FOUND,
          `no user '${name}' in the directory (base_dn ${this.dir.settings.baseDn}); check the spelling, or run: mfa-radius-proxy directory test ${name}`,
          { name },
        ),
      );
    const id = found.value.id;
    return ok({
      identityId: id,
      via: 'ldap',
      ...(id !== name ? { note: `'${name}' is the directory user '${id}'` } : {}),
    });
  }
  async canonical(name: string): Promise<string> {
    const found = await this.dir.find(name);
    return found.ok && found.value ? found.value.id : this.dir.normalizeLogin(name);
  }
  close(): Promise<void> {
    return this.dir.close();
  }
}

/** RadiusDirectory.lookup: the upstream cannot be asked, the identity is the trimmed name, lower-cased. */
class UpstreamResolver implements IdentityResolver {
  readonly directory = 'radius' as const;
  async resolve(name: string): Promise<Result<ResolvedIdentity, AppError>> {
    const bad = badName(name);
    if (bad) return err(bad);
    const id = identityKey(name.trim());
    return ok({
      identityId: id,
      via: 'canonical',
      note: `directory.type radius: the upstream RADIUS server cannot be asked whether '${name}' exists; enrolled under the login name '${id}' (check the spelling: it must be the name users type at the gateway)`,
    });
  }
  async canonical(name: string): Promise<string> {
    return identityKey(name.trim());
  }
  async close(): Promise<void> {}
}

export function createIdentityResolver(config: Readonly<Config>, store: Store): IdentityResolver {
  switch (config.directory.type) {
    case 'ldap':
      return new LdapResolver(new LdapDirectory(config.directory));
    case 'radius':
      return new UpstreamResolver();
    default:
      return new LocalResolver(store);
  }
}

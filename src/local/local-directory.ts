import { Reasons } from '../pipeline/reasons.js';
import type { Identity, PrimaryAuthenticator, PrimaryRequest, PrimaryResult } from '../pipeline/types.js';
import { identityKey } from '../shared/identity-key.js';
import type { UserRepo } from '../store/user-repo.js';
import { HashPool, type PasswordVerifier } from './hash-pool.js';

/** scrypt's cost does not depend on the input: the dummy check for unknown names hashes nothing. */
const NO_PASSWORD = Buffer.alloc(0);

/** The embedded user store as the first factor: scrypt-hashed passwords in SQLite. */
export class LocalDirectory implements PrimaryAuthenticator {
  readonly kind = 'local';

  constructor(
    private readonly users: UserRepo,
    private readonly hasher: PasswordVerifier = new HashPool(),
  ) {}

  async authenticate(req: PrimaryRequest): Promise<PrimaryResult> {
    const user = this.users.get(req.userName.trim());
    if (!user) {
      // Same cost as a real check, so response time does not reveal which names exist.
      await this.hasher.dummy(NO_PASSWORD);
      return { kind: 'fail', reason: Reasons.NO_SUCH_USER };
    }
    const identity = this.toIdentity(user.name, req.userName, user.mfaExempt);
    const prepared = await req.prepare(identity);
    if (prepared.kind === 'stop') return { kind: 'fail', reason: prepared.reason, identityId: identity.id };
    if (!(await this.hasher.verify(prepared.password, user.passwordHash))) {
      return { kind: 'fail', reason: Reasons.BAD_PASSWORD, identityId: identity.id };
    }
    return { kind: 'ok', identity, attributes: [] };
  }

  async lookup(userName: string): Promise<Identity | null> {
    const user = this.users.get(userName.trim());
    return user ? this.toIdentity(user.name, userName, user.mfaExempt) : null;
  }

  close(): Promise<void> {
    return this.hasher.close();
  }

  private toIdentity(name: string, loginName: string, mfaExempt: boolean): Identity {
    return { id: identityKey(name), loginName, displayName: name, mfaExempt };
  }
}

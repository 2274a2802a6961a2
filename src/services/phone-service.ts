import type { Config } from '../config/schema.js';
import { maskPhone } from '../sms/mask.js';
import { maskForLog, normalisePhoneNumber, type PhoneNumber } from '../sms/phone-number.js';
import { checkSmsNumber } from '../sms/sms-number-check.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { err, ok, type Result } from '../shared/result.js';
import type { Store } from '../store/store.js';
import type { IdentityResolver, ResolvedIdentity } from './identity-resolver.js';

export interface PhoneEnrolment {
  readonly identity: ResolvedIdentity;
  readonly number: PhoneNumber;
  /** A number was enrolled before and has been replaced. */
  readonly replaced: boolean;
  /** Said to the admin when the enrolment will not be used as the config stands. */
  readonly warning?: string;
}

export interface PhoneRow {
  readonly identityId: string;
  readonly e164: string;
  /** `+49•••••••78`: what may be shown or logged. */
  readonly masked: string;
  /** ISO 3166 region; undefined if the stored number no longer parses. */
  readonly region: string | undefined;
  readonly createdAt: number;
}

export interface PhoneServiceDeps {
  readonly config: Readonly<Config>;
  /** Named in the message when the config has no `sms:` section. */
  readonly configFile: string;
  readonly store: Store;
  readonly resolver: IdentityResolver;
}

/**
 * Phone numbers for SMS codes, enrolled in the store by the name an admin (or, later, the web
 * portal) types (issue 10). The name is resolved as a login resolves it, the number normalised to
 * E.164 as the SMS factor reads it, and a number no SMS could ever reach is refused here rather
 * than discovered at the user's first login.
 */
export class PhoneService {
  constructor(private readonly deps: PhoneServiceDeps) {}

  async set(name: string, raw: string): Promise<Result<PhoneEnrolment, AppError>> {
    const { config, store, resolver } = this.deps;
    const checked = this.check(raw);
    if (!checked.ok) return checked;
    const sms = config.sms!;
    const resolved = await resolver.resolve(name);
    if (!resolved.ok) return err(resolved.error);
    const identity = resolved.value;
    const replaced = store.phones.get(identity.identityId) !== undefined;
    store.phones.set(identity.identityId, checked.value.e164);
    return ok({
      identity,
      number: checked.value,
      replaced,
      ...(sms.phone_sources.includes('store')
        ? {}
        : {
            warning: `sms.phone_sources (${sms.phone_sources.join(', ')}) does not list store: logins will not use this number until it does`,
          }),
    });
  }

  /**
   * A number as typed, normalised to E.164 and allowed by the config, without storing it (the
   * portal sends a code to it first, and stores it only once the code came back).
   */
  check(raw: string): Result<PhoneNumber, AppError> {
    const { config, configFile } = this.deps;
    const sms = config.sms;
    if (!sms)
      return err(
        new AppError(
          ErrorCodes.SMS_NOT_CONFIGURED,
          `${configFile} has no sms: section, so no SMS code can be sent; add one (README, "SMS codes") before enrolling phone numbers`,
          { file: configFile },
        ),
      );
    // Checked before the directory is asked: a typo needs no LDAP round trip.
    const n = checkSmsNumber(sms, raw);
    if (!n.ok)
      return err(
        new AppError(ErrorCodes.PHONE_INVALID, `the number is refused (${n.error.kind}): ${n.error.message}`, {
          kind: n.error.kind,
          ...(n.error.region ? { region: n.error.region } : {}),
        }),
      );
    return ok(n.value);
  }

  /** removed: false when no number was enrolled for the name. */
  async remove(name: string): Promise<{ identityId: string; removed: boolean }> {
    const identityId = await this.deps.resolver.canonical(name);
    return { identityId, removed: this.deps.store.phones.remove(identityId) };
  }

  list(): PhoneRow[] {
    return this.deps.store.phones.list().map((r) => {
      const n = normalisePhoneNumber(r.e164);
      return {
        identityId: r.identityId,
        e164: r.e164,
        masked: n.ok ? maskForLog(n.value) : maskPhone(r.e164),
        region: n.ok ? n.value.region : undefined,
        createdAt: r.createdAt,
      };
    });
  }
}

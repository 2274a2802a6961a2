import type { Config } from '../config/schema.js';
import type { FactorKind } from '../config/methods.js';
import { maskPhone } from '../sms/mask.js';
import { maskForLog } from '../sms/phone-number.js';
import { checkSmsNumber } from '../sms/sms-number-check.js';
import type { Store } from '../store/store.js';
import type { IdentityResolver } from './identity-resolver.js';
import type { ImportRowResult } from './import-report.js';
import { type Columns, refusedFor, resolveUser, type RowBase } from './import-rows.js';

/**
 * The users CSV: `username,phone,default method`, one row per user (the columns are ours: MFA
 * Server has no such export; README, "Importing from Azure MFA Server", says how to make one).
 * The phone becomes the user's SMS enrolment, checked as `phone set` checks it; the method the
 * one offered first, as `method default` sets it. A row is imported whole or not at all.
 */

export const USERS_COLUMNS: Columns = {
  user: { names: ['username', 'user name', 'user', 'upn', 'login'], required: true },
  phone: { names: ['phone', 'phone number', 'mobile', 'mobile phone'], required: false },
  method: { names: ['default method', 'method', 'defaultmethod'], required: false },
};

type MethodMapping =
  | { readonly kind: FactorKind | undefined; readonly note?: string }
  | { readonly unsupported: string };

const TOTP_APP_NOTE =
  "MFA Server's mobile-app secrets cannot be exported: the user enrols the app again (token add, or the self-service portal), or its OATH token is imported";
const PHONE_CALL =
  'phone calls are not a method of this proxy: give sms or an authenticator app (oath token / mobile app) for this user, or leave the method empty';

/**
 * MFA Server's names for the methods (its console and the user portal) and its audit codes
 * (0 voice mobile, 2 voice office, 3 voice alternate, 5 SMS, 6 push, 7 OTP), lower case, spaces.
 */
const METHODS: Readonly<Record<string, MethodMapping>> = {
  '': { kind: undefined },
  none: { kind: undefined },
  sms: { kind: 'sms' },
  text: { kind: 'sms' },
  'text message': { kind: 'sms' },
  'sms otp': { kind: 'sms' },
  'text message otp': { kind: 'sms' },
  'one way sms': { kind: 'sms' },
  'two way sms': { kind: 'sms', note: 'two-way SMS becomes what sms.mode says (one_way or two_way)' },
  '5': { kind: 'sms' },
  'phone call': { unsupported: PHONE_CALL },
  phone: { unsupported: PHONE_CALL },
  voice: { unsupported: PHONE_CALL },
  call: { unsupported: PHONE_CALL },
  '0': { unsupported: PHONE_CALL },
  '2': { unsupported: PHONE_CALL },
  '3': { unsupported: PHONE_CALL },
  'mobile app': {
    kind: 'totp',
    note: `push is not available yet: the app's codes are used; ${TOTP_APP_NOTE}`,
  },
  'mobile app notification': {
    kind: 'totp',
    note: `push is not available yet: the app's codes are used; ${TOTP_APP_NOTE}`,
  },
  push: { kind: 'totp', note: `push is not available yet: the app's codes are used; ${TOTP_APP_NOTE}` },
  '6': { kind: 'totp', note: `push is not available yet: the app's codes are used; ${TOTP_APP_NOTE}` },
  'mobile app otp': { kind: 'totp', note: TOTP_APP_NOTE },
  app: { kind: 'totp' },
  'oath token': { kind: 'totp' },
  oath: { kind: 'totp' },
  token: { kind: 'totp' },
  totp: { kind: 'totp' },
  otp: { kind: 'totp' },
  '7': { kind: 'totp' },
};

export function mapMethod(text: string): MethodMapping | undefined {
  return METHODS[
    text
      .trim()
      .toLowerCase()
      .replace(/[\s_-]+/g, ' ')
  ];
}

export interface UsersContext {
  readonly config: Readonly<Config>;
  readonly configFile: string;
  readonly store: Store;
  readonly resolver: IdentityResolver;
  readonly write: boolean;
  /** identity → the first line that named it. */
  readonly seen: Map<string, number>;
}

export async function importUserRow(row: RowBase, ctx: UsersContext): Promise<ImportRowResult> {
  const name = row.get('user');
  const refuse = refusedFor(row.line, name);
  if (name === '') return refuse('missing_field', 'the user name is empty');
  const methodText = row.get('method');
  const method = mapMethod(methodText);
  if (method === undefined)
    return refuse(
      'unknown_method',
      `unknown method ${JSON.stringify(methodText)}: expected sms, text message, mobile app, oath token (or totp), phone call, or empty`,
    );
  if ('unsupported' in method)
    return refuse('unsupported_method', `${JSON.stringify(methodText)}: ${method.unsupported}`);

  const sms = ctx.config.sms;
  const rawPhone = row.get('phone');
  let phone: { e164: string; masked: string } | undefined;
  if (rawPhone !== '' || method.kind === 'sms') {
    if (!sms)
      return refuse(
        'sms_not_configured',
        `${ctx.configFile} has no sms: section, so no SMS code can be sent; add one (README, "SMS codes") before importing phone numbers or the sms method`,
      );
  }
  if (rawPhone !== '' && sms) {
    // The number itself is never repeated: the message says what is wrong with it.
    const n = checkSmsNumber(sms, rawPhone);
    if (!n.ok)
      return refuse('bad_phone', `the phone number is refused (${n.error.kind}): ${n.error.message}`);
    phone = { e164: n.value.e164, masked: maskForLog(n.value) };
  }
  if (phone === undefined && method.kind === undefined)
    return {
      line: row.line,
      user: name,
      outcome: 'skipped',
      reason: 'nothing_to_import',
      detail: 'no phone and no method',
      notes: [],
    };

  const who = await resolveUser(ctx.resolver, name, refuse);
  if (!who.ok) return who.result;
  const id = who.identity.identityId;
  const refuseId = (reason: Parameters<typeof refuse>[0], detail: string) => ({
    ...refuse(reason, detail),
    identity: id,
  });
  const first = ctx.seen.get(id);
  if (first !== undefined) return refuseId('duplicate_in_file', `line ${first} names this user already`);
  ctx.seen.set(id, row.line);

  const storedPhone = ctx.store.phones.get(id);
  if (phone && storedPhone !== undefined && storedPhone !== phone.e164)
    return refuseId(
      'phone_conflict',
      `another number (${maskPhone(storedPhone)}) is enrolled for this user already; phone set ${id} NUMBER replaces it`,
    );
  const storedMethod = ctx.store.methods.defaultFor(id);
  if (method.kind && storedMethod !== undefined && storedMethod !== method.kind)
    return refuseId(
      'method_conflict',
      `the user's default method is ${storedMethod} already; method default ${id} ${method.kind} changes it`,
    );
  const newPhone = phone !== undefined && storedPhone === undefined;
  const newMethod = method.kind !== undefined && storedMethod === undefined;
  const parts = [
    ...(phone ? [`phone ${phone.masked}${newPhone ? '' : ' (enrolled already)'}`] : []),
    ...(method.kind ? [`default method ${method.kind}${newMethod ? '' : ' (set already)'}`] : []),
  ];
  if (!newPhone && !newMethod)
    return {
      line: row.line,
      user: name,
      identity: id,
      outcome: 'skipped',
      reason: 'already_imported',
      detail: parts.join(', '),
      notes: [],
    };

  const notes: string[] = [];
  if (who.identity.note) notes.push(who.identity.note);
  if ('note' in method && method.note) notes.push(method.note);
  if (method.kind === 'totp' && ctx.store.tokens.listFor(id).length === 0)
    notes.push(
      'no authenticator app or OATH token is enrolled for this user yet: logins offer the next method until one is',
    );
  if (phone && sms && !sms.phone_sources.includes('store'))
    notes.push(
      `sms.phone_sources (${sms.phone_sources.join(', ')}) does not list store: logins will not use this number until it does`,
    );
  if (ctx.write) {
    if (newPhone && phone) ctx.store.phones.set(id, phone.e164);
    if (newMethod && method.kind) ctx.store.methods.setDefault(id, method.kind);
  }
  return { line: row.line, user: name, identity: id, outcome: 'imported', detail: parts.join(', '), notes };
}

import { timingSafeEqual } from 'node:crypto';
import { base32Decode } from '../factors/totp.js';
import type { Store } from '../store/store.js';
import { MAX_SECRET_BYTES, MIN_SECRET_BYTES } from '../store/token-repo.js';
import type { IdentityResolver } from './identity-resolver.js';
import type { ImportRowResult } from './import-report.js';
import { type Columns, refusedFor, resolveUser, type RowBase } from './import-rows.js';

/**
 * The OATH token CSV Entra ID takes and MFA Server admins keep for their hardware tokens:
 * `upn,serial number,secret key,time interval,manufacturer,model` (base32 secret, seconds).
 * Each row becomes a TOTP enrolment of the user the directory resolves the upn to, its secret
 * sealed at rest by the token store like any other; the label `oath <serial>` finds it again.
 */

export const OATH_COLUMNS: Columns = {
  upn: { names: ['upn', 'user principal name', 'user'], required: true },
  serial: { names: ['serial number', 'serial', 'serialnumber'], required: true },
  secret: { names: ['secret key', 'secret', 'secretkey', 'key'], required: true },
  interval: { names: ['time interval', 'timeinterval', 'interval', 'period'], required: true },
  manufacturer: { names: ['manufacturer'], required: false },
  model: { names: ['model'], required: false },
};

export const oathLabel = (serial: string): string => `oath ${serial}`;

export interface OathContext {
  readonly store: Store;
  readonly resolver: IdentityResolver;
  /** The period logins verify (totp.period). */
  readonly period: number;
  readonly write: boolean;
  /** Across the file: serial → first line; identity + secret (hex) → first line. */
  readonly seenSerials: Map<string, number>;
  readonly seenSecrets: Map<string, number>;
  /** Token label → who holds it, read from the store once per import (not once per row). */
  readonly labels: Map<string, { readonly identityId: string; readonly id: number }>;
}

/** The labels of the tokens enrolled now, for OathContext.labels. */
export function tokenLabels(store: Store): Map<string, { identityId: string; id: number }> {
  const out = new Map<string, { identityId: string; id: number }>();
  for (const t of store.tokens.listAll())
    if (t.label !== null) out.set(t.label, { identityId: t.identityId, id: t.id });
  return out;
}

export async function importOathRow(row: RowBase, ctx: OathContext): Promise<ImportRowResult> {
  const upn = row.get('upn');
  const serial = row.get('serial');
  const refuse = refusedFor(row.line, upn);
  if (upn === '') return refuse('missing_field', 'the upn is empty');
  if (serial === '') return refuse('missing_field', 'the serial number is empty');
  const rawKey = row.get('secret');
  if (rawKey === '') return refuse('missing_field', 'the secret key is empty');
  const decoded = base32Decode(rawKey);
  // Never quote the key: the report is shown, pasted into tickets, and logged by shells.
  if (!decoded.ok)
    return refuse('bad_key', `the secret key is not base32 (${decoded.error.replaceAll('_', ' ')})`);
  const secret = decoded.value;
  try {
    if (secret.length < MIN_SECRET_BYTES || secret.length > MAX_SECRET_BYTES)
      return refuse(
        'bad_key',
        `the secret key is ${secret.length} bytes; ${MIN_SECRET_BYTES}-${MAX_SECRET_BYTES} bytes (16-102 base32 characters) are accepted`,
      );
    const intervalText = row.get('interval');
    const interval = /^\d{1,4}$/.test(intervalText) ? Number(intervalText) : Number.NaN;
    if (interval !== ctx.period)
      return refuse(
        'bad_interval',
        intervalText === ''
          ? `the time interval is empty; logins verify ${ctx.period}-second codes (totp.period)`
          : `a ${Number.isNaN(interval) ? JSON.stringify(intervalText) : `${interval}-second`} token: logins verify ${ctx.period}-second codes (totp.period), so its codes would never match; re-seed the token for ${ctx.period} s or leave it out`,
      );
    const firstSerial = ctx.seenSerials.get(serial);
    if (firstSerial !== undefined)
      return refuse('duplicate_in_file', `serial number ${serial} is on line ${firstSerial} already`);
    ctx.seenSerials.set(serial, row.line);

    const who = await resolveUser(ctx.resolver, upn, refuse);
    if (!who.ok) return who.result;
    const identity = who.identity;
    const refuseId = (reason: Parameters<typeof refuse>[0], detail: string) => ({
      ...refuse(reason, detail),
      identity: identity.identityId,
    });
    const secretKey = `${identity.identityId}\u0000${secret.toString('hex')}`;
    const firstSecret = ctx.seenSecrets.get(secretKey);
    if (firstSecret !== undefined)
      return refuseId(
        'duplicate_in_file',
        `the same token for the same user is on line ${firstSecret} already`,
      );
    ctx.seenSecrets.set(secretKey, row.line);

    const label = oathLabel(serial);
    const mine = ctx.store.tokens.secretsFor(identity.identityId);
    try {
      if (mine.some((t) => t.secret.length === secret.length && timingSafeEqual(t.secret, secret)))
        return {
          line: row.line,
          user: upn,
          identity: identity.identityId,
          outcome: 'skipped',
          reason: 'already_imported',
          detail: `token serial ${serial} is enrolled already`,
          notes: [],
        };
    } finally {
      for (const t of mine) t.secret.fill(0);
    }
    const holder = ctx.labels.get(label);
    if (holder)
      return refuseId(
        'serial_taken',
        holder.identityId === identity.identityId
          ? `a token with serial number ${serial} but another secret is enrolled for this user already (token ${holder.id}); token remove ${identity.identityId} --id ${holder.id} first to replace it`
          : `serial number ${serial} is enrolled for ${holder.identityId} already; a hardware token belongs to one user`,
      );
    const what = [row.get('manufacturer'), row.get('model')].filter((s) => s !== '').join(' ');
    let detail = `token serial ${serial}${what ? ` (${what})` : ''}, ${ctx.period} s`;
    if (ctx.write) {
      const token = ctx.store.tokens.add(identity.identityId, { secret, period: ctx.period, label });
      ctx.labels.set(label, { identityId: token.identityId, id: token.id });
      detail += `: token ${token.id}`;
    }
    return {
      line: row.line,
      user: upn,
      identity: identity.identityId,
      outcome: 'imported',
      detail,
      notes: identity.note ? [identity.note] : [],
    };
  } finally {
    secret.fill(0);
  }
}

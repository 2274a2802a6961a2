/**
 * The canonical key for a login name or identity id: Unicode NFC, then lower case.
 * Enrolments, lockouts and local users are all looked up by this key, so 'Alice', 'ALICE' and
 * 'alice' are one person whatever the gateway sends. Idempotent: callers that already hold a
 * canonical identity id may pass it again safely. `toLowerCase` is locale-independent in JS.
 */
export function identityKey(name: string): string {
  return name.normalize('NFC').toLowerCase();
}

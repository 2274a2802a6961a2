import type { PendingChallenge, TakeResult } from '../pipeline/ports.js';

/**
 * What a taken State is worth, the same rule for every ChallengePort (memory, Redis): expired by the
 * injected clock, else bound to the client it was issued to and to the same user (case aside).
 */
export function verdictOf(
  challenge: PendingChallenge,
  now: number,
  clientName: string,
  userName: string,
): TakeResult {
  if (challenge.expiresAt <= now) return { kind: 'expired', challenge };
  if (challenge.clientName !== clientName || challenge.userName.toLowerCase() !== userName.toLowerCase())
    return { kind: 'mismatch', challenge };
  return { kind: 'ok', challenge };
}

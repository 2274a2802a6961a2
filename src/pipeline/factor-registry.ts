import type { Factor } from './ports.js';
import type { Identity } from './types.js';

/**
 * The second factors by kind, in the order they are offered. Concat splitting asks the registry
 * which code lengths exist, instead of assuming TOTP's six digits.
 */
export class FactorRegistry {
  private readonly byKind = new Map<string, Factor>();
  /** Longest first: `Secret12345678` with 6- and 8-digit factors tries the 8-digit code first. */
  readonly codeLengths: readonly number[];

  constructor(readonly factors: readonly Factor[]) {
    for (const f of factors) {
      if (this.byKind.has(f.kind)) throw new Error(`factor ${f.kind} registered twice`);
      this.byKind.set(f.kind, f);
    }
    this.codeLengths = [...new Set(factors.flatMap((f) => f.codeLengths))].sort((a, b) => b - a);
  }

  get(kind: string): Factor | undefined {
    return this.byKind.get(kind);
  }

  /** The factors this identity has enrolled, in registry order. */
  async enrolled(identity: Identity): Promise<Factor[]> {
    const flags = await Promise.all(this.factors.map((f) => f.isEnrolled(identity)));
    return this.factors.filter((_, i) => flags[i]);
  }

  /** The enrolled factors that take a typed code of this length. */
  codeFactors(enrolled: readonly Factor[], length: number): Factor[] {
    return enrolled.filter((f) => f.codeLengths.includes(length));
  }
}

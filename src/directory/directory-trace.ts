import { performance } from 'node:perf_hooks';
import type { Identity } from '../pipeline/types.js';
import type { ReasonCode } from '../pipeline/reasons.js';
import type { ParsedLogin } from './login-name.js';

/** One step of `mfa-radius-proxy directory test USER`, in the order it happened. */
export interface DirectoryTraceStep {
  readonly step: 'parse' | 'search' | 'groups';
  readonly ok: boolean;
  readonly detail: string;
  readonly ms: number;
}

/**
 * Everything the `directory test` command prints: what was searched where, what was found, which
 * attributes were read and the nested groups. Plain data: the CLI only formats it. No password is
 * involved (no bind is made) and none is ever recorded.
 */
export interface DirectoryTrace {
  readonly input: string;
  readonly login?: ParsedLogin;
  readonly server?: string;
  readonly base: string;
  readonly scope: 'sub';
  readonly filter?: string;
  /** Number of entries the user search returned (1 is the only success). */
  readonly entries: number;
  readonly dn?: string;
  /** The attributes read from the user entry, names lower-cased. */
  readonly attributes: Readonly<Record<string, readonly string[]>>;
  readonly groups?: {
    readonly strategy: string;
    readonly queries: readonly string[];
    readonly dns: readonly string[];
    readonly names: readonly string[];
    readonly fromCache: boolean;
    readonly truncated: boolean;
  };
  readonly identity?: Identity;
  /** `found`, or why the user could not be resolved (no_such_user, directory_unavailable). */
  readonly outcome: 'found' | ReasonCode;
  readonly steps: readonly DirectoryTraceStep[];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Collects a trace while the normal lookup code runs (the same code as a login). */
export class TraceRecorder {
  readonly data: Mutable<DirectoryTrace>;
  private readonly steps: DirectoryTraceStep[] = [];
  private t = performance.now();

  constructor(input: string, base: string) {
    this.data = {
      input,
      base,
      scope: 'sub',
      entries: 0,
      attributes: {},
      outcome: 'found',
      steps: this.steps,
    };
  }

  step(step: DirectoryTraceStep['step'], ok: boolean, detail: string): void {
    const now = performance.now();
    this.steps.push({ step, ok, detail, ms: Math.round((now - this.t) * 10) / 10 });
    this.t = now;
  }

  finish(outcome: 'found' | ReasonCode): DirectoryTrace {
    this.data.outcome = outcome;
    return this.data;
  }
}

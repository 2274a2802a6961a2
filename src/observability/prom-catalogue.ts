import type { SmsTally } from './prom-sms-tap.js';
import { type RadiusTally, RESULTS } from './prom-tally.js';

/**
 * Every `mfa_radius_*` metric but the latency histogram and prom-client's process metrics, in one
 * place (the README's table lists the same): what each is called, its help text, its labels and
 * where its values come from at scrape time. Nothing here imports prom-client; prom-metrics.ts
 * hands in the kit that registers them.
 */

/** Registers one metric whose values `fill` sets afresh at every scrape. */
export interface MetricKit {
  counter<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (add: (labels: Partial<Record<L, string>>, n: number) => void) => void | Promise<void>,
  ): void;
  gauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    fill: (set: (labels: Partial<Record<L, string>>, n: number) => void) => void | Promise<void>,
  ): void;
}

/** One upstream server as RadiusDirectory.health() reports it. */
export interface UpstreamServerView {
  readonly server: string;
  readonly alive: boolean;
  readonly outstanding: number;
}

/** What the app shows at scrape time; every source is optional (absent: the metric is not shown). */
export interface ScrapeSources {
  /** The authentication port's packet counters (server/counters.ts names). */
  readonly server?: () => Readonly<Record<string, number>>;
  /** The accounting port's counters (accounting-counters.ts names, unprefixed), when it listens. */
  readonly accounting?: () => Readonly<Record<string, number>> | undefined;
  readonly pendingChallenges?: () => number;
  /** Logins held for an out-of-band answer (a two-way SMS reply). */
  readonly oobWaits?: () => number;
  /** Upstream RADIUS (directory `radius`): counters (unprefixed names) and each server's health. */
  readonly upstream?: () =>
    | {
        readonly counters: Readonly<Record<string, number>>;
        readonly health: {
          readonly auth: readonly UpstreamServerView[];
          readonly acct: readonly UpstreamServerView[];
        };
      }
    | undefined;
  /** The directory's type and whether it is reachable (cached: see web/metrics/readiness.ts). */
  readonly directory?: () => Promise<{ readonly type: string; readonly up: boolean }>;
}

/** The RADIUS listeners' metrics: the observer's tallies and the packet counters. */
export function defineRadiusMetrics(kit: MetricKit, tally: RadiusTally, sources: ScrapeSources): void {
  const { counter, gauge } = kit;
  counter(
    'requests_total',
    'Answered Access-Requests by client, result and reason code',
    ['client', 'result', 'reason'] as const,
    (add) => {
      for (const [client, t] of tally.clients)
        RESULTS.forEach((result, i) => {
          for (const [reason, c] of t.byReason[i]!) add({ client, result, reason }, c.n);
        });
    },
  );
  counter('dropped_total', 'Datagrams dropped unanswered, by cause', ['cause'] as const, (add) => {
    for (const [cause, c] of tally.drops) add({ cause }, c.n);
  });

  const server = sources.server;
  const acct = sources.accounting;
  if (server) {
    counter('packets_received_total', 'Datagrams received, by port', ['port'] as const, (add) => {
      add({ port: 'auth' }, server().received ?? 0);
      const a = acct?.();
      if (a) add({ port: 'acct' }, a.received ?? 0);
    });
    counter(
      'packets_answered_total',
      'Replies sent, by port and packet type',
      ['port', 'type'] as const,
      (add) => {
        const s = server();
        for (const type of ['access_accept', 'access_reject', 'access_challenge', 'status_server'])
          add({ port: 'auth', type }, s[type] ?? 0);
        const a = acct?.();
        if (a) {
          add({ port: 'acct', type: 'status_server' }, a.status_server ?? 0);
          add({ port: 'acct', type: 'accounting_response' }, (a.answered ?? 0) - (a.status_server ?? 0));
        }
      },
    );
    counter(
      'duplicates_total',
      'Retransmissions: ignored while in flight, or answered again from the cache',
      ['port', 'kind'] as const,
      (add) => {
        const s = server();
        const a = acct?.();
        for (const kind of ['in_flight', 'replayed']) {
          add({ port: 'auth', kind }, s[`duplicate_${kind}`] ?? 0);
          if (a) add({ port: 'acct', kind }, a[`duplicate_${kind}`] ?? 0);
        }
      },
    );
    counter(
      'handler_errors_total',
      'Access-Requests whose handling failed (answered as a reject)',
      [],
      (add) => add({}, server().handler_errors ?? 0),
    );
  }
  if (acct)
    counter(
      'accounting_records_total',
      'Accounting-Requests by outcome: forwarded upstream, recorded locally, or not recorded (not answered)',
      ['outcome'] as const,
      (add) => {
        const a = acct();
        if (!a) return;
        for (const outcome of ['forwarded', 'recorded_locally', 'not_recorded'])
          add({ outcome }, a[outcome] ?? 0);
      },
    );
  const pending = sources.pendingChallenges;
  if (pending)
    gauge('pending_challenges', 'Access-Challenges issued and not yet answered or expired', [], (set) =>
      set({}, pending()),
    );
  const oob = sources.oobWaits;
  if (oob)
    gauge('oob_waits', 'Logins held for an out-of-band answer (a two-way SMS reply)', [], (set) =>
      set({}, oob()),
    );
}

/** The directory's, the upstream servers' and the SMS side's metrics. */
export function defineServiceMetrics(kit: MetricKit, sms: SmsTally, sources: ScrapeSources): void {
  const { counter, gauge } = kit;
  const upstream = sources.upstream;
  if (upstream) {
    gauge(
      'upstream_up',
      'Upstream RADIUS server alive (1) or marked dead (0), by role and server',
      ['role', 'server'] as const,
      (set) => {
        const u = upstream();
        if (!u) return;
        for (const role of ['auth', 'acct'] as const)
          for (const s of u.health[role]) set({ role, server: s.server }, s.alive ? 1 : 0);
      },
    );
    gauge(
      'upstream_outstanding',
      'Requests sent to an upstream server and not yet answered',
      ['role', 'server'] as const,
      (set) => {
        const u = upstream();
        if (!u) return;
        for (const role of ['auth', 'acct'] as const)
          for (const s of u.health[role]) set({ role, server: s.server }, s.outstanding);
      },
    );
    counter(
      'upstream_events_total',
      'Upstream RADIUS counters summed over all servers (sent, answered, timeouts, drops by cause, probes)',
      ['event'] as const,
      (add) => {
        const u = upstream();
        if (!u) return;
        for (const [event, n] of Object.entries(u.counters)) add({ event }, n);
      },
    );
  }
  const directory = sources.directory;
  if (directory)
    gauge(
      'directory_up',
      'The directory answers (1) or not (0), probed at most every few seconds',
      ['type'] as const,
      async (set) => {
        const d = await directory();
        set({ type: d.type }, d.up ? 1 : 0);
      },
    );

  counter('sms_sent_total', 'SMS codes handed to a provider, by provider', ['provider'] as const, (add) => {
    for (const [provider, n] of sms.sent) add({ provider }, n);
  });
  counter(
    'sms_refused_total',
    'SMS not sent because a budget limit (or the country list) refused it',
    ['limit'] as const,
    (add) => {
      for (const [limit, n] of sms.refused) add({ limit }, n);
    },
  );
  counter(
    'sms_failed_total',
    'SMS that every provider failed to take, by the last failure',
    ['cause'] as const,
    (add) => {
      for (const [cause, n] of sms.failed) add({ cause }, n);
    },
  );
}

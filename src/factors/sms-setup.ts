import { dirname, resolve } from 'node:path';
import { PHONE_SOURCES, type PhoneSourceName, type SmsSectionConfig } from '../config/sms-section.js';
import type { Identity } from '../pipeline/types.js';
import type { Clock, Rng } from '../shared/clock.js';
import { allowedCountries } from '../sms/budget-schema.js';
import { buildSenders } from '../sms/build-senders.js';
import { FailoverSender } from '../sms/failover-sender.js';
import { SmsBudget } from '../sms/sms-budget.js';
import type { InboundSms, SmsLog } from '../sms/sms-sender.js';
import type { OobWaiterPort } from '../state/oob-waiter.js';
import type { Store } from '../store/store.js';
import { type PhoneSource, SmsFactor, type SmsReply } from './sms-factor.js';

/**
 * The phone a code goes to: the first of `sms.phone_sources` that holds a number. By default an
 * enrolment in the store wins (the user or an admin chose it), else the directory's mobile, else
 * its telephone number (see `directory.attributes`). A source left out is never read, so
 * `[store]` keeps numbers that happen to be in the directory from receiving codes.
 */
export function phoneSource(store: Store, sources: readonly PhoneSourceName[] = PHONE_SOURCES): PhoneSource {
  const read = (s: PhoneSourceName, identity: Identity): string | undefined => {
    switch (s) {
      case 'store':
        return store.phones.get(identity.id);
      case 'mobile':
        return identity.mobile;
      case 'phone':
        return identity.phone;
    }
  };
  return {
    async phoneFor(identity: Identity) {
      for (const s of sources) {
        const raw = read(s, identity);
        if (raw !== undefined && raw.trim() !== '') return raw;
      }
      return undefined;
    },
  };
}

export interface SmsRuntime {
  readonly factor: SmsFactor;
  close(): Promise<void>;
}

/** Builds the providers (SMPP binds start now), the budget on the store and the factor. */
export function startSms(
  cfg: SmsSectionConfig,
  deps: {
    readonly store: Store;
    readonly clock: Clock;
    readonly rng: Rng;
    readonly log: SmsLog;
    readonly configFile: string;
    /** Replies from phones (two-way): every inbound SMS is delivered here, keyed by its sender. */
    readonly replies?: OobWaiterPort<SmsReply>;
  },
): SmsRuntime {
  const senders = buildSenders(
    { providers: cfg.providers },
    {
      clock: deps.clock,
      log: deps.log,
      configFile: deps.configFile,
      // Secret and CA files named in the config are relative to the config file.
      baseDir: dirname(resolve(deps.configFile)),
      ...(deps.replies
        ? {
            onInbound: (sms: InboundSms) =>
              void deps.replies!.deliver(sms.from, { text: sms.text, receivedAt: sms.receivedAt }),
          }
        : {}),
    },
  );
  const sender = new FailoverSender(senders, {
    clock: deps.clock,
    onFailure: (r) =>
      deps.log.warn({ event: 'sms_provider_failed', ...r }, 'SMS provider failed; trying the next'),
  });
  const budget = new SmsBudget({
    counters: deps.store.smsBudgets,
    limits: cfg.budgets,
    allowedCountries: allowedCountries(cfg),
  });
  const factor = new SmsFactor({
    sender,
    budget,
    phones: phoneSource(deps.store, cfg.phone_sources),
    clock: deps.clock,
    rng: deps.rng,
    log: deps.log,
    options: {
      digits: cfg.code_digits,
      codeTtlSec: cfg.code_ttl_sec,
      message: cfg.message,
      prompt: cfg.prompt,
      resendKeyword: cfg.resend_keyword,
      resendCooldownSec: cfg.resend_cooldown_sec,
      ...(cfg.default_country ? { defaultCountry: cfg.default_country } : {}),
      twoWay: cfg.mode === 'two_way',
      twoWayPrompt: cfg.two_way_prompt,
    },
    ...(deps.replies ? { replies: deps.replies } : {}),
  });
  return { factor, close: () => Promise.all(senders.map((s) => s.close())).then(() => undefined) };
}

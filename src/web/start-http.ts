import { dirname, resolve } from 'node:path';
import type { Clock } from '../shared/clock.js';
import type { InboundSms } from '../sms/sms-sender.js';
import type { HttpConfig } from './http-schema.js';
import { readHttpSettings } from './http-settings.js';
import type { HttpRoute } from './http-route.js';
import { type HttpLog, startHttpsListener } from './https-listener.js';
import { TwilioWebhookRoute } from './twilio-webhook-route.js';

export interface HttpRuntime {
  readonly addresses: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** For the stats event. */
  counters(): Record<string, number>;
  close(): Promise<void>;
}

/**
 * The `http:` section, started: files read (relative to the config file), the configured routes
 * built, the listener bound on every address. Throws an AppError naming the key on a bad file or
 * an address it cannot bind.
 */
export async function startHttp(
  cfg: HttpConfig,
  deps: {
    readonly clock: Clock;
    readonly log: HttpLog & { warn(obj: object, msg: string): void };
    readonly configFile: string;
    /** Where a self-signed certificate is kept when no cert_file/key_file are configured. */
    readonly dataDir: string;
    /** A reply SMS that arrived by a provider's webhook (signature verified). */
    readonly onInbound: (sms: InboundSms) => void;
  },
): Promise<HttpRuntime> {
  const settings = readHttpSettings(cfg, {
    configFile: deps.configFile,
    baseDir: dirname(resolve(deps.configFile)),
    dataDir: deps.dataDir,
  });
  if (settings.selfSigned?.generated)
    deps.log.warn(
      {
        event: 'http_certificate_generated',
        file: settings.selfSigned.certFile,
        fingerprint: settings.fingerprint,
      },
      `made a self-signed certificate for the HTTPS listener; SHA-256 fingerprint ${settings.fingerprint}`,
    );
  const twilio =
    settings.twilio && settings.publicUrl !== undefined
      ? new TwilioWebhookRoute({
          path: settings.twilio.path,
          publicUrl: settings.publicUrl,
          authToken: settings.twilio.authToken,
          clock: deps.clock,
          log: deps.log,
          onInbound: deps.onInbound,
        })
      : undefined;
  const routes: HttpRoute[] = twilio ? [twilio] : [];
  const listener = await startHttpsListener({
    listen: settings.listen,
    cert: settings.cert,
    key: settings.key,
    routes,
    log: deps.log,
    logFields: {
      fingerprint: settings.fingerprint,
      ...(settings.selfSigned ? { self_signed: settings.selfSigned.certFile } : {}),
    },
  });
  return {
    addresses: listener.addresses,
    counters: () => twilio?.counters() ?? {},
    close: () => listener.close(),
  };
}

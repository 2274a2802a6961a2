import { dirname, resolve } from 'node:path';
import type { Clock } from '../shared/clock.js';
import type { InboundSms } from '../sms/sms-sender.js';
import type { HttpConfig } from './http-schema.js';
import { readHttpSettings } from './http-settings.js';
import type { HttpRoute } from './http-route.js';
import { type HttpLog, type HttpsListener, startHttpsListener } from './https-listener.js';
import { assetRoutes } from './kit/layout.js';
import { TwilioWebhookRoute } from './twilio-webhook-route.js';

export interface HttpRuntime {
  /** The public surface's bound addresses (port 0 resolved). */
  readonly addresses: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** The admin surface's: `addresses` again when there is no admin_listen. */
  readonly adminAddresses: ReadonlyArray<{ readonly address: string; readonly port: number }>;
  /** `http.public_url` without a trailing slash. */
  readonly publicUrl: string | undefined;
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
    /** The portal's, the admin pages', the probes' routes (each names its surface). */
    readonly routes?: readonly HttpRoute[];
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
  const all: HttpRoute[] = [...(twilio ? [twilio] : []), ...(deps.routes ?? [])];
  const isAdmin = (r: HttpRoute): boolean => r.surface === 'admin';
  const separate = settings.adminListen !== undefined;
  const common = {
    cert: settings.cert,
    key: settings.key,
    log: deps.log,
  };
  const logFields = {
    fingerprint: settings.fingerprint,
    ...(settings.selfSigned ? { self_signed: settings.selfSigned.certFile } : {}),
  };
  const main = await startHttpsListener({
    ...common,
    listen: settings.listen,
    // Without admin_listen, one listener serves both surfaces.
    routes: [...assetRoutes('public'), ...(separate ? all.filter((r) => !isAdmin(r)) : all)],
    logFields: { ...logFields, surface: separate ? 'public' : 'public+admin', key: 'http.listen' },
  });
  let admin: HttpsListener | undefined;
  if (settings.adminListen !== undefined) {
    try {
      admin = await startHttpsListener({
        ...common,
        listen: settings.adminListen,
        routes: [...assetRoutes('admin'), ...all.filter(isAdmin)],
        listenKey: 'http.admin_listen',
        logFields: { ...logFields, surface: 'admin', key: 'http.admin_listen' },
      });
    } catch (e) {
      await main.close();
      throw e;
    }
  }
  return {
    addresses: main.addresses,
    adminAddresses: admin?.addresses ?? main.addresses,
    publicUrl: settings.publicUrl,
    counters: () => twilio?.counters() ?? {},
    close: async () => {
      await Promise.all([main.close(), admin?.close()]);
    },
  };
}

import { readConfigFile } from '../config/config-file-read.js';
import type { Clock } from '../shared/clock.js';
import { AppError, ErrorCodes } from '../shared/errors.js';
import { type HttpBody, type HttpProviderSettings, HttpSmsProvider } from './http-provider.js';
import { parseJsonPath } from './json-path.js';
import { messageBirdSettings, smsEagleSettings, twilioSettings, vonageSettings } from './presets.js';
import type { InboundSms, SmsLog, SmsSender, Timers } from './sms-sender.js';
import type { SmsConfig, SmsProviderConfig } from './sms-schema.js';
import { type SmppSettings, type SmppState, SmppProvider } from './smpp-provider.js';

/**
 * From the validated `sms:` section to ready senders, in failover order. Secret and CA files are
 * read here, once; a missing or empty file is a config error naming the key and the fix. SMPP
 * providers start connecting at once (binding takes a round trip or two).
 */
export interface BuildDeps {
  readonly clock: Clock;
  readonly timers?: Timers;
  readonly log?: SmsLog;
  readonly onInbound?: (sms: InboundSms) => void;
  readonly onSmppState?: (provider: string, state: SmppState) => void;
  /** The config file, for messages and for resolving relative paths (default: the working directory). */
  readonly configFile?: string;
  readonly baseDir?: string;
}

interface FileReader {
  secret(index: number, key: string, inline: string | undefined, file: string | undefined): string;
  pem(index: number, file: string | undefined): string | undefined;
}

function fileReader(deps: BuildDeps): FileReader {
  const where = deps.configFile ? `${deps.configFile}: ` : '';
  const read = (index: number, key: string, file: string): string =>
    readConfigFile(file, `sms.providers[${index}].${key}`, {
      ...(deps.configFile ? { configFile: deps.configFile } : {}),
      ...(deps.baseDir ? { baseDir: deps.baseDir } : {}),
    });
  return {
    secret(index, key, inline, file) {
      if (file === undefined) return inline ?? '';
      const value = read(index, `${key}_file`, file).trim();
      if (value === '') {
        throw new AppError(
          ErrorCodes.CONFIG_INVALID,
          `${where}sms.providers[${index}].${key}_file: ${file} is empty: put the ${key} in it`,
          { key: `sms.providers[${index}].${key}_file` },
        );
      }
      return value;
    },
    pem(index, file) {
      return file === undefined ? undefined : read(index, 'ca_file', file);
    },
  };
}

const ms = (seconds: number): number => Math.round(seconds * 1000);

function httpSettings(
  p: SmsProviderConfig & { type: 'http' },
  i: number,
  files: FileReader,
): HttpProviderSettings {
  let body: HttpBody | undefined;
  if (p.body?.form !== undefined) body = { kind: 'form', fields: p.body.form };
  else if (typeof p.body?.json === 'string') body = { kind: 'json_text', template: p.body.json };
  else if (p.body?.json !== undefined) body = { kind: 'json', value: p.body.json };
  else if (p.body?.text !== undefined)
    body = { kind: 'text', template: p.body.text, contentType: p.body.content_type ?? 'text/plain' };
  const auth =
    p.auth?.type === 'basic'
      ? {
          type: 'basic' as const,
          username: p.auth.username,
          password: files.secret(i, 'auth.password', p.auth.password, p.auth.password_file),
        }
      : p.auth?.type === 'bearer'
        ? { type: 'bearer' as const, token: files.secret(i, 'auth.token', p.auth.token, p.auth.token_file) }
        : undefined;
  const secret =
    p.secret !== undefined || p.secret_file !== undefined
      ? files.secret(i, 'secret', p.secret, p.secret_file)
      : undefined;
  const ca = files.pem(i, p.ca_file);
  const s = p.success;
  return {
    name: p.name,
    method: p.method,
    url: p.url,
    headers: p.headers,
    ...(auth ? { auth } : {}),
    ...(secret !== undefined ? { secret } : {}),
    ...(body ? { body } : {}),
    success: {
      status: s.status,
      ...(s.body_regex !== undefined ? { bodyRegex: new RegExp(s.body_regex) } : {}),
      ...(s.json_path !== undefined
        ? {
            json: {
              path: parseJsonPath(s.json_path)!,
              pathText: s.json_path,
              ...(s.json_equals !== undefined ? { equals: s.json_equals } : {}),
            },
          }
        : {}),
      ...(s.message_id_path !== undefined ? { messageIdPath: parseJsonPath(s.message_id_path)! } : {}),
      ...(s.error_path !== undefined ? { errorPath: parseJsonPath(s.error_path)! } : {}),
    },
    timeoutMs: ms(p.timeout),
    ...(ca !== undefined ? { ca } : {}),
  };
}

function smppSettings(p: SmsProviderConfig & { type: 'smpp' }, i: number, files: FileReader): SmppSettings {
  const u = /^(s?smpp):\/\/([^/:]+)(?::(\d+))?/i.exec(p.url)!;
  const tls = u[1]!.toLowerCase() === 'ssmpp';
  // SMPP 3.4 §5.2.5/5.2.6: a numeric sender is international E.164 (TON 1, NPI 1); a name is TON 5.
  const numeric = /^\+?\d+$/.test(p.source_addr);
  const ca = files.pem(i, p.ca_file);
  return {
    name: p.name,
    host: u[2]!,
    port: u[3] !== undefined ? Number(u[3]) : tls ? 3550 : 2775,
    tls,
    ...(ca !== undefined ? { ca } : {}),
    systemId: p.system_id,
    password: files.secret(i, 'password', p.password, p.password_file),
    systemType: p.system_type,
    sourceAddr: p.source_addr.replace(/^\+/, ''),
    sourceTon: p.source_addr_ton ?? (numeric ? 1 : 5),
    sourceNpi: p.source_addr_npi ?? (numeric ? 1 : 0),
    registeredDelivery: p.registered_delivery,
    rate: p.rate,
    burst: p.burst,
    submitTimeoutMs: ms(p.submit_timeout),
    bindTimeoutMs: ms(p.bind_timeout),
    enquireLinkIntervalMs: ms(p.enquire_link_interval),
    reconnectMinMs: ms(p.reconnect_min),
    reconnectMaxMs: ms(p.reconnect_max),
  };
}

export function buildSenders(config: SmsConfig, deps: BuildDeps): SmsSender[] {
  const files = fileReader(deps);
  // Read every file first, so a config error leaves no SMPP connection behind.
  const plans = config.providers.map((p, i) => plan(p, i, files, deps));
  return plans.map((make) => make());
}

function plan(p: SmsProviderConfig, i: number, files: FileReader, deps: BuildDeps): () => SmsSender {
  const http = { clock: deps.clock, ...(deps.timers ? { timers: deps.timers } : {}) };
  const presetCommon = (timeout: number) => ({
    name: p.name,
    timeoutMs: ms(timeout),
    ...caOf(files.pem(i, p.ca_file)),
  });
  switch (p.type) {
    case 'http': {
      const s = httpSettings(p, i, files);
      return () => new HttpSmsProvider(s, http);
    }
    case 'twilio': {
      const s = twilioSettings({
        ...presetCommon(p.timeout),
        baseUrl: p.base_url,
        accountSid: p.account_sid,
        authToken: files.secret(i, 'auth_token', p.auth_token, p.auth_token_file),
        ...(p.from !== undefined ? { from: p.from } : {}),
        ...(p.messaging_service_sid !== undefined ? { messagingServiceSid: p.messaging_service_sid } : {}),
      });
      return () => new HttpSmsProvider(s, http);
    }
    case 'vonage': {
      const s = vonageSettings({
        ...presetCommon(p.timeout),
        baseUrl: p.base_url,
        apiKey: p.api_key,
        apiSecret: files.secret(i, 'api_secret', p.api_secret, p.api_secret_file),
        from: p.from,
      });
      return () => new HttpSmsProvider(s, http);
    }
    case 'messagebird': {
      const s = messageBirdSettings({
        ...presetCommon(p.timeout),
        baseUrl: p.base_url,
        accessKey: files.secret(i, 'access_key', p.access_key, p.access_key_file),
        originator: p.originator,
      });
      return () => new HttpSmsProvider(s, http);
    }
    case 'smseagle': {
      const s = smsEagleSettings({
        ...presetCommon(p.timeout),
        baseUrl: p.base_url,
        accessToken: files.secret(i, 'access_token', p.access_token, p.access_token_file),
      });
      return () => new HttpSmsProvider(s, http);
    }
    case 'smpp': {
      const s = smppSettings(p, i, files);
      return () => {
        const smpp = new SmppProvider(s, {
          clock: deps.clock,
          ...(deps.timers ? { timers: deps.timers } : {}),
          ...(deps.log ? { log: deps.log } : {}),
          ...(deps.onInbound ? { onInbound: deps.onInbound } : {}),
          ...(deps.onSmppState ? { onState: (st: SmppState) => deps.onSmppState?.(p.name, st) } : {}),
        });
        smpp.start();
        return smpp;
      };
    }
  }
}

const caOf = (ca: string | undefined): { ca?: string } => (ca !== undefined ? { ca } : {});

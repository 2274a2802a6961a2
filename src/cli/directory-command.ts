import type { Command } from 'commander';
import { LdapDirectory } from '../directory/ldap-directory.js';
import type { DirectoryTrace } from '../directory/directory-trace.js';
import type { Identity } from '../pipeline/types.js';
import { effectivePolicy } from '../policy/effective-policy.js';
import { GroupPolicy } from '../policy/group-policy.js';
import { encodeAttribute } from '../radius/attributes.js';
import { loadDictionaries } from '../radius/dictionary.js';
import { identityKey } from '../shared/identity-key.js';
import { Store } from '../store/store.js';
import { configFrom } from './config-option.js';
import { action } from './cli-action.js';
import { usage } from './io.js';

const out = (line = ''): void => {
  process.stdout.write(`${line}\n`);
};

function printTrace(t: DirectoryTrace): void {
  out(`login name   ${t.input}${t.login ? `  (form ${t.login.form}, user "${t.login.user}")` : ''}`);
  out(`server       ${t.server ?? '-'}`);
  out(`search       base "${t.base}" scope ${t.scope}`);
  out(`filter       ${t.filter ?? '-'}`);
  out(`entries      ${t.entries}`);
  out(`DN           ${t.dn ?? '-'}`);
  for (const [k, v] of Object.entries(t.attributes)) out(`  ${k.padEnd(20)} ${v.join('; ')}`);
  if (t.groups) {
    out(
      `groups       ${t.groups.names.join(', ') || '(none)'}  [${t.groups.strategy}${t.groups.fromCache ? ', cached' : ''}${t.groups.truncated ? ', TRUNCATED at max_depth' : ''}]`,
    );
    for (const dn of t.groups.dns) out(`  ${dn}`);
  }
  for (const s of t.steps)
    out(
      `step         ${s.step.padEnd(7)} ${s.ok ? 'ok  ' : 'FAIL'} ${String(s.ms).padStart(7)} ms  ${s.detail}`,
    );
}

/**
 * `directory test USER`: the admin's day-one tool. Shows how a login name is found, the groups
 * (nested), which policy rule matches, whether a code will be asked, and the exact reply
 * attributes the gateway would get. Makes no bind, so it needs no password and never locks anyone.
 */
export function registerDirectoryCommands(program: Command): void {
  program
    .command('directory')
    .description('inspect the configured directory')
    .command('test <user>')
    .description('show the search, DN, nested groups, matching policy rule and reply attributes for a user')
    .option('--config <file>', 'config file')
    .option('--json', 'machine-readable output')
    .action(
      action(async (user: string, opts: { config?: string; json?: boolean }) => {
        const { config } = configFrom(opts.config);
        loadDictionaries();
        let identity: Identity | undefined;
        let trace: DirectoryTrace | undefined;
        if (config.directory.type === 'ldap') {
          const dir = new LdapDirectory(config.directory);
          try {
            trace = await dir.explainUser(user);
          } finally {
            await dir.close();
          }
          identity = trace.identity;
        } else if (config.directory.type === 'local') {
          const store = Store.open(config.data_dir);
          const u = store.users.get(user);
          store.close();
          if (u) identity = { id: identityKey(u.name), loginName: user, mfaExempt: u.mfaExempt };
        } else {
          usage(
            `directory test works with directory.type ldap or local (this config uses ${config.directory.type})`,
          );
        }
        const store = Store.open(config.data_dir);
        const tokens = identity ? store.tokens.listFor(identity.id).length : 0;
        store.close();
        const decision = identity
          ? new GroupPolicy(effectivePolicy(config), { exemptUsers: config.mfa.exempt_users }).evaluate(
              identity,
            )
          : undefined;
        const reply = (decision?.reply ?? []).map((a) => {
          const enc = encodeAttribute(a, { split: true });
          return {
            attribute: String(a.name),
            value: Buffer.isBuffer(a.value) ? a.value.toString('hex') : a.value,
            error: enc.ok ? undefined : enc.error,
          };
        });
        if (opts.json) {
          out(
            JSON.stringify(
              { trace, identity, enrolled_tokens: tokens, policy: decision && { ...decision, reply } },
              null,
              2,
            ),
          );
        } else {
          if (trace) printTrace(trace);
          if (!identity) {
            out(
              `result       user not found${trace ? ` (${trace.outcome})` : ''}: a login would be rejected`,
            );
            process.exitCode = 1;
            return;
          }
          out(
            `identity     ${identity.id}${identity.mobile ? `  mobile ${identity.mobile}` : ''}${identity.mail ? `  mail ${identity.mail}` : ''}`,
          );
          out(`enrolled     ${tokens} token(s)`);
          if (!decision?.allowed) {
            out(
              'policy       NOT ALLOWED: not in policy.allow_groups; a login would be rejected (not_in_allowed_group)',
            );
            return;
          }
          const needsCode = decision.mfa === 'required' && !(tokens === 0 && decision.unenrolled === 'allow');
          out(
            `policy       rule "${decision.rule}": mfa ${decision.mfa}, unenrolled users: ${decision.unenrolled}`,
          );
          out(
            `second factor ${needsCode ? (tokens > 0 ? 'a code will be asked' : 'required but not enrolled: a login would be rejected') : 'not asked'}`,
          );
          if (reply.length === 0) out('reply        (no attributes)');
          for (const r of reply)
            out(`reply        ${r.attribute} = ${r.value}${r.error ? `   <-- ERROR: ${r.error}` : ''}`);
        }
      }),
    );
}

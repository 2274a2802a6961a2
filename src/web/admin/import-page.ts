import { createIdentityResolver } from '../../services/identity-resolver.js';
import { type ImportKind, IMPORT_KINDS, type ImportReport } from '../../services/import-report.js';
import { ImportService, MAX_IMPORT_BYTES } from '../../services/import-service.js';
import type { HttpAnswer, HttpRoute } from '../http-route.js';
import { html } from '../kit/html.js';
import {
  type AdminContext,
  type AdminSession,
  adminPage,
  audit,
  postForm,
  requireAdmin,
} from './admin-context.js';

/** A dry run's file, kept for its confirmation (never sent back to the browser: it holds secrets). */
interface Pending {
  readonly kind: ImportKind;
  readonly text: string;
  readonly at: number;
}
const PENDING_MS = 15 * 60_000;
const MAX_PENDING = 20;

const KIND_LABEL: Readonly<Record<ImportKind, string>> = {
  'oath-csv': 'OATH tokens (upn, serial number, secret key, time interval, manufacturer, model)',
  'users-csv': 'Users (user name, phone, default method)',
};
const OUTCOME = { imported: 'badge-ok', skipped: '', refused: 'badge-bad' } as const;

async function withImport<T>(ctx: AdminContext, fn: (s: ImportService) => Promise<T>): Promise<T> {
  const config = ctx.app.config();
  const resolver = createIdentityResolver(config, ctx.store);
  try {
    return await fn(
      new ImportService({ config, configFile: ctx.app.configFile, store: ctx.store, resolver }),
    );
  } finally {
    await resolver.close();
  }
}

function reportHtml(r: ImportReport, csrf: string | undefined) {
  return html`<section class="card"><h2>${r.dryRun ? 'Dry run: nothing was changed' : 'Imported'}</h2>
${r.fileError ? html`<p class="flash flash-error">The file cannot be imported: ${r.fileError}</p>` : ''}
<div class="grid totals"><div><p class="muted">${r.dryRun ? 'would be imported' : 'imported'}</p><p class="big">${r.totals.imported}</p></div><div><p class="muted">skipped</p><p class="big">${r.totals.skipped}</p></div><div><p class="muted">refused</p><p class="big">${r.totals.refused}</p></div></div>
${r.notes.map((n) => html`<p class="hint">${n}</p>`)}
${r.dryRun && csrf && !r.fileError && r.totals.imported > 0 ? html`<form method="post" action="/admin/import/confirm"><input type="hidden" name="csrf" value="${csrf}"><div class="actions"><button class="btn btn-primary" type="submit">Import ${r.totals.imported} row(s) now</button></div></form>` : ''}
<div class="table-scroll"><table class="data"><thead><tr><th class="num">Line</th><th>User</th><th>Outcome</th><th>Detail</th></tr></thead><tbody>
${r.rows.slice(0, 1000).map((row) => html`<tr><td class="num">${row.line}</td><td>${row.user}${row.identity && row.identity !== row.user ? html` <span class="muted">(${row.identity})</span>` : ''}</td><td><span class="badge ${OUTCOME[row.outcome]}">${row.outcome}</span>${row.reason ? html` <span class="muted">${row.reason}</span>` : ''}</td><td>${row.detail}${row.notes.map((n) => html`<div class="hint">${n}</div>`)}</td></tr>`)}
</tbody></table></div>${r.rows.length > 1000 ? html`<p class="hint">First 1000 of ${r.rows.length} rows shown.</p>` : ''}</section>`;
}

/**
 * `GET|POST /admin/import`, `POST /admin/import/confirm`: the importer's page (issue 11 item 6),
 * over the import helper's ImportService. The file is pasted (a form without script sends no file
 * body unless multipart), dry-run first; the confirmation imports the same text, kept in memory.
 */
export function importRoutes(ctx: AdminContext): HttpRoute[] {
  const pending = new Map<string, Pending>();
  const show = (s: AdminSession, report?: ImportReport, error?: string): HttpAnswer => {
    const body = html`<h1>Import from Azure MFA Server</h1>
<form class="card" method="post" action="/admin/import" autocomplete="off">
<input type="hidden" name="csrf" value="${s.csrf}">
<div class="row"><label for="kind">File</label><select id="kind" name="kind">${IMPORT_KINDS.map((k) => html`<option value="${k}">${KIND_LABEL[k]}</option>`)}</select></div>
<div class="row"><label for="csv">CSV text</label><textarea id="csv" name="csv" rows="10" class="mono" spellcheck="false" required></textarea><p class="hint">Paste the file's content (up to ${MAX_IMPORT_BYTES / 1024 / 1024} MiB). A dry run comes first: nothing is changed until you confirm. The secrets are sealed at rest as usual and never shown again.</p></div>
<div class="actions"><button class="btn btn-primary" type="submit">Dry run</button></div>
</form>
${report ? reportHtml(report, s.csrf) : ''}`;
    return adminPage({
      title: 'Import',
      active: '/admin/import',
      signedIn: true,
      csrf: s.csrf,
      body,
      ...(error ? { flash: { kind: 'error' as const, text: error } } : {}),
    });
  };
  return [
    {
      method: 'GET',
      path: '/admin/import',
      surface: 'admin',
      handle: (req) => {
        const s = requireAdmin(ctx, req);
        return 'status' in s ? s : show(s);
      },
    },
    {
      method: 'POST',
      path: '/admin/import',
      surface: 'admin',
      contentType: 'application/x-www-form-urlencoded',
      // A urlencoded 8 MiB file is up to three times larger on the wire.
      bodyLimit: MAX_IMPORT_BYTES * 3 + 4096,
      handle: async (req) => {
        const p = postForm(ctx, req, { signedIn: true });
        if ('status' in p) return p;
        const s = requireAdmin(ctx, req);
        if ('status' in s) return s;
        const kind = p.form.get('kind') as ImportKind | undefined;
        if (!kind || !IMPORT_KINDS.includes(kind)) return show(s, undefined, 'Choose which file this is.');
        const text = p.form.get('csv') ?? '';
        const report = await withImport(ctx, (svc) => svc.dryRun(text, kind));
        const now = ctx.clock.now();
        for (const [k, v] of pending) if (now - v.at > PENDING_MS) pending.delete(k);
        if (pending.size >= MAX_PENDING) pending.delete(pending.keys().next().value!);
        pending.set(s.id, { kind, text, at: now });
        audit(ctx, s.data.name, 'import_dry_run', { kind, ...report.totals }, req.src);
        return show(s, report);
      },
    },
    {
      method: 'POST',
      path: '/admin/import/confirm',
      surface: 'admin',
      contentType: 'application/x-www-form-urlencoded',
      handle: async (req) => {
        const p = postForm(ctx, req, { signedIn: true });
        if ('status' in p) return p;
        const s = requireAdmin(ctx, req);
        if ('status' in s) return s;
        const job = pending.get(s.id);
        pending.delete(s.id);
        if (!job || ctx.clock.now() - job.at > PENDING_MS)
          return show(s, undefined, 'The dry run has expired: paste the file again.');
        const report = await withImport(ctx, (svc) => svc.run(job.text, job.kind));
        audit(ctx, s.data.name, 'import', { kind: job.kind, ...report.totals }, req.src);
        return show(s, report);
      },
    },
  ];
}

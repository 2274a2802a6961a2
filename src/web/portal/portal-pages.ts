import type { Identity } from '../../pipeline/types.js';
import type { MyMethods, TotpSetup } from '../../services/portal-methods.js';
import type { PendingFactor, PortalScope } from '../../services/portal-sign-in.js';
import type { HttpAnswer } from '../http-route.js';
import { html, raw, type SafeHtml } from '../kit/html.js';
import { page } from '../kit/layout.js';
import { portalStyles } from './portal-css.js';
import type { Flash } from './portal-session.js';

/** The portal's pages: views only (data in, an answer out). Every form carries the CSRF token. */

const AREA = 'Self-service';
const csrfField = (csrf: string): SafeHtml => html`<input type="hidden" name="csrf" value="${csrf}">`;

function nav(csrf: string, active: 'methods' | 'totp' | 'phone' | ''): SafeHtml {
  const a = (href: string, key: string, text: string) =>
    html`<a href="${href}"${active === key ? raw(' class="active" aria-current="page"') : ''}>${text}</a>`;
  return html`${a('/portal/methods', 'methods', 'My methods')}<form class="inline" method="post" action="/portal/sign-out">${csrfField(csrf)}<button class="btn-link nav-out" type="submit">Sign out</button></form>`;
}

export function signInPage(csrf: string, flash?: Flash, status?: number): HttpAnswer {
  return page({
    title: 'Sign in',
    area: AREA,
    width: 'narrow',
    ...(flash ? { flash } : {}),
    ...(status ? { status } : {}),
    body: html`${portalStyles}<h1>Sign in</h1>
<div class="card">
<p class="muted">Manage the second factor you use for the VPN: an authenticator app or your phone.</p>
<form method="post" action="/portal/" autocomplete="on">
${csrfField(csrf)}
<div class="row"><label for="user">User name</label><input id="user" name="user" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required></div>
<div class="row"><label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required></div>
<div class="actions"><button class="btn btn-primary" type="submit">Sign in</button></div>
</form>
</div>
<p class="hint">The same user name and password as for the VPN. Failed attempts here count toward the VPN's lockout.</p>`,
  });
}

export function codePage(csrf: string, pending: PendingFactor, flash?: Flash): HttpAnswer {
  const other =
    pending.other === 'sms'
      ? 'Send me a text message instead'
      : pending.other === 'totp'
        ? 'Use my authenticator app instead'
        : '';
  return page({
    title: 'Your code',
    area: AREA,
    width: 'narrow',
    ...(flash ? { flash } : {}),
    body: html`${portalStyles}<h1>Second step</h1>
<div class="card">
<p>${pending.prompt}</p>
<form method="post" action="/portal/code" autocomplete="off">
${csrfField(csrf)}
<div class="row"><label for="code">Code</label><input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,9}" maxlength="9" required autofocus></div>
<div class="actions"><button class="btn btn-primary" type="submit">Continue</button></div>
</form>
${
  other
    ? html`<form method="post" action="/portal/code" class="switch">${csrfField(csrf)}<input type="hidden" name="switch" value="1"><button class="btn-link" type="submit">${other}</button></form>`
    : ''
}
</div>
<form method="post" action="/portal/sign-out">${csrfField(csrf)}<button class="btn-link" type="submit">Cancel</button></form>`,
  });
}

const fmtDate = (ms: number): string => new Date(ms).toISOString().slice(0, 10);

export function methodsPage(
  csrf: string,
  identity: Identity,
  scope: PortalScope,
  m: MyMethods,
  flash?: Flash,
): HttpAnswer {
  const count = m.apps.length + (m.phone ? 1 : 0);
  const lastLocked = m.mfaRequired && count <= 1;
  const removeNote = lastLocked
    ? html`<p class="hint">Your only method cannot be removed: your organisation requires a second factor for your account. Add another method first, then remove this one.</p>`
    : '';
  const isDefault = (k: 'totp' | 'sms') =>
    m.defaultMethod === k || (m.defaultMethod === undefined && k === 'totp' && m.apps.length > 0);
  const defaultForm = (k: 'totp' | 'sms') =>
    count > 1 && m.apps.length > 0 && m.phone && !isDefault(k)
      ? html`<form class="inline" method="post" action="/portal/methods/default">${csrfField(csrf)}<input type="hidden" name="kind" value="${k}"><button class="btn" type="submit">Make default</button></form>`
      : '';
  const badge = (k: 'totp' | 'sms') =>
    count > 1 && isDefault(k) ? html` <span class="badge badge-ok">default</span>` : '';
  const apps = m.apps.map(
    (t) => html`<li class="method">
<div class="method-head"><strong>${t.label ?? 'Authenticator app'}</strong>${badge('totp')}<span class="muted"> · app · added ${fmtDate(t.createdAt)}</span></div>
<div class="actions">
<form class="inline rename" method="post" action="/portal/methods/rename">${csrfField(csrf)}<input type="hidden" name="id" value="${t.id}"><input type="text" name="label" aria-label="New name" maxlength="40" value="${t.label ?? ''}" required><button class="btn" type="submit">Rename</button></form>
${defaultForm('totp')}
${lastLocked ? '' : html`<form class="inline" method="post" action="/portal/methods/remove">${csrfField(csrf)}<input type="hidden" name="kind" value="totp"><input type="hidden" name="id" value="${t.id}"><button class="btn btn-danger" type="submit">Remove</button></form>`}
</div>
</li>`,
  );
  const phone = m.phone
    ? html`<li class="method">
<div class="method-head"><strong>Text message to <span class="mono">${m.phone.masked}</span></strong>${badge('sms')}<span class="muted"> · SMS${m.phone.source === 'directory' ? ' · from the directory' : ''}</span></div>
<div class="actions">${defaultForm('sms')}
${m.phone.source === 'directory' ? html`<span class="hint">This number comes from the company directory; ask your administrator to change it.</span>` : lastLocked ? '' : html`<form class="inline" method="post" action="/portal/methods/remove">${csrfField(csrf)}<input type="hidden" name="kind" value="sms"><button class="btn btn-danger" type="submit">Remove</button></form>`}
</div>
</li>`
    : '';
  const first = scope === 'first_enrolment';
  const add = html`<div class="card"><h2>${count === 0 ? 'Add your first method' : 'Add a method'}</h2>
<div class="actions">
<form class="inline" method="post" action="/portal/totp">${csrfField(csrf)}<button class="btn btn-primary" type="submit">Add an authenticator app</button></form>
${m.smsAvailable && !m.phone ? html`<a class="btn" href="/portal/phone">Add a phone for text messages</a>` : ''}
</div>
<p class="hint">An app (Microsoft Authenticator, Google Authenticator, FreeOTP, …) works offline and is the most reliable.</p></div>`;
  return page({
    title: 'My methods',
    area: AREA,
    nav: nav(csrf, 'methods'),
    ...(flash ? { flash } : {}),
    body: html`${portalStyles}<h1>My sign-in methods</h1>
<p class="muted">Signed in as <strong>${identity.displayName ?? identity.id}</strong>${first ? ' to enrol a first method' : ''}.</p>
${
  count === 0
    ? html`<div class="card"><p>You have no second factor yet. Add one below; the VPN asks for it from then on.</p></div>`
    : html`<div class="card"><h2>Your methods</h2><ul class="methods">${apps}${phone}</ul>${removeNote}</div>`
}
${add}`,
  });
}

export function totpPage(csrf: string, setup: TotpSetup, qr: string, flash?: Flash): HttpAnswer {
  return page({
    title: 'Add an authenticator app',
    area: AREA,
    nav: nav(csrf, 'totp'),
    width: 'narrow',
    ...(flash ? { flash } : {}),
    body: html`${portalStyles}<h1>Add an authenticator app</h1>
<div class="card stack">
<p><strong>1.</strong> In your authenticator app, add an account and scan this code.</p>
<img class="qr" src="${qr}" alt="QR code for your authenticator app" width="220" height="220">
<details><summary>Cannot scan? Type this key instead</summary><p class="mono manual-key">${setup.manualKey}</p><p class="hint">Time-based, 6 digits, every 30 seconds.</p></details>
<p><strong>2.</strong> Enter the 6-digit code the app shows now.</p>
<form method="post" action="/portal/totp/confirm" autocomplete="off">
${csrfField(csrf)}
<div class="row"><label for="code">Code from the app</label><input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,7}" maxlength="7" required></div>
<div class="actions"><button class="btn btn-primary" type="submit">Activate</button><a class="btn" href="/portal/methods">Cancel</a></div>
</form>
<p class="hint">The app is used for the VPN only once you entered a code from it.</p>
</div>`,
  });
}

export function phonePage(
  csrf: string,
  sent: { masked: string; prompt: string } | undefined,
  flash?: Flash,
): HttpAnswer {
  const body = sent
    ? html`<div class="card">
<p>${sent.prompt}</p>
<form method="post" action="/portal/phone/confirm" autocomplete="off">
${csrfField(csrf)}
<div class="row"><label for="code">Code from the text message</label><input id="code" name="code" class="code" type="text" inputmode="numeric" autocomplete="one-time-code" pattern="[0-9 ]{6,9}" maxlength="9" required></div>
<div class="actions"><button class="btn btn-primary" type="submit">Confirm</button><a class="btn" href="/portal/phone?new=1">Use another number</a></div>
</form></div>`
    : html`<div class="card">
<form method="post" action="/portal/phone" autocomplete="on">
${csrfField(csrf)}
<div class="row"><label for="number">Mobile number</label><input id="number" name="number" type="tel" autocomplete="tel" placeholder="+49 151 23456789" required>
<p class="hint">With the country code. We send a code to it; the number is saved once you typed the code back.</p></div>
<div class="actions"><button class="btn btn-primary" type="submit">Send code</button><a class="btn" href="/portal/methods">Cancel</a></div>
</form></div>`;
  return page({
    title: 'Add a phone',
    area: AREA,
    nav: nav(csrf, 'phone'),
    width: 'narrow',
    ...(flash ? { flash } : {}),
    body: html`${portalStyles}<h1>Add a phone for text messages</h1>${body}`,
  });
}

export function linkPage(csrf: string, token: string): HttpAnswer {
  return page({
    title: 'Enrolment link',
    area: AREA,
    width: 'narrow',
    body: html`${portalStyles}<h1>Set up your second factor</h1>
<div class="card">
<p>Your administrator sent you this link to set up your first sign-in method for the VPN. It works once.</p>
<form method="post" action="/portal/link">${csrfField(csrf)}<input type="hidden" name="t" value="${token}">
<div class="actions"><button class="btn btn-primary" type="submit">Continue</button></div></form>
</div>`,
  });
}

export function messagePage(title: string, text: string, status: number): HttpAnswer {
  return page({
    title,
    area: AREA,
    width: 'narrow',
    status,
    body: html`${portalStyles}<h1>${title}</h1>
<div class="card"><p role="alert">${text}</p>
<div class="actions"><a class="btn" href="/portal/">Back to sign-in</a></div></div>`,
  });
}

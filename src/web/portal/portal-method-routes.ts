import type { HttpRoute } from '../http-route.js';
import { queryParams } from '../kit/form.js';
import { seeOther } from '../kit/redirect.js';
import { methodsPage, phonePage, totpPage } from './portal-pages.js';
import type { PortalRouteDeps, RouteHelpers } from './portal-route-helpers.js';
import { rotate, takeFlash, withFlash } from './portal-session.js';
import { qrDataUrl } from './qr-image.js';

/** One's own methods: the list, a new app (pending until its code), a new phone, rename, remove, default. */
export function methodRoutes(deps: PortalRouteDeps, h: RouteHelpers): HttpRoute[] {
  const { sessions } = deps;
  const { cid, toIn, get, signedIn, signedInPost, fullOnly } = h;
  return [
    get('/portal/methods', async (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      const flash = takeFlash(sessions, r.s);
      return methodsPage(r.s.csrf, r.st.identity, r.st.scope, await deps.methods.list(r.st.identity), flash);
    }),
    signedInPost('/portal/totp', (s, st) => {
      const setup = deps.methods.startTotp(st.identity);
      toIn(s, { ...st, totpTokenId: setup.tokenId });
      return seeOther('/portal/totp');
    }),
    get('/portal/totp', async (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      const setup =
        r.st.totpTokenId === undefined ? undefined : deps.methods.totpSetup(r.st.identity, r.st.totpTokenId);
      if (!setup) return seeOther('/portal/methods');
      return totpPage(r.s.csrf, setup, await qrDataUrl(setup.uri), takeFlash(sessions, r.s));
    }),
    signedInPost(
      '/portal/totp/confirm',
      async (s, st, form) => {
        if (st.totpTokenId === undefined) return seeOther('/portal/methods');
        const r = await deps.methods.confirmTotp(st.identity, st.totpTokenId, form.get('code') ?? '');
        if (!r.ok) {
          const text =
            r.why === 'replayed'
              ? 'That code was used already. Wait for the next one.'
              : r.why === 'not_found'
                ? 'This enrolment is no longer open. Start again.'
                : 'That code is not right. Check the time on your phone and enter the current code.';
          toIn(s, withFlash(st, { kind: 'error', text }));
          return seeOther(r.why === 'not_found' ? '/portal/methods' : '/portal/totp');
        }
        const { totpTokenId: _done, ...rest } = st;
        // The user proved the new method: the session may manage methods from now on.
        const cookie = rotate(
          sessions,
          s,
          withFlash(
            { ...rest, scope: 'full' },
            { kind: 'ok', text: 'Your authenticator app is active. The VPN asks for its code from now on.' },
          ),
          deps.sessionMaxSec,
        );
        return seeOther('/portal/methods', { 'set-cookie': cookie });
      },
      true,
    ),
    get('/portal/phone', (req) => {
      const r = signedIn(req);
      if (!('s' in r)) return r;
      if (queryParams(req.query).has('new') && r.st.phone) {
        const { phone: _old, ...rest } = r.st;
        toIn(r.s, rest);
        return seeOther('/portal/phone');
      }
      return phonePage(r.s.csrf, r.st.phone, takeFlash(sessions, r.s));
    }),
    signedInPost(
      '/portal/phone',
      async (s, st, form) => {
        const r = await deps.methods.startPhone(st.identity, form.get('number') ?? '', cid());
        if (!r.ok) {
          toIn(
            s,
            withFlash(st, {
              kind: 'error',
              text: r.why === 'invalid' ? `That number cannot be used: ${r.detail}` : r.detail,
            }),
          );
          return seeOther('/portal/phone');
        }
        toIn(s, { ...st, phone: r.challenge });
        return seeOther('/portal/phone');
      },
      true,
    ),
    signedInPost(
      '/portal/phone/confirm',
      async (s, st, form) => {
        if (!st.phone) return seeOther('/portal/phone');
        const r = await deps.methods.confirmPhone(st.identity, st.phone, form.get('code') ?? '');
        if (!r.ok) {
          toIn(
            s,
            withFlash(st, {
              kind: 'error',
              text:
                r.why === 'expired'
                  ? 'That code has expired: use another number or send a new code.'
                  : 'That code is not right.',
            }),
          );
          return seeOther('/portal/phone');
        }
        const { phone: _done, ...rest } = st;
        const cookie = rotate(
          sessions,
          s,
          withFlash(
            { ...rest, scope: 'full' },
            { kind: 'ok', text: 'Your phone is saved. The VPN can send codes to it from now on.' },
          ),
          deps.sessionMaxSec,
        );
        return seeOther('/portal/methods', { 'set-cookie': cookie });
      },
      true,
    ),
    signedInPost('/portal/methods/rename', (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const r = deps.methods.rename(st.identity, Number(form.get('id')), form.get('label') ?? '');
      toIn(
        s,
        withFlash(
          st,
          r.ok
            ? { kind: 'ok', text: 'Renamed.' }
            : { kind: 'error', text: "Use 1 to 40 letters, digits, spaces or . _ - ' ( )." },
        ),
      );
      return seeOther('/portal/methods');
    }),
    signedInPost('/portal/methods/remove', async (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const kind = form.get('kind');
      const r =
        kind === 'sms'
          ? await deps.methods.remove(st.identity, { kind: 'sms' })
          : await deps.methods.remove(st.identity, { kind: 'totp', tokenId: Number(form.get('id')) });
      const text = r.ok
        ? 'Removed.'
        : r.why === 'last_method'
          ? 'This is your only method, and your organisation requires a second factor: add another one first.'
          : r.why === 'not_removable'
            ? 'This number comes from the directory; ask your administrator.'
            : 'Nothing to remove.';
      toIn(s, withFlash(st, { kind: r.ok ? 'ok' : 'error', text }));
      return seeOther('/portal/methods');
    }),
    signedInPost('/portal/methods/default', async (s, st, form) => {
      if (!fullOnly(st)) return seeOther('/portal/methods');
      const r = await deps.methods.setDefault(st.identity, form.get('kind') ?? '');
      toIn(
        s,
        withFlash(
          st,
          r.ok
            ? { kind: 'ok', text: 'Default method changed.' }
            : { kind: 'error', text: 'You have no such method.' },
        ),
      );
      return seeOther('/portal/methods');
    }),
  ];
}

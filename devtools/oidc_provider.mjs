// A real OpenID Connect provider (npm oidc-provider) standing in for a council's own, for the
// tests of council sign-in and for `make run`'s demo borough (docs/sign-in.md). Never shipped.
//
//   node devtools/oidc_provider.mjs [--port N] [--client ID:SECRET:REDIRECT_URI:POST_LOGOUT_URI]
//
// It listens on 127.0.0.1 (port 0 picks a free one) and prints one line of JSON, {"issuer": ...},
// once it answers. Anyone it is asked to sign in is signed in without a form: the account is the
// `login_hint` the service sends (the email typed on its council sign-in page), so tests need no
// password. Clients come from --client or from dynamic registration (POST /reg, RFC 7591).
//
// It can be told to misbehave, which is what the tests are for:
//   POST /control/accounts  {"email": ..., "email_verified": false, "amr": [...], "acr": ...}
//        the claims that account's sign-ins carry from now on (email_verified defaults to true,
//        amr to ["pwd"]); "email" may differ from the login hint with "login_hint": ...
//   POST /control/clients   {"client_id": ..., "aud": ..., "iss": ..., "expired": true}
//        every ID token issued to that client from now on is re-signed, with the provider's own
//        key, with that audience or issuer, or already expired
//   POST /control/reset     forget both
import http from 'node:http';
import { parseArgs } from 'node:util';

import { SignJWT, decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, importJWK } from 'jose';
import Provider from 'oidc-provider';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: '0' },
    client: { type: 'string', multiple: true, default: [] },
  },
});

const accounts = new Map();
const misbehaviour = new Map();

function accountFor(hint) {
  const override = accounts.get(hint.toLowerCase()) || {};
  return {
    email: hint,
    email_verified: true,
    amr: ['pwd'],
    ...override,
  };
}

async function readJson(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return chunks.length ? JSON.parse(Buffer.concat(chunks).toString('utf8')) : {};
}

const { privateKey } = await generateKeyPair('RS256', { extractable: true });
const signingJwk = { ...(await exportJWK(privateKey)), kid: 'test-key-1', alg: 'RS256', use: 'sig' };
const signingKey = await importJWK(signingJwk, 'RS256');

const server = http.createServer();
await new Promise((resolve) => server.listen(Number(options.port), '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;

const staticClients = options.client.map((spec) => {
  // ID:SECRET:REDIRECT:POST_LOGOUT, where the two addresses themselves contain colons.
  const [clientId, secret, ...rest] = spec.split(':');
  const addresses = rest.join(':').split(/,(?=https?:)/);
  return {
    client_id: clientId,
    client_secret: secret,
    redirect_uris: [addresses[0]],
    post_logout_redirect_uris: addresses.slice(1),
    token_endpoint_auth_method: 'client_secret_basic',
  };
});

const provider = new Provider(issuer, {
  clients: staticClients,
  jwks: { keys: [signingJwk] },
  // The service reads the email from the ID token: put the claims the scopes grant into it.
  conformIdTokenClaims: false,
  claims: {
    // amr and acr say how the person signed in: the service reads them for the second step.
    openid: ['sub', 'amr', 'acr'],
    email: ['email', 'email_verified'],
    profile: ['name'],
  },
  scopes: ['openid', 'email', 'profile'],
  acrValues: ['urn:council:loa:pwd', 'urn:council:loa:mfa'],
  findAccount(_ctx, id) {
    return {
      accountId: id,
      async claims() {
        const account = accountFor(id);
        return { sub: id, email: account.email, email_verified: account.email_verified };
      },
    };
  },
  features: {
    devInteractions: { enabled: false },
    registration: { enabled: true },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        ctx.body = `<!DOCTYPE html><html lang="en"><head><title>Sign out</title></head><body>
          <h1>Sign out of the council account?</h1>${form}
          <button type="submit" form="op.logoutForm" value="yes" name="logout">Yes, sign me out</button>
          </body></html>`;
      },
      async postLogoutSuccessSource(ctx) {
        ctx.body = '<!DOCTYPE html><html lang="en"><head><title>Signed out</title></head><body><h1>Signed out</h1></body></html>';
      },
    },
  },
  // Every client must use PKCE, so a service that forgot it would fail here.
  pkce: { required: () => true },
  // First-party: no consent screen, the scopes asked for are granted.
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope('openid email profile');
    await grant.save();
    return grant;
  },
  interactions: {
    url(_ctx, interaction) {
      return `/interaction/${interaction.uid}`;
    },
  },
  ttl: { IdToken: 3600 },
});

provider.use(async (ctx, next) => {
  if (ctx.method === 'POST' && ctx.path.startsWith('/control/')) {
    const body = await readJson(ctx.req);
    if (ctx.path === '/control/accounts') {
      const { login_hint: hint, ...claims } = body;
      accounts.set(String(hint || body.email).toLowerCase(), claims);
    } else if (ctx.path === '/control/clients') {
      misbehaviour.set(body.client_id, body);
    } else if (ctx.path === '/control/reset') {
      accounts.clear();
      misbehaviour.clear();
    } else {
      ctx.status = 404;
      return;
    }
    ctx.status = 204;
    return;
  }
  if (ctx.method === 'GET' && ctx.path.startsWith('/interaction/')) {
    // Sign in whoever the service named in login_hint, at once.
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const hint = details.params.login_hint;
    if (!hint) {
      ctx.status = 400;
      ctx.body = 'This test provider signs in the account named by login_hint.';
      return;
    }
    const account = accountFor(String(hint));
    await provider.interactionFinished(
      ctx.req,
      ctx.res,
      { login: { accountId: String(hint), amr: account.amr, acr: account.acr } },
      { mergeWithLastSubmission: false },
    );
    ctx.respond = false;
    return;
  }
  await next();
  // A misbehaving provider: the ID token from the token endpoint, re-signed with changed claims.
  if (ctx.path === '/token' && ctx.status === 200 && ctx.body?.id_token) {
    const clientId = ctx.oidc?.client?.clientId;
    const change = misbehaviour.get(clientId);
    if (change) {
      const claims = decodeJwt(ctx.body.id_token);
      const header = decodeProtectedHeader(ctx.body.id_token);
      if (change.aud) claims.aud = change.aud;
      if (change.iss) claims.iss = change.iss;
      if (change.expired) {
        const now = Math.floor(Date.now() / 1000);
        claims.iat = now - 3600;
        claims.exp = now - 1800;
      }
      ctx.body = {
        ...ctx.body,
        id_token: await new SignJWT(claims).setProtectedHeader(header).sign(signingKey),
      };
    }
  }
});

server.on('request', provider.callback());
process.stdout.write(`${JSON.stringify({ issuer })}\n`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));

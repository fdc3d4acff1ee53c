// panva's oidc-provider as a real third-party OAuth 2.0 / OpenID Connect peer for tokenwire's tests.
//
// Usage: node server.mjs PORT   (or TOKENWIRE_OIDC_PORT=PORT node server.mjs)
//
// Listens on 127.0.0.1:PORT only, with issuer http://127.0.0.1:PORT, and prints one ready line on
// stdout once it accepts connections. Everything is ephemeral: signing keys and cookie keys are
// made at start-up, all state lives in the default in-memory adapter, and dies with the process.
// The clients below are mirrored in tests/oidc_peer.py; change both together.
//
// Key rotation: `POST /__tokenwire/rotate-keys` makes a new RSA key, which signs from then on and
// is published first, the old ones still published after it (as a real provider keeps them until
// the tokens they signed expire). It answers the new key's kid. The provider instance is rebuilt
// with the new key set; the in-memory adapter's storage is module-wide, so sessions, grants and
// tokens survive the swap.

import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const HOST = '127.0.0.1';
const port = Number.parseInt(process.argv[2] ?? process.env.TOKENWIRE_OIDC_PORT ?? '', 10);
if (!Number.isInteger(port) || port <= 0 || port > 65535) {
  console.error('usage: node server.mjs PORT (or set TOKENWIRE_OIDC_PORT)');
  process.exit(2);
}
const issuer = `http://${HOST}:${port}`;

// The development-only features used here announce themselves on every start; they are chosen on
// purpose (a test peer), so those notices are dropped and every other warning still gets through.
const EXPECTED_NOTICES = [
  'a quick start development-only feature devInteractions is enabled',
  'a quick start development-only in-memory adapter is used',
];
const warn = console.warn.bind(console);
console.warn = (...args) => {
  const text = String(args[0] ?? '');
  if (!EXPECTED_NOTICES.some((notice) => text.includes(notice))) warn(...args);
};

const REDIRECT_URI = 'http://127.0.0.1/cb';
const NATIVE_REDIRECT_URI = 'http://127.0.0.1/callback';
// The API a client_credentials token is for (RFC 8707 resource indicator) and the scopes it knows.
const API_RESOURCE = 'urn:tokenwire:api';
const API_SCOPES = 'api:read api:write';

const confidentialGrants = ['authorization_code', 'refresh_token', 'client_credentials'];

const clients = [
  {
    client_id: 'tw-post',
    client_secret: 'tw-post-secret',
    token_endpoint_auth_method: 'client_secret_post',
    grant_types: confidentialGrants,
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // RFC 6749 §2.3.1: id and secret are form-urlencoded before base64 in Basic. ':' would split
    // the pair, '%41' and '+' decode to 'A' and ' ' if a client forgets to encode, ' ' and '%' alone
    // make a bare decoder fail.
    client_id: 'tw:basic %41+id',
    client_secret: 's:e%41c+r et%/=&?',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: confidentialGrants,
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    client_id: 'tw-public',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [REDIRECT_URI],
  },
  {
    // RFC 8252 native app: a loopback redirect listener on whatever port the app got (§7.3). The
    // port may vary only for application_type native; browser tests and `tokenwire login` use it.
    client_id: 'tw-native',
    application_type: 'native',
    token_endpoint_auth_method: 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [NATIVE_REDIRECT_URI],
  },
  {
    // examples/starlette_login: a confidential web app. Registered as native only so that the
    // tests can run it on whatever loopback port is free; a deployed app is a web client with
    // its exact https redirect URI.
    client_id: 'tw-web',
    client_secret: 'tw-web-secret',
    application_type: 'native',
    token_endpoint_auth_method: 'client_secret_basic',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    redirect_uris: [NATIVE_REDIRECT_URI],
  },
];

// One RSA key signs ID tokens and JWT access tokens (RS256 is OIDC's default) until a rotation.
function newSigningKey(kid) {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' };
}
const signingKeys = [newSigningKey('tw-ephemeral')];
const cookieKeys = [randomBytes(32).toString('base64url')];

const configuration = {
  clients,
  // Whoever logs in at the development login form is that account; it has no claims but `sub`.
  findAccount: (_ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  jwks: { keys: signingKeys },
  cookies: { keys: cookieKeys },
  features: {
    devInteractions: { enabled: true },
    clientCredentials: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    resourceIndicators: {
      enabled: true,
      // client_credentials without a `resource` parameter is for the test API; other grants get
      // an access token for the userinfo endpoint, as oidc-provider does by default.
      defaultResource(ctx, _client, oneOf) {
        if (oneOf) return oneOf;
        return ctx.oidc.params?.grant_type === 'client_credentials' ? API_RESOURCE : undefined;
      },
      getResourceServerInfo(_ctx, resourceIndicator) {
        if (resourceIndicator !== API_RESOURCE) throw new errors.InvalidTarget();
        return {
          scope: API_SCOPES,
          audience: API_RESOURCE,
          accessTokenTTL: 3600,
          accessTokenFormat: 'jwt',
        };
      },
    },
  },
  // A refresh token is issued only with offline_access (which itself needs prompt=consent), and
  // rotated on every use, so a used one is refused with invalid_grant.
  issueRefreshToken: async (_ctx, client, code) => client.grantTypeAllowed('refresh_token')
    && code.scopes.has('offline_access'),
  rotateRefreshToken: () => true,
  pkce: { required: (_ctx, client) => client.clientAuthMethod === 'none' },
  ttl: {
    AccessToken: 3600,
    AuthorizationCode: 120,
    ClientCredentials: 3600,
    IdToken: 3600,
    Interaction: 600,
    Session: 600,
    Grant: 3600,
    RefreshToken: 86400,
  },
};

// The built-in pages @import a web font from a public CDN. Tests drive them in a browser that may
// reach loopback only (anything else fails the test), so the import is cut from every HTML page.
const FONT_IMPORT = /@import url\(https:\/\/fonts\.googleapis\.com\/[^)]*\);?/g;

function buildProvider() {
  const built = new Provider(issuer, { ...configuration, jwks: { keys: [...signingKeys] } });
  built.on('server_error', (_ctx, err) => console.error('oidc-provider server_error:', err));
  built.use(async (ctx, next) => {
    await next();
    if (typeof ctx.body === 'string' && ctx.type === 'text/html') {
      ctx.body = ctx.body.replace(FONT_IMPORT, '');
    }
  });
  return built.callback();
}

let handle = buildProvider();
let rotations = 0;

const server = createServer((req, res) => {
  if (req.method === 'POST' && req.url === '/__tokenwire/rotate-keys') {
    rotations += 1;
    const fresh = newSigningKey(`tw-rotated-${rotations}`);
    signingKeys.unshift(fresh);
    handle = buildProvider();
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kid: fresh.kid }));
    return;
  }
  handle(req, res);
});
server.on('error', (err) => {
  console.error(`cannot listen on ${HOST}:${port}: ${err.message}`);
  process.exit(1);
});
server.listen(port, HOST, () => {
  console.log(`oidc-provider ready ${issuer}`);
});

// A real OpenID provider for ecert's tests (npm `oidc-provider`), configured as the provincial
// identity service (西藏政务服务统一身份认证) would be: authorization code with PKCE (S256 only),
// a confidential client, RS256-signed ID tokens that carry the real-name claims
// (name, id_number; for an organisation's legal representative or agent also uscc, org_name).
//
// Usage: node provider.mjs CONFIG.json — CONFIG holds {port, client_id, client_secret,
// redirect_uris, accounts: {login: {claims}}}. It prints "READY <issuer>" when it listens.
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import Provider from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const issuer = `http://127.0.0.1:${config.port}`;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };

const provider = new Provider(issuer, {
  clients: [{
    client_id: config.client_id,
    client_secret: config.client_secret,
    redirect_uris: config.redirect_uris,
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  }],
  jwks: { keys: [jwk] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile', 'realname'],
  claims: { openid: ['sub'], profile: ['name'], realname: ['name', 'id_number', 'uscc', 'org_name', 'role_of', 'email', 'email_verified'] },
  conformIdTokenClaims: false, // the real-name claims travel in the signed ID token itself
  features: { devInteractions: { enabled: true } }, // the login page (a person types their login)
  cookies: { keys: [config.client_secret + '-cookies'] },
  ttl: { IdToken: 300, AuthorizationCode: 60, AccessToken: 300, Session: 600, Interaction: 600, Grant: 600 },
  async findAccount(_ctx, id) {
    const claims = config.accounts[id];
    if (!claims) { return undefined; }
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;
const server = provider.listen(config.port, '127.0.0.1', () => {
  process.stdout.write(`READY ${issuer}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));

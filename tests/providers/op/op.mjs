// panva's oidc-provider as a real outside OpenID Provider for the suite.
//
//   node op.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI
//
// Prints one JSON line {"issuer": ...} once it listens. Its dev login form takes any
// login as the account's `sub`; a test first says what that account's claims are
// ({"sub", "email", "email_verified", "name", "preferred_username"}) with
// `POST /test/accounts` (JSON), so each test signs in as whom it needs. A claim "mischief" ({"aud", "nonce", "amr"}) makes the token endpoint answer an
// ID token with those claims replaced, signed with the provider's own key: what a
// confused or hostile provider, or a token meant for another app, would give us.
import { createServer } from "node:http";
import Provider from "oidc-provider";
import { SignJWT, decodeJwt, exportJWK, generateKeyPair } from "jose";

const [port, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;
const { privateKey } = await generateKeyPair("RS256", { extractable: true });
const jwk = { ...(await exportJWK(privateKey)), kid: "test-key", alg: "RS256", use: "sig" };

const accounts = new Map();

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri],
    grant_types: ["authorization_code"], response_types: ["code"],
    token_endpoint_auth_method: "client_secret_basic",
  }],
  jwks: { keys: [jwk] },
  cookies: { keys: ["a test cookie key, not a secret"] },
  conformIdTokenClaims: false,
  claims: {
    openid: ["sub", "mischief"], email: ["email", "email_verified"],
    profile: ["name", "preferred_username"],
  },
  features: { devInteractions: { enabled: true } },
  async findAccount(ctx, id) {
    const claims = { ...(accounts.get(id) ?? {}), sub: id };
    return { accountId: id, async claims() { return claims; } };
  },
  // No consent page: every scope asked for is granted (oidc-provider's "skip consent").
  async loadExistingGrant(ctx) {
    const grantId = ctx.oidc.result?.consent?.grantId
      || ctx.oidc.session.grantIdFor(ctx.oidc.client.clientId);
    if (grantId) return ctx.oidc.provider.Grant.find(grantId);
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId, accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    grant.addOIDCClaims(["email", "email_verified", "name", "preferred_username", "mischief"]);
    await grant.save();
    return grant;
  },
});

provider.use(async (ctx, next) => {
  if (ctx.path === "/test/accounts" && ctx.method === "POST") {
    let raw = "";
    for await (const chunk of ctx.req) raw += chunk;
    const claims = JSON.parse(raw);
    accounts.set(claims.sub, claims);
    ctx.status = 204;
    return;
  }
  await next();
  if (ctx.path !== "/token" || !ctx.body || typeof ctx.body.id_token !== "string") return;
  const claims = decodeJwt(ctx.body.id_token);
  if (!claims.mischief) return;
  const { mischief, ...rest } = claims;
  const changed = { ...rest, ...mischief };
  ctx.body = {
    ...ctx.body,
    id_token: await new SignJWT(changed).setProtectedHeader({ alg: "RS256", kid: jwk.kid })
      .sign(privateKey),
  };
});

createServer(provider.callback()).listen(Number(port), "127.0.0.1", () => {
  console.log(JSON.stringify({ issuer }));
});

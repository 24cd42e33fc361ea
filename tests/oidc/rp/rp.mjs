// panva's openid-client (OpenID-certified, strict) as a relying party of authserver.
// Usage: node rp.mjs ISSUER CLIENT_ID CLIENT_SECRET REDIRECT_URI
// Prints {"authorize": URL} on one line, reads the callback URL the browser was sent to
// on one line of stdin, then prints one line of JSON with what it checked and received.
// Plain http is allowed only because the test server listens on loopback without TLS.
import * as client from "openid-client";
import { createInterface } from "node:readline";

const [issuer, clientId, clientSecret, redirectUri] = process.argv.slice(2);
const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();

const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
  execute: [client.allowInsecureRequests],
});
const verifier = client.randomPKCECodeVerifier();
const nonce = client.randomNonce();
const state = client.randomState();
const url = client.buildAuthorizationUrl(config, {
  redirect_uri: redirectUri,
  scope: "openid profile email",
  code_challenge: await client.calculatePKCECodeChallenge(verifier),
  code_challenge_method: "S256",
  nonce,
  state,
});
console.log(JSON.stringify({ authorize: url.href }));

const callback = (await lines.next()).value;
const tokens = await client.authorizationCodeGrant(config, new URL(callback), {
  pkceCodeVerifier: verifier,
  expectedNonce: nonce,
  expectedState: state,
  idTokenExpected: true,
});
const claims = tokens.claims();
const userinfo = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
const again = await client.fetchUserInfo(config, refreshed.access_token, claims.sub);
console.log(JSON.stringify({
  claims,
  userinfo,
  rotated: refreshed.refresh_token !== tokens.refresh_token,
  userinfo_after_refresh: again,
  supports_pkce: config.serverMetadata().supportsPKCE(),
}));
process.exit(0);

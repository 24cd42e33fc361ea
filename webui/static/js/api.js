// Same-origin JSON calls to the REST API. The session lives in an HttpOnly cookie that
// the browser sends by itself; this module never sees or keeps a token.

const FALLBACK = {
  0: "Could not reach the server. Check your connection and try again.",
  400: "The server could not accept that. Check the fields and try again.",
  401: "You are not logged in.",
  403: "That is not allowed.",
  404: "The server does not know that address.",
  409: "That is already taken.",
  413: "That is too long.",
  429: "Too many attempts. Wait a moment and try again.",
  500: "The server had a problem. Try again in a moment.",
};

/** A refused call: `message` is a sentence for a person; `field` names the input at fault. */
export class ApiError extends Error {
  constructor(status, body, retryHeader) {
    const reply = body && typeof body === "object" ? body : {};
    const text = typeof reply.error === "string" && reply.error.trim()
      ? reply.error
      : FALLBACK[status] ?? FALLBACK[status >= 500 ? 500 : 400];
    super(text);
    this.name = "ApiError";
    this.status = status;
    this.code = typeof reply.code === "string" ? reply.code : null;
    this.field = typeof reply.field === "string" ? reply.field : null;
    // A right password for an account with two-step login: how to finish the login.
    this.secondFactor = reply.second_factor && typeof reply.second_factor === "object"
      ? reply.second_factor : null;
    const retry = Number(reply.retry_after ?? retryHeader);
    this.retryAfter = Number.isFinite(retry) && retry > 0 ? Math.ceil(retry) : null;
  }
}

/** Call `path` with an optional JSON body; resolve to the reply, or throw an ApiError. */
export async function call(path, { method = "GET", body } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, null);
  }
  let reply = null;
  try {
    reply = await response.json();
  } catch {
    reply = null;
  }
  if (!response.ok) throw new ApiError(response.status, reply, response.headers.get("Retry-After"));
  return reply;
}

export const signup = (username, email, password) =>
  call("/api/signup", { method: "POST", body: { username, email, password } });

export const verifyEmail = (email, code) =>
  call("/api/verify-email", { method: "POST", body: { email, code } });

export const resendCode = (email) =>
  call("/api/resend-verification", { method: "POST", body: { email } });

export const login = (username, password) =>
  call("/api/login", { method: "POST", body: { username, password } });

export const logout = () => call("/api/logout", { method: "POST" });

const post = (path, body) => call(path, { method: "POST", body });

export const forgotPassword = (email) => post("/api/password/forgot", { email });

export const resetPassword = (email, code, newPassword) =>
  post("/api/password/reset", { email, code, new_password: newPassword });

export const changePassword = (currentPassword, newPassword) =>
  post("/api/password/change", { current_password: currentPassword, new_password: newPassword });

/** `proof` is owner-proof.js's: {current_password} or {passkey}. */
export const changeEmail = (proof, newEmail) =>
  post("/api/email/change", { ...proof, new_email: newEmail });

export const confirmEmail = (code) => post("/api/email/confirm", { code });

/** This account's live sessions, newest first, the caller's marked `current`. */
export const sessions = async () => (await call("/api/sessions")).sessions;

export const revokeSession = (sessionId) => post("/api/sessions/revoke", { session_id: sessionId });

export const revokeOtherSessions = () => call("/api/sessions/revoke-others", { method: "POST" });

/** The apps holding grants of this account, the most recently used first. */
export const apps = async () => (await call("/api/apps")).apps;

export const revokeApp = (clientId) => post("/api/apps/revoke", { client_id: clientId });

/** What a device's user code asks for (the app's name and scopes). */
export const deviceLookup = (userCode) => post("/api/device/lookup", { user_code: userCode });

export const deviceApprove = (userCode) => post("/api/device/approve", { user_code: userCode });

export const logoutAll = () => call("/api/logout-all", { method: "POST" });

export const deleteAccount = (proof) => post("/api/account/delete", proof);

/** Finish a login that asked for a second factor: `factor` is {code} or {recovery_code}. */
export const loginSecondFactor = (challenge, factor) =>
  post("/api/login/second-factor", { challenge, ...factor });

/** Wait (up to 30 s) for a signed-in device to approve the login: {approved, user}. */
export const loginApprovalWait = (challenge) => post("/api/login/approval/wait", { challenge });

export const approvalEnable = (currentPassword) =>
  post("/api/approval/enable", { current_password: currentPassword });

export const approvalDisable = (currentPassword) =>
  post("/api/approval/disable", { current_password: currentPassword });

/** {totp, recovery_codes_left, approval} of the signed-in account. */
export const secondFactorStatus = () => call("/api/second-factor");

export const totpEnrol = (proof) => post("/api/totp/enrol", proof);

export const totpConfirm = (proof, code) => post("/api/totp/confirm", { ...proof, code });

/** New recovery codes; `factor` is {code} or {recovery_code}. */
export const regenerateRecoveryCodes = (proof, factor) =>
  post("/api/totp/recovery-codes", { ...proof, ...factor });

/** Turn TOTP off; `factor` is {code} or {recovery_code}. */
export const totpDisable = (proof, factor) => post("/api/totp/disable", { ...proof, ...factor });

/** A page of users for an admin after `cursor` (null: the first page):
 * {users, total, total_kind, next_cursor, search}. */
export const adminUsers = (query, cursor, limit) =>
  post("/api/admin/users", { query, cursor, limit });

/** The registered apps (OAuth clients), for an admin. */
export const adminClients = async () => (await post("/api/admin/clients", {})).clients;

/** Register an app: {client, client_secret} (the secret shown this once). */
export const adminCreateClient = (fields) => post("/api/admin/clients/create", fields);

export const adminRotateClientSecret = (clientId) =>
  post("/api/admin/clients/rotate-secret", { client_id: clientId });

export const adminDeleteClient = (clientId) =>
  post("/api/admin/clients/delete", { client_id: clientId });

/** The outside sign-in providers, for an admin: [{name, issuer, client_id, scopes,
 * button_label, allow_signup, trust_email, trust_amr, callback_path}] (never a secret). */
export const adminProviders = async () => (await post("/api/admin/providers", {})).providers;

export const adminAddProvider = (fields) => post("/api/admin/providers/add", fields);

/** Change a provider: fields left out stay; `client_secret` only when given. */
export const adminUpdateProvider = (name, fields) =>
  post("/api/admin/providers/update", { name, ...fields });

/** Remove a provider and its links; `proof` is {current_password}. */
export const adminRemoveProvider = (name, proof) =>
  post("/api/admin/providers/remove", { name, ...proof });

/** One user in detail, for an admin. */
export const adminUser = (userId) => post("/api/admin/users/show", { user_id: userId });

/** An admin action on a user: "disable", "enable", "verify", "end-sessions",
 * "reset-second-factors" or "delete". */
export const adminAct = (action, userId, extra = {}) =>
  post(`/api/admin/users/${action}`, { user_id: userId, ...extra });

/** A user's passkeys, for an admin: {passkeys}. */
export const adminPasskeys = (userId) => post("/api/admin/users/passkeys", { user_id: userId });

/** What this deployment offers: {app_name, chat, presence, support_email}. */
export const config = () => call("/api/config");

/** Give one of your passkeys a new name: the passkey. */
export const renamePasskey = (passkeyId, name) =>
  post("/api/passkeys/rename", { passkey_id: passkeyId, name });

export const passkeyRegisterOptions = () => post("/api/passkeys/register/options");

/** Start proving it is you with a passkey (an account with no password). */
export const passkeyProofOptions = () => post("/api/passkeys/proof/options");

/** Add a passkey: `proof` is {current_password} (or {passkey}) and, with two-step login
 * on, {code}. */
export const passkeyRegister = (ceremony, credential, name, proof) =>
  post("/api/passkeys/register", { ceremony, credential, name, ...proof });

/** This account's passkeys: [{id, name, created_at, last_used_at}]. */
export const passkeys = async () => (await call("/api/passkeys")).passkeys;

export const removePasskey = (passkeyId) => post("/api/passkeys/remove", { passkey_id: passkeyId });

export const passkeyLoginOptions = () => post("/api/login/passkey/options");

export const passkeyLogin = (ceremony, credential, challenge = undefined) =>
  post("/api/login/passkey", { ceremony, credential, ...(challenge ? { challenge } : {}) });

/** The signed-in user, or null when there is no session. */
export async function me() {
  try {
    const reply = await call("/api/me");
    return reply && reply.user ? reply.user : reply;
  } catch (error) {
    if (error.status === 401) return null;
    throw error;
  }
}

export const loginProviders = async () => (await call("/api/login/providers")).providers;

export const linkedProviders = () => call("/api/providers");

export const unlinkProvider = (provider) => post("/api/providers/unlink", { provider });

// Sign-in: OAuth 2 authorization code with PKCE (S256). In AWS the endpoints are Cognito's hosted UI; in the local
// run they are local/sign_in.py's. Both are named by config.json, served next to each console.
const TOKEN = 'loyalty.token';
const FLOW = 'loyalty.pkce';

function base64url(bytes) {
  return btoa(String.fromCharCode(...new Uint8Array(bytes))).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString() {
  return base64url(crypto.getRandomValues(new Uint8Array(32)));
}

async function challengeOf(verifier) {
  return base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier)));
}

function redirectUri() {
  return location.origin + location.pathname;
}

export async function loadConfig() {
  const answer = await fetch('config.json', { cache: 'no-store' });
  if (!answer.ok) throw new Error(`config.json: ${answer.status}`);
  return answer.json();
}

export async function signIn(config) {
  const verifier = randomString();
  const state = randomString();
  sessionStorage.setItem(FLOW, JSON.stringify({ verifier, state }));
  const query = new URLSearchParams({
    response_type: 'code', client_id: config.client_id, redirect_uri: redirectUri(), scope: config.scopes,
    state, code_challenge: await challengeOf(verifier), code_challenge_method: 'S256',
  });
  location.assign(`${config.domain}/oauth2/authorize?${query}`);
}

// Called at start: completes a sign-in coming back with ?code=&state=, then answers the token held, if any.
export async function currentToken(config) {
  const query = new URLSearchParams(location.search);
  if (query.has('code')) {
    const flow = JSON.parse(sessionStorage.getItem(FLOW) || '{}');
    sessionStorage.removeItem(FLOW);
    history.replaceState(null, '', location.pathname + location.hash);
    if (!flow.state || flow.state !== query.get('state')) throw new Error('the sign-in answer does not match its request');
    const answer = await fetch(`${config.domain}/oauth2/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code', code: query.get('code'), client_id: config.client_id,
        redirect_uri: redirectUri(), code_verifier: flow.verifier,
      }),
    });
    if (!answer.ok) throw new Error(`sign-in failed: ${answer.status}`);
    const tokens = await answer.json();
    sessionStorage.setItem(TOKEN, tokens.access_token);
  }
  const token = sessionStorage.getItem(TOKEN);
  if (!token) return null;
  const claims = decodeClaims(token);
  if (!claims || claims.exp * 1000 < Date.now()) {
    sessionStorage.removeItem(TOKEN);
    return null;
  }
  return { token, claims };
}

export function signOut(config) {
  sessionStorage.removeItem(TOKEN);
  if (config.logout_url) {
    location.assign(`${config.logout_url}?${new URLSearchParams({ client_id: config.client_id, logout_uri: redirectUri() })}`);
  } else {
    location.reload();
  }
}

// The payload of a JWT, read only to show who is signed in and which member: the API verifies the token.
export function decodeClaims(token) {
  try {
    const part = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(part.padEnd(part.length + ((4 - (part.length % 4)) % 4), '=')));
  } catch {
    return null;
  }
}

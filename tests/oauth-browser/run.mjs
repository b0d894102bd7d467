// The OAuth 2.1 authorization server (issue 27) in Debian's chromium driven by puppeteer-core (CHROMIUM, default
// /usr/bin/chromium): the IBM i sign-in page, the official MCP TypeScript SDK client given only the URL, registration
// (DCR, metadata documents, operator clients), codes, refresh tokens, revocation, replicas sharing Redis, the audit
// trail. Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import crypto from 'node:crypto';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import puppeteer from 'puppeteer-core';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { assert, cli, eq, freePort, main, serverEnv, startEmulator, startServer, test, textOf, repo } from '../support/harness.mjs';

const b64url = (buf) => buf.toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

await main('oauth-browser', async (dir) => {
  const certPath = path.join(dir, 'emulator.pem');
  const emulatorPort = await startEmulator(certPath);
  const keys = path.join(dir, 'keys');
  await cli(['keygen', '--dir', keys, '--key-id', 'test', '--bits', '2048'], process.env);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const env = serverEnv(dir, emulatorPort, certPath, {
    MCP_HTTP_PORT: String(port),
    MCP_AUTH_MODE: 'ibmi', IBMI_HTTP_AUTH_ENABLED: 'true', IBMI_AUTH_ALLOW_HTTP: 'true', IBMI_AUTH_KEY_ID: 'test',
    IBMI_AUTH_PRIVATE_KEY_PATH: path.join(keys, 'private.pem'), IBMI_AUTH_PUBLIC_KEY_PATH: path.join(keys, 'public.pem'),
    IBMI_ENABLE_EXECUTE_SQL: 'true', IBMI_AUTH_OAUTH_SERVER: 'true', IBMI_PUBLIC_URL: base,
  });
  const endpoint = await startServer({ ...env, MCP_AUDIT_LOG: path.join(dir, 'audit.log') });   // this server's own audit file

  // The client's loopback redirect (RFC 8252): records what the browser brings back.
  const callbacks = [];
  const callbackServer = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    if (url.pathname !== '/callback') { res.writeHead(404).end(); return; }   // chromium asks for /favicon.ico too
    callbacks.push(url);
    res.writeHead(200, { 'Content-Type': 'text/plain' }).end('signed in; you may close this window');
  });
  await new Promise((resolve) => callbackServer.listen(0, '127.0.0.1', resolve));
  const redirectUri = `http://127.0.0.1:${callbackServer.address().port}/callback`;

  const browser = await puppeteer.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', `--user-data-dir=${path.join(dir, 'chromium')}`],
  });
  let documentServer;
  const register = (metadata, server = base) => fetch(`${server}/oauth/register`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(metadata),
  });
  try {
    let clientId;
    await test('a client registers (RFC 7591) and gets a client_id for its redirect URI', async () => {
      const response = await register({ client_name: 'Browser test', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' });
      const body = await response.json();
      eq(response.status, 201, JSON.stringify(body));
      assert(body.client_id.startsWith('dcr_'), body.client_id);
      eq(body.token_endpoint_auth_method, 'none', 'method');
      clientId = body.client_id;
    });

    await test('registrations that could redirect anywhere or hold a secret are refused', async () => {
      for (const [metadata, error] of [
        [{ redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri'],
        [{ redirect_uris: ['http://example.test/cb'] }, 'invalid_redirect_uri'],
        [{ redirect_uris: [] }, 'invalid_redirect_uri'],
        [{ redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata'],
      ]) {
        const response = await register(metadata);
        eq(response.status, 400, JSON.stringify(metadata));
        eq((await response.json()).error, error, JSON.stringify(metadata));
      }
      // Invalid UTF-8 inside a JSON string (a fuzzer's find: it used to escape the parser as an exception).
      const raw = Buffer.concat([Buffer.from('{"redirect_uris":["vscode:a'), Buffer.from([0xff, 0xff]), Buffer.from('"]}')]);
      const broken = await fetch(`${base}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: raw });
      eq(broken.status, 400, 'invalid UTF-8');
      eq((await broken.json()).error, 'invalid_client_metadata', 'invalid UTF-8 error');
    });

    const verifier = b64url(crypto.randomBytes(32));
    const challenge = b64url(crypto.createHash('sha256').update(verifier).digest());
    const authorizeUrl = `${base}/oauth/authorize?` + new URLSearchParams({
      response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge,
      code_challenge_method: 'S256', state: 'st-123', resource: `${base}/mcp`,
    });
    const page = await browser.newPage();
    const violations = [];
    page.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()); });

    await test('the sign-in page is served with a strict CSP and no inline script', async () => {
      const response = await page.goto(authorizeUrl, { waitUntil: 'networkidle0' });
      eq(response.status(), 200, 'status');
      const csp = response.headers()['content-security-policy'] || '';
      assert(csp.includes("script-src 'self'") && csp.includes("frame-ancestors 'none'"), `CSP: ${csp}`);
      assert(!csp.includes('unsafe-inline'), `CSP allows inline: ${csp}`);
      eq(await page.$eval('#signin button', (b) => b.disabled), false, 'button disabled: the page found no WebCrypto');
      eq(await page.$$eval('script:not([src])', (s) => s.length), 0, 'inline scripts');
      // The picture in docs/oauth-server.md: the page as a user first sees it.
      await page.screenshot({ path: path.join(repo, 'docs', 'images', 'oauth-sign-in.png'), fullPage: true });
    });

    await test('a wrong password stays on the page with a message', async () => {
      await page.type('#user', 'ALICE');
      await page.type('#password', 'wrong-password');
      await Promise.all([page.waitForNavigation(), page.click('#signin button')]);
      const message = await page.$eval('#error', (e) => (e.hidden ? '' : e.textContent));
      assert(message.length > 0, 'no error message shown');
      eq(callbacks.length, 0, 'the browser was redirected to the client');
      eq(await page.$eval('#user', (e) => e.value), 'ALICE', 'user name kept');
    });

    let code;
    await test('the right password redirects to the client with a code and the state', async () => {
      await page.$eval('#password', (e) => { e.value = ''; });
      await page.type('#password', 'alice123');
      await Promise.all([page.waitForNavigation(), page.click('#signin button')]);
      eq(callbacks.length, 1, 'callbacks');
      eq(callbacks[0].searchParams.get('state'), 'st-123', 'state');
      code = callbacks[0].searchParams.get('code');
      assert(code, `no code in ${callbacks[0]}`);
    });

    let accessToken;
    await test('the code and the PKCE verifier are exchanged for a Bearer token', async () => {
      const response = await fetch(`${base}/oauth/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri }),
      });
      const body = await response.json();
      eq(response.status, 200, JSON.stringify(body));
      eq(body.token_type, 'Bearer', 'token_type');
      assert(typeof body.access_token === 'string' && body.access_token.length > 20, JSON.stringify(body));
      accessToken = body.access_token;
    });

    await test('tools/call runs as the IBM i user who signed in', async () => {
      const client = new Client({ name: 'oauth-browser', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${accessToken}` } } }));
      const result = await client.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT CURRENT USER AS U FROM SYSIBM.SYSDUMMY1' } });
      assert(!result.isError, textOf(result));
      assert(textOf(result).includes('ALICE'), textOf(result));
      await client.close();
    });

    await test('a code used twice is refused and ends the session its first use gave', async () => {
      const again = await fetch(`${base}/oauth/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri }),
      });
      eq(again.status, 400, 'status of the second exchange');
      eq((await again.json()).error, 'invalid_grant', 'error');
      const call = await fetch(endpoint, {
        method: 'POST',
        headers: { Authorization: `Bearer ${accessToken}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream' },
        body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      });
      eq(call.status, 401, 'the first token after the code was replayed');
    });

    await test('the authorization server metadata lists the endpoints, S256 only and the public-client method', async () => {
      const response = await fetch(`${base}/.well-known/oauth-authorization-server`);
      const meta = await response.json();
      eq(response.status, 200, JSON.stringify(meta));
      eq(meta.issuer, `${base}/`, 'issuer');
      eq(meta.authorization_endpoint, `${base}/oauth/authorize`, 'authorization_endpoint');
      eq(meta.token_endpoint, `${base}/oauth/token`, 'token_endpoint');
      eq(JSON.stringify(meta.code_challenge_methods_supported), '["S256"]', 'code_challenge_methods_supported');
      assert(meta.grant_types_supported.includes('authorization_code'), JSON.stringify(meta.grant_types_supported));
      eq(JSON.stringify(meta.token_endpoint_auth_methods_supported), '["none"]', 'token_endpoint_auth_methods_supported');
      assert(!(meta.scopes_supported || []).includes('openid'), `scopes_supported ${JSON.stringify(meta.scopes_supported)}`);
    });

    await test('a wrong PKCE verifier is refused', async () => {
      // A fresh code for the same user, exchanged with another verifier.
      callbacks.length = 0;
      await page.goto(authorizeUrl, { waitUntil: 'networkidle0' });
      await page.type('#user', 'ALICE');
      await page.type('#password', 'alice123');
      await Promise.all([page.waitForNavigation(), page.click('#signin button')]);
      const fresh = callbacks[0].searchParams.get('code');
      const response = await fetch(`${base}/oauth/token`, {
        method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: fresh, code_verifier: b64url(crypto.randomBytes(32)), client_id: clientId, redirect_uri: redirectUri }),
      });
      eq(response.status, 400, 'status');
      eq((await response.json()).error, 'invalid_grant', 'error');
    });

    await test('the MCP SDK client, given only the URL, discovers the server, registers, signs in through the page and calls a tool', async () => {
      callbacks.length = 0;
      const saved = {};
      const provider = {
        get redirectUrl() { return redirectUri; },
        get clientMetadata() { return { client_name: 'MCP SDK test', redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none' }; },
        clientInformation: () => saved.client,
        saveClientInformation: (info) => { saved.client = info; },
        tokens: () => saved.tokens,
        saveTokens: (t) => { saved.tokens = t; },
        saveCodeVerifier: (v) => { saved.verifier = v; },
        codeVerifier: () => saved.verifier,
        redirectToAuthorization: async (url) => {
          const tab = await browser.newPage();
          const shown = await tab.goto(url.toString(), { waitUntil: 'networkidle0' });
          if (shown.status() !== 200) throw new Error(`authorization page ${shown.status()} for ${url}: ${(await shown.text()).slice(0, 300)}`);
          await tab.type('#user', 'BOB');
          await tab.type('#password', 'bob12345');
          await Promise.all([tab.waitForNavigation(), tab.click('#signin button')]);
          await tab.close();
        },
      };
      const transport = new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: provider });
      const client = new Client({ name: 'oauth-browser-sdk', version: '1.0.0' });
      try {
        await client.connect(transport);
        throw new Error('connected without signing in');
      } catch (e) {
        if (!(e instanceof UnauthorizedError)) throw e;
      }
      eq(callbacks.length, 1, 'callbacks after the sign-in');
      await transport.finishAuth(callbacks[0].searchParams.get('code'));
      const signedIn = new Client({ name: 'oauth-browser-sdk', version: '1.0.0' });
      await signedIn.connect(new StreamableHTTPClientTransport(new URL(endpoint), { authProvider: provider }));
      const result = await signedIn.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT CURRENT USER AS U FROM SYSIBM.SYSDUMMY1' } });
      assert(!result.isError && textOf(result).includes('BOB'), textOf(result));
      assert(saved.client && saved.client.client_id.startsWith('dcr_'), `the SDK did not register: ${JSON.stringify(saved.client)}`);
      await signedIn.close();
    });

    // ── Refresh tokens and revocation ──────────────────────────────────────────────────────────────────────────
    const form = (server, endpointPath, params) => fetch(`${server}${endpointPath}`, { method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(params) });
    /** Signs `user` in through the page in chromium and exchanges the code: the token response. */
    const signIn = async (server, client, user, password, resource = `${server}/mcp`) => {
      const v = b64url(crypto.randomBytes(32));
      callbacks.length = 0;
      const tab = await browser.newPage();
      const shown = await tab.goto(`${server}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: client,
        redirect_uri: redirectUri, code_challenge: b64url(crypto.createHash('sha256').update(v).digest()), code_challenge_method: 'S256',
        state: 'sign-in', resource }), { waitUntil: 'networkidle0' });
      eq(shown.status(), 200, 'sign-in page');
      await tab.type('#user', user);
      await tab.type('#password', password);
      await Promise.all([tab.waitForNavigation(), tab.click('#signin button')]);
      await tab.close();
      eq(callbacks.length, 1, 'redirected with a code');
      const response = await form(server, '/oauth/token', { grant_type: 'authorization_code', code: callbacks[0].searchParams.get('code'),
        code_verifier: v, client_id: client, redirect_uri: redirectUri });
      const body = await response.json();
      eq(response.status, 200, JSON.stringify(body));
      return body;
    };
    const refresh = async (server, client, refreshToken) => {
      const response = await form(server, '/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: client });
      return { status: response.status, body: await response.json() };
    };
    /** The IBM i user a tools/call runs as with `token`, or the HTTP status /mcp refused it with. */
    const runsAs = async (mcpUrl, token) => {
      const refused = await fetch(mcpUrl, { method: 'POST', headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json',
        Accept: 'application/json, text/event-stream' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }) });
      if (refused.status === 401) return 401;
      const client = new Client({ name: 'oauth-refresh', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
      try {
        const result = await client.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT CURRENT USER AS U FROM SYSIBM.SYSDUMMY1' } });
        assert(!result.isError, textOf(result));
        return textOf(result).match(/\b(ALICE|BOB|CAROL|MCPUSER)\b/)?.[1] ?? textOf(result);
      } finally {
        await client.close();
      }
    };
    /** CHGUSRPRF as the security officer CAROL, through `ibmi-mcp sql` straight to the emulator. */
    const securityOfficer = (command) => cli(['sql', '--no-read-only', `CALL QSYS2.QCMDEXC('${command}')`],
      { ...env, DB2i_USER: 'CAROL', DB2i_PASS: 'carol123' });

    await test('the code exchange returns a refresh token; a refresh rotates it, signs on again and ends the previous session', async () => {
      const first = await signIn(base, clientId, 'ALICE', 'alice123');
      assert(typeof first.refresh_token === 'string' && first.refresh_token.length > 20, `no refresh token: ${JSON.stringify(first)}`);
      eq(await runsAs(endpoint, first.access_token), 'ALICE', 'first access token');
      const second = await refresh(base, clientId, first.refresh_token);
      eq(second.status, 200, JSON.stringify(second.body));
      eq(second.body.token_type, 'Bearer', 'token_type');
      assert(second.body.refresh_token && second.body.refresh_token !== first.refresh_token, 'the refresh token did not rotate');
      assert(second.body.access_token !== first.access_token, 'the same access token');
      eq(await runsAs(endpoint, second.body.access_token), 'ALICE', 'refreshed access token');
      eq(await runsAs(endpoint, first.access_token), 401, 'the access token before the refresh');
      const third = await refresh(base, clientId, second.body.refresh_token);
      eq(third.status, 200, JSON.stringify(third.body));
      eq(await runsAs(endpoint, third.body.access_token), 'ALICE', 'access token of the second refresh');
    });

    await test('a rotated refresh token presented again ends the whole grant (refresh and access tokens)', async () => {
      const first = await signIn(base, clientId, 'ALICE', 'alice123');
      const second = await refresh(base, clientId, first.refresh_token);
      eq(second.status, 200, JSON.stringify(second.body));
      const reused = await refresh(base, clientId, first.refresh_token);
      eq(reused.status, 400, 'reuse of the rotated token');
      eq(reused.body.error, 'invalid_grant', JSON.stringify(reused.body));
      eq((await refresh(base, clientId, second.body.refresh_token)).body.error, 'invalid_grant', 'the newest refresh token after the reuse');
      eq(await runsAs(endpoint, second.body.access_token), 401, 'the newest access token after the reuse');
    });

    await test('a refresh token only works for the client it was issued to', async () => {
      const tokens = await signIn(base, clientId, 'ALICE', 'alice123');
      const other = await (await register({ client_name: 'Other', redirect_uris: [redirectUri] }, base)).json();
      const stolen = await refresh(base, other.client_id ?? 'dcr_other', tokens.refresh_token);
      eq(stolen.status, 400, JSON.stringify(stolen.body));
      eq((await refresh(base, clientId, tokens.refresh_token)).status, 200, 'its own client');
    });

    await test('a refresh after IBM i changed the password or disabled the profile ends the grant: sign in again', async () => {
      // Its own server: the refused refresh counts in the sign-on guard (it is a failed sign-on on IBM i), per user and
      // per client address, and must not hold the other tests back.
      const p = await freePort();
      const own = `http://127.0.0.1:${p}`;
      const ownMcp = await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: own, IBMI_AUTH_MAX_FAILED_ATTEMPTS: '5' });
      const client = (await (await register({ redirect_uris: [redirectUri] }, own)).json()).client_id;
      const bob = await signIn(own, client, 'BOB', 'bob12345');
      await securityOfficer('CHGUSRPRF USRPRF(BOB) PASSWORD(bobnew99)');
      try {
        const refused = await refresh(own, client, bob.refresh_token);
        eq(refused.status, 400, JSON.stringify(refused.body));
        eq(refused.body.error, 'invalid_grant', JSON.stringify(refused.body));
        eq(await runsAs(ownMcp, bob.access_token), 401, 'the access token of the ended grant');
      } finally {
        await securityOfficer('CHGUSRPRF USRPRF(BOB) PASSWORD(bob12345)');
      }
      const again = await signIn(own, client, 'BOB', 'bob12345');
      await securityOfficer('CHGUSRPRF USRPRF(BOB) STATUS(*DISABLED)');
      try {
        const refused = await refresh(own, client, again.refresh_token);
        eq(refused.body.error, 'invalid_grant', JSON.stringify(refused.body));
      } finally {
        await securityOfficer('CHGUSRPRF USRPRF(BOB) STATUS(*ENABLED)');
      }
    });

    await test('revocation (RFC 7009): a refresh token ends its grant, an access token its session, anything else is answered 200', async () => {
      const tokens = await signIn(base, clientId, 'ALICE', 'alice123');
      const revoked = await form(base, '/oauth/revoke', { token: tokens.refresh_token, token_type_hint: 'refresh_token', client_id: clientId });
      eq(revoked.status, 200, await revoked.text());
      eq((await refresh(base, clientId, tokens.refresh_token)).body.error, 'invalid_grant', 'refresh after revocation');
      eq(await runsAs(endpoint, tokens.access_token), 401, 'the access token of the revoked grant');

      const other = await signIn(base, clientId, 'ALICE', 'alice123');
      eq((await form(base, '/oauth/revoke', { token: other.access_token, client_id: clientId })).status, 200, 'access token revocation');
      eq(await runsAs(endpoint, other.access_token), 401, 'the revoked access token');
      for (const token of ['not-a-token', other.access_token])
        eq((await form(base, '/oauth/revoke', { token, client_id: clientId })).status, 200, `revoking ${token.slice(0, 12)}`);
      eq((await form(base, '/oauth/revoke', { client_id: clientId })).status, 400, 'no token parameter');
      const meta = await (await fetch(`${base}/.well-known/oauth-authorization-server`)).json();
      eq(meta.revocation_endpoint, `${base}/oauth/revoke`, 'revocation_endpoint');
      assert(meta.grant_types_supported.includes('refresh_token'), JSON.stringify(meta.grant_types_supported));
    });

    await test('a user of another IBM i group gets that group\'s tool list', async () => {
      const toolsOf = async (token) => {
        const client = new Client({ name: 'oauth-groups', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(endpoint), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
        try { return (await client.listTools()).tools.map((t) => t.name); } finally { await client.close(); }
      };
      const alice = await toolsOf((await signIn(base, clientId, 'ALICE', 'alice123')).access_token);   // HRGRP
      const bob = await toolsOf((await signIn(base, clientId, 'BOB', 'bob12345')).access_token);       // DEVGRP
      assert(alice.includes('department_salary_summary'), `HR's tool missing for ALICE: ${alice.length} tools`);
      assert(!bob.includes('department_salary_summary'), 'HR\'s tool listed for BOB');
      assert(bob.includes('execute_sql') && alice.includes('execute_sql'), 'execute_sql missing');
    });

    // ── Client ID Metadata Documents ───────────────────────────────────────────────────────────────────────────
    // An https server on loopback with a test certificate; the server under test trusts it through OpenSSL's
    // SSL_CERT_FILE and fetches from it only when IBMI_OAUTH_METADATA_ALLOWED_HOSTS names localhost.
    const tlsKey = path.join(dir, 'cimd-key.pem'), tlsCert = path.join(dir, 'cimd-cert.pem');
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', tlsKey, '-out', tlsCert, '-days', '1',
      '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
    const documents = new Map();   // path → [status, headers, body]
    const fetched = [];
    documentServer = https.createServer({ key: readFileSync(tlsKey), cert: readFileSync(tlsCert) }, (req, res) => {
      fetched.push(req.url);
      const [status, headers, body] = documents.get(req.url) ?? [404, {}, ''];
      res.writeHead(status, { 'Content-Type': 'application/json', ...headers }).end(body);
    });
    await new Promise((resolve) => documentServer.listen(0, '127.0.0.1', resolve));
    const docBase = `https://localhost:${documentServer.address().port}`;
    const publish = (name, document, status = 200, headers = {}) => {
      const url = `${docBase}/clients/${name}.json`;
      documents.set(`/clients/${name}.json`, [status, headers, typeof document === 'string' ? document : JSON.stringify({ client_id: url, ...document })]);
      return url;
    };
    const authorizePage = (server, client) => fetch(`${server}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: client,
      redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 'cimd' }), { redirect: 'manual' });
    let cimdServer, cimdMcp;

    await test('a client known by its metadata document URL signs in; the page names it and where it is published', async () => {
      const p = await freePort();
      cimdServer = `http://127.0.0.1:${p}`;
      cimdMcp = await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: cimdServer, IBMI_OAUTH_METADATA_ALLOWED_HOSTS: 'localhost',
        SSL_CERT_FILE: tlsCert });
      const meta = await (await fetch(`${cimdServer}/.well-known/oauth-authorization-server`)).json();
      eq(meta.client_id_metadata_document_supported, true, 'client_id_metadata_document_supported');
      const url = publish('desk', { client_name: 'Published Desk Client', redirect_uris: [redirectUri] }, 200, { 'Cache-Control': 'max-age=600' });
      const page = await authorizePage(cimdServer, url);
      const html = await page.text();
      eq(page.status, 200, html.slice(0, 300));
      assert(html.includes('Published Desk Client') && html.includes('published at localhost'), 'the page does not name the client and its host');
      const tokens = await signIn(cimdServer, url, 'ALICE', 'alice123');
      eq(await runsAs(cimdMcp, tokens.access_token), 'ALICE', 'tools/call with the token of a metadata-document client');
      eq((await refresh(cimdServer, url, tokens.refresh_token)).status, 200, 'refresh');
      eq(fetched.filter((u) => u === '/clients/desk.json').length, 1, 'fetches of a document cached for 600 s');
    });

    await test('metadata documents that claim another client_id, hold a secret, are too large, are not found or redirect are refused', async () => {
      const cases = [
        [publish('other-id', JSON.stringify({ client_id: `${docBase}/clients/someone-else.json`, redirect_uris: [redirectUri] })), 'another client_id'],
        [publish('secret', { redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic' }), 'public clients'],
        [publish('no-redirects', { client_name: 'x' }), 'redirect_uris'],
        [publish('evil-redirect', { redirect_uris: ['javascript:alert(1)'] }), 'unacceptable redirect URI'],
        [publish('huge', { redirect_uris: [redirectUri], client_name: 'x', padding: 'x'.repeat(20000) }), 'could not be fetched'],
        [publish('moved', '', 302, { Location: 'https://127.0.0.1:9/elsewhere.json' }), 'HTTP 302'],
        [`${docBase}/clients/missing.json`, 'HTTP 404'],
        [`${docBase}/`, 'path'],
      ];
      for (const [url, reason] of cases) {
        const response = await authorizePage(cimdServer, url);
        const text = await response.text();
        assert(response.status === 400 || response.status === 401, `${url}: ${response.status}`);   // invalid_client: 401
        eq(response.headers.get('location'), null, `${url}: redirected`);
        assert(text.includes(reason), `${url}: "${reason}" not in ${text.slice(0, 400)}`);
      }
    });

    await test('a metadata document server whose certificate the system roots do not know is refused', async () => {
      // The server skipped the system trust store at start (its Mapepire CA is pinned) and loads the roots from
      // SSL_CERT_FILE on the first fetch: a certificate outside them must still be refused.
      const strangerKey = path.join(dir, 'stranger-key.pem'), strangerCert = path.join(dir, 'stranger-cert.pem');
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', strangerKey, '-out', strangerCert, '-days', '1',
        '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1'], { stdio: 'ignore' });
      let hits = 0;
      const stranger = https.createServer({ key: readFileSync(strangerKey), cert: readFileSync(strangerCert) }, (req, res) => {
        hits++;
        res.writeHead(200, { 'Content-Type': 'application/json' }).end('{}');
      });
      await new Promise((resolve) => stranger.listen(0, '127.0.0.1', resolve));
      try {
        const url = `https://localhost:${stranger.address().port}/clients/stranger.json`;
        const response = await authorizePage(cimdServer, url);
        const text = await response.text();
        assert(response.status === 400 || response.status === 401, `status ${response.status}`);
        eq(response.headers.get('location'), null, 'redirected');
        assert(text.includes('could not be fetched'), text.slice(0, 300));
        eq(hits, 0, 'requests that reached a server the roots do not know');
      } finally { stranger.close(); }
    });

    await test('a metadata document URL on a loopback, private or link-local address is refused without a fetch unless allow-listed', async () => {
      const before = fetched.length;
      const loopback = publish('loopback', { redirect_uris: [redirectUri] }).replace('localhost', '127.0.0.1');
      for (const url of [loopback, publish('by-name', { redirect_uris: [redirectUri] }),
        'https://169.254.169.254/latest/meta-data/client.json', 'https://10.0.0.1/client.json', 'https://[::1]/client.json']) {
        const response = await authorizePage(base, url);   // the main server allows no host
        const text = await response.text();
        assert(response.status === 400 || response.status === 401, `${url}: ${response.status}`);
        assert(text.includes('non-public address'), `${url}: ${text.slice(0, 300)}`);
      }
      eq(fetched.length, before, 'documents fetched from a refused address');
    });

    await test('metadata documents switched off: an https client_id is refused and discovery says so', async () => {
      const p = await freePort();
      const own = `http://127.0.0.1:${p}`;
      await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: own, IBMI_OAUTH_CLIENT_METADATA_DOCUMENTS: 'false',
        IBMI_OAUTH_METADATA_ALLOWED_HOSTS: 'localhost', SSL_CERT_FILE: tlsCert });
      eq((await (await fetch(`${own}/.well-known/oauth-authorization-server`)).json()).client_id_metadata_document_supported, false, 'discovery');
      const response = await authorizePage(own, publish('off', { redirect_uris: [redirectUri] }));
      assert(response.status === 400 || response.status === 401, `status ${response.status}`);
      assert((await response.text()).includes('IBMI_OAUTH_CLIENT_METADATA_DOCUMENTS'), 'the page does not say why');
    });

    await test('the page is accessible: named fields and button, keyboard alone signs in, a phone-width layout', async () => {
      const v = b64url(crypto.randomBytes(32));
      const tab = await browser.newPage();
      await tab.setViewport({ width: 360, height: 640, isMobile: true });
      await tab.goto(`${base}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri,
        code_challenge: b64url(crypto.createHash('sha256').update(v).digest()), code_challenge_method: 'S256', state: 'keyboard' }), { waitUntil: 'networkidle0' });
      eq(await tab.$eval('html', (h) => h.lang), 'en', 'lang');
      const names = [];
      const walk = (node) => { if (['textbox', 'button', 'combobox'].includes(node.role)) names.push(`${node.role}:${node.name}`); (node.children || []).forEach(walk); };
      walk(await tab.accessibility.snapshot());
      for (const expected of ['textbox:User profile', 'textbox:Password', 'button:Sign in']) assert(names.includes(expected), `${expected} not in ${names}`);
      assert(await tab.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth), 'wider than a phone');
      callbacks.length = 0;
      await tab.keyboard.press('Tab');   // the first focusable element is the user field
      eq(await tab.evaluate(() => document.activeElement.id), 'user', 'first Tab stop');
      await tab.keyboard.type('ALICE');
      await tab.keyboard.press('Tab');
      await tab.keyboard.type('alice123');
      await Promise.all([tab.waitForNavigation(), tab.keyboard.press('Enter')]);
      await tab.close();
      eq(callbacks.length, 1, 'signed in by keyboard');
      eq(callbacks[0].searchParams.get('state'), 'keyboard', 'state');
    });

    await test('an unknown client or an unregistered redirect gets a page, never a redirect', async () => {
      callbacks.length = 0;
      for (const [id, uri] of [['dcr_unknown', redirectUri], [clientId, 'http://127.0.0.1:9/elsewhere']]) {
        const url = `${base}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: id, redirect_uri: uri,
          code_challenge: challenge, code_challenge_method: 'S256', state: 's' });
        const response = await fetch(url, { redirect: 'manual' });
        assert(response.status === 400 || response.status === 401, `${id} ${uri}: ${response.status}`);
        eq(response.headers.get('location'), null, `${id} ${uri}: Location`);
      }
      const missing = await fetch(`${base}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', redirect_uri: redirectUri,
        code_challenge: challenge, code_challenge_method: 'S256', state: 's' }), { redirect: 'manual' });
      eq(missing.status, 400, 'no client_id');
      assert((await missing.text()).includes('client_id'), 'the page does not say what is missing');
      eq(callbacks.length, 0, 'redirected');
    });

    await test('a registration flood from one address is cut off', async () => {
      let status = 0;
      for (let i = 0; i < 25 && status !== 429; i++) status = (await register({ redirect_uris: [redirectUri] })).status;
      eq(status, 429, 'status after many registrations');
    });

    await test('two replicas sharing Redis: the page from one, the sign-in POST on the other, the code exchanged on the first', async () => {
      // redis-server from Debian on a free loopback port, its own directory, nothing saved.
      const redisPort = await freePort();
      const redis = spawn('redis-server', ['--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
        { stdio: 'ignore' });
      try {
        const sessionKey = path.join(dir, 'session.key');
        writeFileSync(sessionKey, crypto.randomBytes(32).toString('base64'), { mode: 0o600 });
        const ports = [await freePort(), await freePort()];
        const publicUrl = `http://127.0.0.1:${ports[0]}`;   // the address a load balancer would give both
        const replicas = [];
        for (const p of ports)
          replicas.push(await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: publicUrl,
            IBMI_AUTH_SESSION_STORE: 'redis', IBMI_AUTH_REDIS: `127.0.0.1:${redisPort}`, IBMI_AUTH_SESSION_KEY_PATH: sessionKey }));
        const [a, b] = ports.map((p) => `http://127.0.0.1:${p}`);
        const registered = await (await fetch(`${b}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ client_name: 'Replica test', redirect_uris: [redirectUri] }) })).json();
        const v = b64url(crypto.randomBytes(32));
        const url = `${a}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: registered.client_id, redirect_uri: redirectUri,
          code_challenge: b64url(crypto.createHash('sha256').update(v).digest()), code_challenge_method: 'S256', state: 'replicas', resource: `${publicUrl}/mcp` });
        callbacks.length = 0;
        const tab = await browser.newPage();
        await tab.setRequestInterception(true);
        tab.on('request', (request) => {
          // The form posts to the page's origin (replica A); the "load balancer" sends it to replica B.
          if (request.method() === 'POST' && request.url().startsWith(`${a}/oauth/authorize`)) request.continue({ url: `${b}/oauth/authorize` });
          else request.continue();
        });
        eq((await tab.goto(url, { waitUntil: 'networkidle0' })).status(), 200, 'page from replica A');
        await tab.type('#user', 'ALICE');
        await tab.type('#password', 'alice123');
        await Promise.all([tab.waitForNavigation(), tab.click('#signin button')]);
        await tab.close();
        eq(callbacks.length, 1, 'redirect after the POST on replica B');
        const exchanged = await fetch(`${a}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: callbacks[0].searchParams.get('code'), code_verifier: v,
            client_id: registered.client_id, redirect_uri: redirectUri }) });
        const tokens = await exchanged.json();
        eq(exchanged.status, 200, JSON.stringify(tokens));
        for (const replica of replicas) {
          const client = new Client({ name: 'oauth-replicas', version: '1.0.0' });
          await client.connect(new StreamableHTTPClientTransport(new URL(replica), { requestInit: { headers: { Authorization: `Bearer ${tokens.access_token}` } } }));
          const result = await client.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT CURRENT USER AS U FROM SYSIBM.SYSDUMMY1' } });
          assert(!result.isError && textOf(result).includes('ALICE'), `${replica}: ${textOf(result)}`);
          await client.close();
        }
        // The grant is shared too: refreshed on B, revoked on A, refused on both.
        const refreshed = await refresh(b, registered.client_id, tokens.refresh_token);
        eq(refreshed.status, 200, JSON.stringify(refreshed.body));
        eq(await runsAs(replicas[0], refreshed.body.access_token), 'ALICE', 'the refreshed token on replica A');
        eq((await form(a, '/oauth/revoke', { token: refreshed.body.refresh_token, client_id: registered.client_id })).status, 200, 'revoked on A');
        eq((await refresh(b, registered.client_id, refreshed.body.refresh_token)).body.error, 'invalid_grant', 'refresh on B after the revocation');
        for (const replica of replicas) {
          // Replicas hear of a revocation through Redis at once; allow the message a moment to arrive.
          let seen = 0;
          for (let i = 0; i < 50 && seen !== 401; i++) { seen = await runsAs(replica, refreshed.body.access_token); if (seen !== 401) await new Promise((r) => setTimeout(r, 100)); }
          eq(seen, 401, `the revoked grant's access token on ${replica}`);
        }

        // A key rotation signs nobody out: a replica whose active key is new and the old one retired refreshes a grant
        // whose refresh token the old key's derived keys sealed.
        const beforeRotation = await signIn(a, registered.client_id, 'ALICE', 'alice123', `${publicUrl}/mcp`);
        const rotated = path.join(dir, 'rotated');
        await cli(['keygen', '--dir', rotated, '--key-id', 'next', '--bits', '2048'], process.env);
        const retiredDir = path.join(dir, 'retired');
        mkdirSync(retiredDir, { recursive: true });
        copyFileSync(path.join(keys, 'private.pem'), path.join(retiredDir, 'test.pem'));
        const c = await freePort();
        const replicaC = await startServer({ ...env, MCP_HTTP_PORT: String(c), IBMI_PUBLIC_URL: publicUrl, IBMI_AUTH_SESSION_STORE: 'redis',
          IBMI_AUTH_REDIS: `127.0.0.1:${redisPort}`, IBMI_AUTH_SESSION_KEY_PATH: sessionKey, IBMI_AUTH_KEY_ID: 'next',
          IBMI_AUTH_PRIVATE_KEY_PATH: path.join(rotated, 'private.pem'), IBMI_AUTH_PUBLIC_KEY_PATH: path.join(rotated, 'public.pem'),
          IBMI_AUTH_RETIRED_KEYS_DIR: retiredDir });
        const afterRotation = await refresh(`http://127.0.0.1:${c}`, registered.client_id, beforeRotation.refresh_token);
        eq(afterRotation.status, 200, `refresh after the key rotation: ${JSON.stringify(afterRotation.body)}`);
        eq(await runsAs(replicaC, afterRotation.body.access_token), 'ALICE', 'tools/call after the key rotation');
      } finally {
        redis.kill('SIGTERM');
      }
    });

    await test('a code nobody exchanges ends the session its sign-in opened', async () => {
      const p = await freePort();
      const own = `http://127.0.0.1:${p}`;
      await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: own, IBMI_OAUTH_CODE_LIFETIME_SECONDS: '1', MCP_METRICS_ENABLED: 'true' });
      const live = async () => Number((await (await fetch(`${own}/metrics`)).text()).match(/^ibmi_sessions_live (\d+)/m)[1]);
      const registered = await (await fetch(`${own}/oauth/register`, { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ redirect_uris: [redirectUri] }) })).json();
      const v = b64url(crypto.randomBytes(32));
      callbacks.length = 0;
      const tab = await browser.newPage();
      await tab.goto(`${own}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: registered.client_id, redirect_uri: redirectUri,
        code_challenge: b64url(crypto.createHash('sha256').update(v).digest()), code_challenge_method: 'S256', state: 'late' }), { waitUntil: 'networkidle0' });
      await tab.type('#user', 'ALICE');
      await tab.type('#password', 'alice123');
      await Promise.all([tab.waitForNavigation(), tab.click('#signin button')]);
      await tab.close();
      const mine = callbacks;
      eq(mine.length, 1, 'redirected with a code');
      eq(await live(), 1, 'live sessions right after the sign-in');
      let sessions = 1;
      for (let i = 0; i < 300 && sessions > 0; i++) { await new Promise((r) => setTimeout(r, 100)); sessions = await live(); }
      eq(sessions, 0, 'live sessions once the code expired unexchanged');
      const late = await fetch(`${own}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: mine[0].searchParams.get('code'), code_verifier: v,
          client_id: registered.client_id, redirect_uri: redirectUri }) });
      eq(late.status, 400, 'a late exchange');
    });

    await test('registration switched off: only the clients the operator configured are served', async () => {
      const p = await freePort();
      const own = `http://127.0.0.1:${p}`;
      const clientsFile = path.join(dir, 'clients.json');
      writeFileSync(clientsFile, JSON.stringify([{ client_id: 'claude-desktop', client_name: 'Claude Desktop', redirect_uris: [redirectUri] }]));
      await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: own, IBMI_OAUTH_REGISTRATION: 'false', IBMI_OAUTH_CLIENTS_FILE: clientsFile });
      eq((await register.call(null, { redirect_uris: [redirectUri] }, own)).status, 404, 'registration');
      const meta = await (await fetch(`${own}/.well-known/oauth-authorization-server`)).json();
      eq(meta.registration_endpoint, undefined, 'registration_endpoint advertised');
      const query = (id) => `${own}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: id, redirect_uri: redirectUri,
        code_challenge: b64url(crypto.randomBytes(32)), code_challenge_method: 'S256', state: 's' });
      const page = await fetch(query('claude-desktop'));
      eq(page.status, 200, 'the configured client');
      assert((await page.text()).includes('Claude Desktop'), 'the page names the configured client');
      const unknown = await fetch(query(clientId), { redirect: 'manual' });
      assert(unknown.status === 400 || unknown.status === 401, `a dynamically registered id elsewhere: ${unknown.status}`);
    });

    await test('wrong passwords from the page count in the sign-on guard, which then holds the user back', async () => {
      const p = await freePort();
      const own = `http://127.0.0.1:${p}`;
      await startServer({ ...env, MCP_HTTP_PORT: String(p), IBMI_PUBLIC_URL: own, IBMI_AUTH_MAX_FAILED_ATTEMPTS: '2' });
      const registered = await (await register({ redirect_uris: [redirectUri] }, own)).json();
      const url = `${own}/oauth/authorize?` + new URLSearchParams({ response_type: 'code', client_id: registered.client_id, redirect_uri: redirectUri,
        code_challenge: b64url(crypto.randomBytes(32)), code_challenge_method: 'S256', state: 'guard' });
      const tab = await browser.newPage();
      const attempt = async (password) => {
        await tab.goto(url, { waitUntil: 'networkidle0' });
        await tab.type('#user', 'CAROL');
        await tab.type('#password', password);
        const [response] = await Promise.all([tab.waitForNavigation(), tab.click('#signin button')]);
        return { status: response.status(), message: await tab.$eval('#error', (e) => (e.hidden ? '' : e.textContent)) };
      };
      callbacks.length = 0;
      eq((await attempt('wrong-1')).status, 401, 'first wrong password');
      eq((await attempt('wrong-2')).status, 401, 'second wrong password');
      const held = await attempt('carol123');   // the right password, but the guard holds CAROL back now
      eq(held.status, 429, `status once held back (${held.message})`);
      assert(held.message.length > 0, 'no message on the page');
      eq(callbacks.length, 0, 'redirected');
      await tab.close();
    });

    await test('requests without S256 PKCE or for another resource go back to the registered client with the error and the state', async () => {
      const base_ = { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, state: 'refused' };
      for (const [params, error] of [
        [{}, 'invalid_request'],                                                                   // no PKCE at all
        [{ code_challenge: challenge, code_challenge_method: 'plain' }, 'invalid_request'],         // plain PKCE
        [{ code_challenge: challenge, code_challenge_method: 'S256', resource: 'https://other.example/mcp' }, 'invalid_target'],
      ]) {
        const response = await fetch(`${base}/oauth/authorize?` + new URLSearchParams({ ...base_, ...params }), { redirect: 'manual' });
        eq(response.status, 302, JSON.stringify(params));
        const location = new URL(response.headers.get('location'));
        eq(`${location.origin}${location.pathname}`, redirectUri, `${JSON.stringify(params)}: redirected elsewhere`);
        eq(location.searchParams.get('error'), error, JSON.stringify(params));
        eq(location.searchParams.get('state'), 'refused', `${JSON.stringify(params)}: state`);
        eq(location.searchParams.get('code'), null, `${JSON.stringify(params)}: a code`);
      }
      // The same faults with an unregistered redirect URI stay on a page: never an open redirect.
      const page = await fetch(`${base}/oauth/authorize?` + new URLSearchParams({ ...base_, redirect_uri: 'https://attacker.example/cb' }), { redirect: 'manual' });
      eq(page.headers.get('location'), null, 'redirected to an unregistered URI');
    });

    await test('a sign-in POST without the form\'s anti-CSRF value is refused on the page', async () => {
      const form = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge,
        code_challenge_method: 'S256', state: 'csrf', csrf: 'forged', envelope: '{}' });
      for (const body of [form, new URLSearchParams([...form].filter(([k]) => k !== 'csrf'))]) {
        const response = await fetch(`${base}/oauth/authorize`, { method: 'POST', redirect: 'manual',
          headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body });
        eq(response.status, 400, 'status');
        eq(response.headers.get('location'), null, 'redirected');
        assert((await response.text()).includes('expired'), 'no message');
      }
    });

    await test('the token endpoint refuses an unknown client and a redirect URI other than the code\'s', async () => {
      const exchange = (params) => fetch(`${base}/oauth/token`, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', code_verifier: verifier, ...params }) });
      const unknown = await exchange({ client_id: 'dcr_nobody', redirect_uri: redirectUri });
      eq(unknown.status, 400, 'unknown client');   // (OpenIddict reads the code first: invalid_grant, not invalid_client)
      const other = await exchange({ client_id: clientId, redirect_uri: 'http://127.0.0.1:9/other' });
      eq(other.status, 400, 'other redirect');
    });

    await test('the audit log records each grant with the client id and name, and no secret', async () => {
      const lines = readFileSync(path.join(dir, 'audit.log'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      const grants = lines.filter((l) => l.event === 'oauth_grant');
      const actions = new Set(grants.map((l) => `${l.action}${l.reason ? `/${l.reason}` : ''}`));
      for (const expected of ['signed_in', 'refreshed', 'ended/revoked', 'ended/refresh_reused', 'ended/code_reused'])
        assert(actions.has(expected), `no ${expected} line: ${[...actions].join(', ')}`);
      assert(grants.every((l) => l.client_id && l.client_name && l.user && l.session), JSON.stringify(grants[0]));
      assert(grants.some((l) => l.client_name === 'Browser test' && l.user === 'ALICE'), 'no line names the client');
      const text = readFileSync(path.join(dir, 'audit.log'), 'utf8');
      for (const secret of ['alice123', 'bob12345', accessToken]) assert(!text.includes(secret), 'a secret in the audit log');
    });

    await test('no CSP violation was reported', async () => eq(violations.length, 0, violations.join('\n')));
  } finally {
    await browser.close();
    callbackServer.close();
    documentServer?.close();
  }
});

// MCP_AUTH_MODE=oauth as an MCP client meets it: a real OpenID provider (oidc-provider) on loopback issues
// client-credentials access tokens (JWT, audience = the requested resource, RFC 8707); the official MCP TypeScript SDK
// client knows only the server's URL and its client credentials. It must discover the protected resource metadata from
// the server's 401 (RFC 9728), find the authorization server, obtain a token for this resource and call tools; scopes
// decide which tools it sees; a token for another resource is refused with a precise message.
// Starts what it needs: the emulator (EMULATOR_DLL or the repo build), the server (IBMI_MCP_BIN or the repo build).
// Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import { generateKeyPairSync } from 'node:crypto';
import path from 'node:path';
import Provider from 'oidc-provider';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ClientCredentialsProvider } from '@modelcontextprotocol/sdk/client/auth-extensions.js';
import { assert, freePort, main, serverEnv, startEmulator, startServer, test, textOf } from '../support/harness.mjs';

let idp;
await main('oauth-oidc', async (dir) => {
  // ── the OpenID provider ──
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const idpPort = await freePort();
  const issuer = `http://127.0.0.1:${idpPort}`;
  const mcpPort = await freePort();
  const resource = `http://127.0.0.1:${mcpPort}/mcp`;
  const provider = new Provider(issuer, {
    clients: [
      { client_id: 'helpdesk', client_secret: 'helpdesk-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp' },
      { client_id: 'secops', client_secret: 'secops-secret', grant_types: ['client_credentials'], redirect_uris: [], response_types: [], scope: 'mcp ibmi:security' },
    ],
    scopes: ['mcp', 'ibmi:security'],
    features: {
      clientCredentials: { enabled: true },
      devInteractions: { enabled: false },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => resource,
        useGrantedResource: () => true,
        // Every resource a client names gets a JWT access token with that audience (the server decides if it is its own).
        getResourceServerInfo: (ctx, indicator, client) => ({ scope: client.scope, audience: indicator, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
      },
    },
    ttl: { ClientCredentials: 600 },
    jwks: { keys: [{ ...privateKey.export({ format: 'jwk' }), kid: 'idp-1', use: 'sig', alg: 'RS256' }] },
  });
  idp = provider.listen(idpPort);

  // ── the emulator and the server ──
  const certPath = path.join(dir, 'emulator.pem');
  const emulatorPort = await startEmulator(certPath);
  await startServer(serverEnv(dir, emulatorPort, certPath, {
    MCP_HTTP_PORT: String(mcpPort),
    MCP_AUTH_MODE: 'oauth', OAUTH_ISSUER_URL: issuer, OAUTH_AUDIENCE: resource, OAUTH_JWKS_URI: `${issuer}/jwks`,
    IBMI_ENABLE_DEFAULT_TOOLS: 'false',
  }));
  const mcpUrl = new URL(resource);

  await test('without a token the server answers 401 pointing at its protected resource metadata', async () => {
    const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    assert(res.status === 401, `status ${res.status}`);
    const challenge = res.headers.get('www-authenticate') || '';
    assert(challenge.includes(`resource_metadata="http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource/mcp"`), challenge);
  });

  await test('the protected resource metadata names this resource, the issuer and the scopes the rules use (RFC 9728)', async () => {
    const res = await fetch(`http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource/mcp`);
    assert(res.status === 200, `status ${res.status}`);
    const meta = await res.json();
    assert(meta.resource === resource, JSON.stringify(meta));
    assert(meta.authorization_servers.length === 1 && meta.authorization_servers[0] === issuer, JSON.stringify(meta));
    assert(meta.bearer_methods_supported.includes('header'), JSON.stringify(meta));
    assert(meta.scopes_supported.includes('ibmi:security') && meta.scopes_supported.includes('ibmi:system'), JSON.stringify(meta));
    const root = await (await fetch(`http://127.0.0.1:${mcpPort}/.well-known/oauth-protected-resource`)).json();
    assert(root.resource === resource, JSON.stringify(root));
  });

  async function connect(clientId, secret, scope) {
    const authProvider = new ClientCredentialsProvider({ clientId, clientSecret: secret, expectedIssuer: issuer, scope });
    const client = new Client({ name: 'oauth-e2e', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider }));
    return client;
  }

  await test('the SDK client discovers the authorization server from the 401, gets a token and calls an allowed tool', async () => {
    const client = await connect('helpdesk', 'helpdesk-secret', 'mcp');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert(names.includes('department_staff'), names.join(','));
      assert(!names.includes('special_authority_holders'), 'helpdesk must not see the security tools: ' + names.join(','));
      const result = await client.callTool({ name: 'department_staff', arguments: { department: 'A00' } });
      assert(!result.isError && textOf(result).includes('HAAS'), textOf(result).slice(0, 300));
    } finally { await client.close(); }
  });

  await test('a client holding ibmi:security sees and runs the security tools', async () => {
    const client = await connect('secops', 'secops-secret', 'mcp ibmi:security');
    try {
      const names = (await client.listTools()).tools.map((t) => t.name);
      assert(names.includes('special_authority_holders'), names.join(','));
      const result = await client.callTool({ name: 'special_authority_holders', arguments: {} });
      assert(!result.isError && textOf(result).includes('QSECOFR'), textOf(result).slice(0, 300));
    } finally { await client.close(); }
  });

  await test('a forbidden call is 403 insufficient_scope with the scope it needs, and step-up cannot get it for this client', async () => {
    const client = await connect('helpdesk', 'helpdesk-secret', 'mcp');
    const token = (await client.transport._authProvider.tokens()).access_token;
    try {
      const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
        'mcp-protocol-version': '2025-06-18', authorization: `Bearer ${token}` },
        body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'tools/call', params: { name: 'special_authority_holders', arguments: {} } }) });
      assert(res.status === 403, `status ${res.status}`);
      const challenge = res.headers.get('www-authenticate') || '';
      assert(challenge.includes('error="insufficient_scope"') && challenge.includes('scope="ibmi:security"'), challenge);
      let refused = false;
      try { await client.callTool({ name: 'special_authority_holders', arguments: {} }); }
      catch { refused = true; }
      assert(refused, 'the SDK call should fail: helpdesk may not be granted ibmi:security');
    } finally { await client.close(); }
  });

  await test('a token issued for another resource is refused with a precise message', async () => {
    const other = `http://127.0.0.1:${mcpPort}/other-api`;
    const tokenRes = await fetch(`${issuer}/token`, { method: 'POST', headers: { authorization: 'Basic ' + Buffer.from('secops:secops-secret').toString('base64'),
      'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ grant_type: 'client_credentials', scope: 'mcp', resource: other }) });
    const { access_token: token } = await tokenRes.json();
    assert(token, 'no token for the other resource');
    const res = await fetch(mcpUrl, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream',
      'mcp-protocol-version': '2025-06-18', authorization: `Bearer ${token}` }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }) });
    assert(res.status === 401, `status ${res.status}`);
    const body = await res.json();
    assert(/issued for another resource/.test(body.error.message) && body.error.message.includes(other), JSON.stringify(body));
  });
  idp.close();
});

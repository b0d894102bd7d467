// Drives ibmi-mcp with the official MCP TypeScript SDK client (@modelcontextprotocol/sdk from npm):
//   Streamable HTTP with an IBM i Bearer token (initialize, list tools, call tools, a tool error, the caller's own
//   authority, refusal without a token and from a foreign Origin), then stdio.
// Starts what it needs itself (tests/support/harness.mjs):
//   EMULATOR_DLL  path of ibmi-emulator.dll (default: the Release/Debug build in this repo)
//   IBMI_MCP_BIN  the server: a published binary, or a command such as "dotnet path/ibmi-mcp.dll"
//                 (default: the Release/Debug build of src/IbmiMcp.Aot in this repo, run with dotnet)
// Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { assert, cli, main, serverCommand, serverEnv, signOn, startEmulator, startServer, test, textOf } from '../support/harness.mjs';

const [serverCmd, ...serverArgs] = serverCommand();

await main('mcp-sdk', async (dir) => {
  // ── emulator ──────────────────────────────────────────────────────────────────────────────────────────────
  const certPath = path.join(dir, 'emulator.pem');
  const emulatorPort = await startEmulator(certPath);

  // ── server: IBM i auth on loopback, built-in tools, shipped YAML tools ──────────────────────────────────────
  const keys = path.join(dir, 'keys');
  await cli(['keygen', '--dir', keys, '--key-id', 'test'], process.env);
  const env = serverEnv(dir, emulatorPort, certPath, {
    MCP_AUTH_MODE: 'ibmi', IBMI_HTTP_AUTH_ENABLED: 'true', IBMI_AUTH_ALLOW_HTTP: 'true',
    IBMI_AUTH_KEY_ID: 'test',
    IBMI_AUTH_PRIVATE_KEY_PATH: path.join(keys, 'private.pem'), IBMI_AUTH_PUBLIC_KEY_PATH: path.join(keys, 'public.pem'),
    IBMI_ENABLE_EXECUTE_SQL: 'true',
  });
  const endpoint = await startServer(env);
  const port = new URL(endpoint).port;
  const token = (user, password) => signOn(env, port, user, password);

  async function connect(bearer, headers = {}) {
    const client = new Client({ name: 'mcp-sdk-conformance', version: '1.0.0' });
    const transport = new StreamableHTTPClientTransport(new URL(endpoint), {
      requestInit: { headers: { ...(bearer ? { Authorization: `Bearer ${bearer}` } : {}), ...headers } },
    });
    await client.connect(transport);
    return client;
  }

  const alice = await token('ALICE', 'alice123');
  const bob = await token('BOB', 'bob12345');
  let client;

  await test('initialize over Streamable HTTP with an IBM i Bearer token', async () => {
    client = await connect(alice);
    const info = client.getServerVersion();
    assert(info && info.name, `server info ${JSON.stringify(info)}`);
    assert(client.getServerCapabilities().tools, 'no tools capability');
  });

  await test('tools/list has the built-in and the YAML tools', async () => {
    const { tools } = await client.listTools();
    const names = tools.map((t) => t.name);
    for (const expected of ['describe_sql_object', 'execute_sql', 'list_schemas', 'get_table_columns'])
      assert(names.includes(expected), `missing ${expected} in ${names.join(',')}`);
    assert(tools.length > 7, `only ${tools.length} tools: no YAML tools loaded`);
    assert(tools.every((t) => t.inputSchema && t.inputSchema.type === 'object'), 'tool without an object input schema');
  });

  await test('tools/call execute_sql returns rows', async () => {
    const result = await client.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT EMPNO, LASTNAME FROM SAMPLE.EMPLOYEE FETCH FIRST 2 ROWS ONLY' } });
    assert(!result.isError, textOf(result));
    assert(result.structuredContent && result.structuredContent.rowCount === 2, JSON.stringify(result.structuredContent));
  });

  await test('tools/call describe_sql_object returns DDL', async () => {
    const result = await client.callTool({ name: 'describe_sql_object', arguments: { object_name: 'EMPLOYEE', object_library: 'SAMPLE' } });
    assert(!result.isError, textOf(result));
    assert(/CREATE/i.test(textOf(result)), textOf(result));
  });

  await test('tools/call of a YAML tool runs', async () => {
    const { tools } = await client.listTools();
    const builtIns = new Set(['describe_sql_object', 'execute_sql', 'list_schemas', 'list_tables_in_schema', 'get_table_columns', 'get_related_objects', 'validate_query']);
    const yaml = tools.find((t) => !builtIns.has(t.name) && !(t.inputSchema.required || []).length);
    assert(yaml, 'no YAML tool without required arguments');
    const result = await client.callTool({ name: yaml.name, arguments: {} });
    assert(Array.isArray(result.content) && result.content.length > 0, `${yaml.name}: no content`);
  });

  await test('a read-only violation comes back as a tool error, not a transport failure', async () => {
    const result = await client.callTool({ name: 'execute_sql', arguments: { sql: 'DELETE FROM SAMPLE.EMPLOYEE' } });
    assert(result.isError === true, JSON.stringify(result));
  });

  await test('built-in tools run as the caller: ALICE reads HR.SALARY_REVIEW, BOB gets SQL0551', async () => {
    const sql = { name: 'execute_sql', arguments: { sql: 'SELECT * FROM HR.SALARY_REVIEW' } };
    const mine = await client.callTool(sql);
    assert(!mine.isError, textOf(mine));
    const bobClient = await connect(bob);
    try {
      const denied = await bobClient.callTool(sql);
      assert(denied.isError === true && /SQL0551/.test(textOf(denied)), textOf(denied));
    } finally {
      await bobClient.close();
    }
  });

  await test('an unknown tool is a protocol error', async () => {
    let threw = false;
    try { await client.callTool({ name: 'no_such_tool', arguments: {} }); } catch (e) { threw = /no_such_tool|Unknown tool/i.test(String(e)); }
    assert(threw, 'no error for an unknown tool');
  });

  await test('resources: toolsets:// lists the toolsets', async () => {
    const { resources } = await client.listResources();
    assert(resources.some((r) => r.uri === 'toolsets://'), JSON.stringify(resources));
    const read = await client.readResource({ uri: 'toolsets://' });
    const body = JSON.parse(Buffer.from(read.contents[0].blob, 'base64').toString('utf8'));
    assert(body.totalToolsets > 0, JSON.stringify(body));
  });

  await test('without a token the connection is refused with 401', async () => {
    let error;
    try { await connect(null); } catch (e) { error = e; }
    assert(error && /401|Unauthorized|Bearer/i.test(String(error)), `not refused: ${error}`);
  });

  await test('a foreign Origin is refused with 403', async () => {
    let error;
    try { await connect(alice, { Origin: 'http://evil.example' }); } catch (e) { error = e; }
    assert(error && /403|Forbidden|Origin/i.test(String(error)), `not refused: ${error}`);
  });

  if (client) await client.close();

  // ── stdio ─────────────────────────────────────────────────────────────────────────────────────────────────
  await test('stdio: initialize, list and call as the server account', async () => {
    const stdioEnv = { ...env, MCP_TRANSPORT_TYPE: 'stdio', MCP_AUTH_MODE: 'none', IBMI_HTTP_AUTH_ENABLED: 'false' };
    const transport = new StdioClientTransport({ command: serverCmd, args: [...serverArgs, '--transport', 'stdio'], env: stdioEnv, stderr: 'pipe' });
    const stdio = new Client({ name: 'mcp-sdk-conformance', version: '1.0.0' });
    await stdio.connect(transport);
    try {
      const { tools } = await stdio.listTools();
      assert(tools.some((t) => t.name === 'execute_sql'), 'no execute_sql over stdio');
      const who = await stdio.callTool({ name: 'execute_sql', arguments: { sql: 'SELECT CURRENT USER AS WHO FROM SYSIBM.SYSDUMMY1' } });
      assert(!who.isError, textOf(who));
      assert(/MCPUSER/.test(textOf(who)), textOf(who));
    } finally {
      await stdio.close();
    }
  });
});

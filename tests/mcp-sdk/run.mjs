// Drives ibmi-mcp with the official MCP TypeScript SDK client (@modelcontextprotocol/sdk from npm):
//   Streamable HTTP with an IBM i Bearer token (initialize, list tools, call tools, a tool error, the caller's own
//   authority, refusal without a token and from a foreign Origin), then stdio.
// Starts what it needs itself:
//   EMULATOR_DLL  path of ibmi-emulator.dll (default: the Release/Debug build in this repo)
//   IBMI_MCP_BIN  the server: a published binary, or a command such as "dotnet path/ibmi-mcp.dll"
//                 (default: the Release/Debug build of src/IbmiMcp.Aot in this repo, run with dotnet)
// Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '..', '..');
const run = promisify(execFile);

/** The newer of the Release and Debug builds (a stale Release build must not shadow a fresh Debug one). */
function findBuild(project, file) {
  const found = ['Release', 'Debug']
    .map((cfg) => path.join(repo, 'src', project, 'bin', cfg, 'net10.0', file))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0] || null;
}

function emulatorDll() {
  const dll = process.env.EMULATOR_DLL || findBuild('IbmiMcp.Emulator', 'ibmi-emulator.dll');
  if (!dll) throw new Error('ibmi-emulator.dll not found: build src/IbmiMcp.Emulator or set EMULATOR_DLL');
  return dll;
}

/** [command, ...args] for the server: IBMI_MCP_BIN split on spaces (paths with spaces: use a wrapper script). */
function serverCommand() {
  if (process.env.IBMI_MCP_BIN) return process.env.IBMI_MCP_BIN.trim().split(/\s+/);
  const dll = findBuild('IbmiMcp.Aot', 'ibmi-mcp.dll');
  if (!dll) throw new Error('ibmi-mcp not found: set IBMI_MCP_BIN or build src/IbmiMcp.Aot');
  return ['dotnet', dll];
}

function waitForLine(child, stream, pattern, what, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start in ${timeoutMs / 1000}s:\n${buf}`)), timeoutMs);
    stream.on('data', (d) => {
      buf += d.toString();
      const m = buf.match(pattern);
      if (m) { clearTimeout(timer); resolve(m); }
    });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`${what} exited with ${code}:\n${buf}`)); });
  });
}

let passed = 0, failed = 0;
async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : e}`);
  }
}
function assert(cond, msg) { if (!cond) throw new Error(msg || 'assertion failed'); }
const textOf = (result) => (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

const dir = mkdtempSync(path.join(tmpdir(), 'mcp-sdk-'));
const children = [];
const [serverCmd, ...serverArgs] = serverCommand();

async function cli(args, env) {
  const { stdout } = await run(serverCmd, [...serverArgs, ...args], { env, timeout: 60000 });
  return stdout;
}

try {
  // ── emulator ──────────────────────────────────────────────────────────────────────────────────────────────
  const certPath = path.join(dir, 'emulator.pem');
  const emulator = spawn('dotnet', [emulatorDll(), '--port', '0', '--write-cert', certPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(emulator);
  const emulatorPort = Number((await waitForLine(emulator, emulator.stdout, /listening on wss:\/\/[^:]+:(\d+)\/db\//, 'emulator'))[1]);

  // ── server: IBM i auth on loopback, built-in tools, shipped YAML tools ──────────────────────────────────────
  const keys = path.join(dir, 'keys');
  const emptyEnv = path.join(dir, 'empty.env');
  writeFileSync(emptyEnv, '# intentionally empty: the test passes everything through the environment\n');
  await cli(['keygen', '--dir', keys, '--key-id', 'test'], process.env);
  const env = {
    ...process.env,
    MCP_SERVER_CONFIG: emptyEnv,   // never read a developer's .env
    MCP_TRANSPORT_TYPE: 'http', MCP_HTTP_HOST: '127.0.0.1', MCP_HTTP_PORT: '0',
    MCP_AUTH_MODE: 'ibmi', IBMI_HTTP_AUTH_ENABLED: 'true', IBMI_AUTH_ALLOW_HTTP: 'true',
    IBMI_AUTH_KEY_ID: 'test',
    IBMI_AUTH_PRIVATE_KEY_PATH: path.join(keys, 'private.pem'), IBMI_AUTH_PUBLIC_KEY_PATH: path.join(keys, 'public.pem'),
    DB2i_HOST: '127.0.0.1', DB2i_PORT: String(emulatorPort), DB2i_CA_PATH: certPath, DB2i_IGNORE_UNAUTHORIZED: 'false',
    DB2i_USER: 'MCPUSER', DB2i_PASS: 'mcppass1',
    TOOLS_YAML_PATH: path.join(repo, 'tools'), IBMI_ENABLE_DEFAULT_TOOLS: 'true', IBMI_ENABLE_EXECUTE_SQL: 'true',
    MCP_LOG_LEVEL: 'warning',
  };
  const server = spawn(serverCmd, [...serverArgs, '--transport', 'http'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(server);
  server.stdout.on('data', () => {});
  const endpoint = (await waitForLine(server, server.stderr, /Endpoint:\s+(http:\/\/\S+)/, 'ibmi-mcp'))[1];
  const port = new URL(endpoint).port;

  async function token(user, password) {
    const out = await cli(['token', '--quiet', '--server', '127.0.0.1', '--port', port, '-u', user, '-p', password, '-h', '127.0.0.1'], env);
    const m = out.match(/IBMI_MCP_ACCESS_TOKEN="([^"]+)"/);
    assert(m, `no token in: ${out}`);
    return m[1];
  }

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
} catch (e) {
  failed++;
  console.log(`FAIL setup: ${e && e.stack ? e.stack.split('\n').slice(0, 6).join(' | ') : e}`);
} finally {
  for (const child of children) child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

console.log(`RESULT: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

// What the scripts that drive official clients share (tests/*/run.mjs): locating the builds, starting the emulator and
// the server, free loopback ports, and a tiny test runner whose last line is "RESULT: N passed, N failed".
//   EMULATOR_DLL  path of ibmi-emulator.dll (default: the newer Release/Debug build in this repo)
//   IBMI_MCP_BIN  the server: a published binary, or a command such as "dotnet path/ibmi-mcp.dll"
//                 (default: the newer Release/Debug build of src/IbmiMcp.Aot, run with dotnet)
import { spawn, execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const run = promisify(execFile);

/** The newer of the Release and Debug builds (a stale Release build must not shadow a fresh Debug one). */
export function findBuild(project, file) {
  const found = ['Release', 'Debug']
    .map((cfg) => path.join(repo, 'src', project, 'bin', cfg, 'net10.0', file))
    .filter((p) => existsSync(p))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  return found[0] || null;
}

export function emulatorDll() {
  const dll = process.env.EMULATOR_DLL || findBuild('IbmiMcp.Emulator', 'ibmi-emulator.dll');
  if (!dll) throw new Error('ibmi-emulator.dll not found: build src/IbmiMcp.Emulator or set EMULATOR_DLL');
  return dll;
}

/** [command, ...args] for the server: IBMI_MCP_BIN split on spaces (paths with spaces: use a wrapper script). */
export function serverCommand() {
  if (process.env.IBMI_MCP_BIN) return process.env.IBMI_MCP_BIN.trim().split(/\s+/);
  const dll = findBuild('IbmiMcp.Aot', 'ibmi-mcp.dll');
  if (!dll) throw new Error('ibmi-mcp not found: set IBMI_MCP_BIN or build src/IbmiMcp.Aot');
  return ['dotnet', dll];
}

export const freePort = () => new Promise((resolve) => {
  const s = createServer();
  s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
});

export function waitForLine(child, stream, pattern, what, timeoutMs = 60000) {
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

/** Children started through this module; stopAll() ends them. */
const children = [];
export function stopAll() { for (const child of children) child.kill('SIGTERM'); }

/** Starts the emulator (TLS, certificate written to certPath); resolves to its port. */
export async function startEmulator(certPath) {
  const emulator = spawn('dotnet', [emulatorDll(), '--port', '0', '--write-cert', certPath], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(emulator);
  return Number((await waitForLine(emulator, emulator.stdout, /listening on wss:\/\/[^:]+:(\d+)\/db\//, 'emulator'))[1]);
}

/** The environment of a server on loopback against the emulator; `overrides` win. Never reads a developer's .env. */
export function serverEnv(dir, emulatorPort, certPath, overrides = {}) {
  const emptyEnv = path.join(dir, 'empty.env');
  writeFileSync(emptyEnv, '# intentionally empty: the test passes everything through the environment\n');
  // Inherit nothing that configures a server (a developer's MCP_*, IBMI_*, DB2i_* … must not leak into the test).
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(MCP_|IBMI_|DB2i_|OAUTH_|TOOLS_|YAML_)/.test(k)));
  return {
    ...inherited,
    MCP_SERVER_CONFIG: emptyEnv,
    MCP_TRANSPORT_TYPE: 'http', MCP_HTTP_HOST: '127.0.0.1', MCP_HTTP_PORT: '0',
    DB2i_HOST: '127.0.0.1', DB2i_PORT: String(emulatorPort), DB2i_CA_PATH: certPath, DB2i_IGNORE_UNAUTHORIZED: 'false',
    DB2i_USER: 'MCPUSER', DB2i_PASS: 'mcppass1',
    TOOLS_YAML_PATH: path.join(repo, 'tools'), IBMI_ENABLE_DEFAULT_TOOLS: 'true',
    MCP_LOG_LEVEL: 'warning',
    ...overrides,
  };
}

/** Starts the server with `env`; resolves to its MCP endpoint URL (from "Endpoint: http://…" on stderr). */
export async function startServer(env) {
  const [cmd, ...args] = serverCommand();
  const server = spawn(cmd, [...args, '--transport', 'http'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(server);
  server.stdout.on('data', () => {});
  return (await waitForLine(server, server.stderr, /Endpoint:\s+(http:\/\/\S+)/, 'ibmi-mcp'))[1];
}

/** Runs the server binary as a CLI (keygen, token, …) and returns its stdout. */
export async function cli(args, env) {
  const [cmd, ...prefix] = serverCommand();
  const { stdout } = await run(cmd, [...prefix, ...args], { env, timeout: 60000 });
  return stdout;
}

/** Signs `user` on through `ibmi-mcp token` (the encrypted credential exchange) and returns the Bearer token. */
export async function signOn(env, port, user, password) {
  const out = await cli(['token', '--quiet', '--server', '127.0.0.1', '--port', String(port), '-u', user, '-p', password, '-h', '127.0.0.1'], env);
  const m = out.match(/IBMI_MCP_ACCESS_TOKEN="([^"]+)"/);
  if (!m) throw new Error(`no token in: ${out}`);
  return m[1];
}

let passed = 0, failed = 0;
export async function test(name, fn) {
  try {
    await fn();
    passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack.split('\n').slice(0, 4).join(' | ') : e}`);
  }
}

/** Counts a failure outside a test (setup), printing what broke. */
function fail(what, e) {
  failed++;
  console.log(`FAIL ${what}: ${e && e.stack ? e.stack.split('\n').slice(0, 6).join(' | ') : e}`);
}

/**
 * Runs a suite: `body(dir)` gets a fresh temporary directory; a throw outside a test counts as a failure; afterwards
 * every started child is stopped, the directory removed, and the RESULT line printed (exit 1 on any failure).
 */
export async function main(name, body) {
  const dir = mkdtempSync(path.join(tmpdir(), `${name}-`));
  try {
    await body(dir);
  } catch (e) {
    fail('setup', e);
  } finally {
    stopAll();
    rmSync(dir, { recursive: true, force: true });
  }
  finish();
}

/**
 * The server modes the protocol suites run in: the stateful SDK path, the stateless fast path, and the stateless SDK
 * path (MCP_FAST_PATH=false), so every check holds for both implementations of tools/list and tools/call.
 */
export const pathModes = {
  stateful: { MCP_SESSION_MODE: 'auto' },
  fast: { MCP_SESSION_MODE: 'stateless' },
  sdk: { MCP_SESSION_MODE: 'stateless', MCP_FAST_PATH: 'false' },
};

/** Prints the RESULT line and exits 1 on any failure. */
function finish() {
  console.log(`RESULT: ${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

export function assert(cond, msg) { if (!cond) throw new Error(msg || 'assertion failed'); }
export function eq(a, b, msg) { if (a !== b) throw new Error(`${msg || 'expected equal'}: ${JSON.stringify(a)} !== ${JSON.stringify(b)}`); }
export const textOf = (result) => (result.content || []).filter((c) => c.type === 'text').map((c) => c.text).join('\n');

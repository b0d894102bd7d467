// Every MCP revision the server serves, end to end with the official TypeScript SDK client (@modelcontextprotocol/client,
// the v2 SDK, which can pin a revision): 2024-11-05, 2025-03-26, 2025-06-18 and 2025-11-25 through the initialize
// handshake, 2026-07-28 through server/discover. Each revision initializes (the server must answer with that revision),
// lists tools, calls a built-in tool and a YAML tool as the signed-on IBM i user, gets a prompt and completes a prompt
// argument from the Db2 catalog — against three servers on the emulator, all with IBM i sign-on:
//   stateful   MCP_SESSION_MODE=auto: handshake revisions get a session (the SDK's transport per session)
//   fast       MCP_SESSION_MODE=stateless: stateless tools/list and tools/call of 2025-06-18/2025-11-25 take McpFastPath
//   sdk        MCP_SESSION_MODE=stateless MCP_FAST_PATH=false: the same requests through the SDK's per-request server
// Last line: "RESULT: N passed, N failed"; exit code 1 on any failure.
import path from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { assert, cli, main, pathModes, serverEnv, signOn, startEmulator, startServer, test, textOf } from '../support/harness.mjs';

const revisions = ['2024-11-05', '2025-03-26', '2025-06-18', '2025-11-25', '2026-07-28'];
await main('mcp-revisions', async (dir) => {
  const certPath = path.join(dir, 'emulator.pem');
  const emulatorPort = await startEmulator(certPath);
  const keys = path.join(dir, 'keys');
  await cli(['keygen', '--dir', keys, '--key-id', 'test'], process.env);

  for (const [mode, settings] of Object.entries(pathModes)) {
    const env = serverEnv(dir, emulatorPort, certPath, {
      MCP_AUTH_MODE: 'ibmi', IBMI_HTTP_AUTH_ENABLED: 'true', IBMI_AUTH_ALLOW_HTTP: 'true', IBMI_AUTH_KEY_ID: 'test',
      IBMI_AUTH_PRIVATE_KEY_PATH: path.join(keys, 'private.pem'), IBMI_AUTH_PUBLIC_KEY_PATH: path.join(keys, 'public.pem'),
      MCP_METRICS_ENABLED: 'true', ...settings,
    });
    const endpoint = new URL(await startServer(env));
    const requestsBy = async (path) => {
      const text = await (await fetch(new URL('/metrics', endpoint))).text();
      return Number((text.match(new RegExp(`^mcp_requests_total\\{path="${path}"\\} (\\d+)`, 'm')) || [])[1]);
    };
    const token = await signOn(env, endpoint.port, 'ALICE', 'alice123');

    for (const revision of revisions) {
      await test(`${mode} ${revision}: negotiates ${revision}, lists and calls tools, gets a prompt, completes from the catalog`, async () => {
        const modern = revision >= '2026-07-28';
        // Legacy revisions: offer only this one in initialize. 2026-07-28: pinned, negotiated by server/discover.
        const client = new Client({ name: 'mcp-revisions', version: '1.0.0' },
          modern ? { versionNegotiation: { mode: { pin: revision } } } : { supportedProtocolVersions: [revision] });
        const transport = new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${token}` } } });
        await client.connect(transport);
        try {
          assert(client.getNegotiatedProtocolVersion() === revision, `negotiated ${client.getNegotiatedProtocolVersion()}`);
          assert((transport.sessionId !== undefined) === (mode === 'stateful' && !modern), `session id ${transport.sessionId} in ${mode} mode`);

          const { tools } = await client.listTools();
          const names = tools.map((t) => t.name);
          for (const expected of ['describe_sql_object', 'list_schemas', 'employee_profile'])
            assert(names.includes(expected), `${expected} missing from ${names.join(',')}`);
          assert(!names.includes('special_authority_holders'), 'ALICE sees a security tool');

          const ddl = await client.callTool({ name: 'describe_sql_object', arguments: { object_name: 'EMPLOYEE', object_library: 'SAMPLE' } });
          assert(!ddl.isError && /CREATE/i.test(textOf(ddl)), textOf(ddl).slice(0, 200));
          const profile = await client.callTool({ name: 'employee_profile', arguments: { employee_number: '000010' } });
          assert(!profile.isError && textOf(profile).includes('HAAS'), textOf(profile).slice(0, 200));
          const who = await client.callTool({ name: 'list_schemas', arguments: { filter: 'SAMP%' } });
          assert(!who.isError && textOf(who).includes('SAMPLE'), textOf(who).slice(0, 200));

          const prompt = await client.getPrompt({ name: 'explain_table', arguments: { schema: 'SAMPLE', table: 'EMPLOYEE' } });
          assert(prompt.messages.length === 1 && prompt.messages[0].content.text.startsWith('Explain the table SAMPLE.EMPLOYEE'), JSON.stringify(prompt).slice(0, 200));

          const schemas = await client.complete({ ref: { type: 'ref/prompt', name: 'explain_table' }, argument: { name: 'schema', value: 'sa' } });
          assert(schemas.completion.values.join() === 'SAMPLE', JSON.stringify(schemas));
          const tables = await client.complete({ ref: { type: 'ref/prompt', name: 'explain_table' }, argument: { name: 'table', value: 'EMP' },
            context: { arguments: { schema: 'SAMPLE' } } });
          assert(tables.completion.values.join() === 'EMPLOYEE,EMPPROJACT', JSON.stringify(tables));
        } finally {
          await client.close();
        }
      });
    }

    await test(`${mode}: the requests took the ${mode === 'fast' ? 'fast path where it applies' : 'SDK path only'}`, async () => {
      const fast = await requestsBy('fast');
      const sdk = await requestsBy('sdk');
      // 2025-06-18 and 2025-11-25 send 5 stateless tools/list + tools/call each; every other request is the SDK's.
      assert(mode === 'fast' ? fast === 8 : fast === 0, `fast path answered ${fast}`);
      assert(sdk > 0, `SDK path answered ${sdk}`);
    });
  }
});

// Throughput of ibmi-emulator (not part of the test run):
//   node load.mjs [sockets=4] [requestsPerSocket=3000] [inFlightPerSocket=16]
// Starts the emulator (EMULATOR_DLL or the Release/Debug build) and sends prepare_sql_execute point queries over
// wss with the emulator certificate pinned; prints requests per second.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const [sockets, perSocket, window] = [Number(process.argv[2] || 4), Number(process.argv[3] || 3000), Number(process.argv[4] || 16)];
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const dll = process.env.EMULATOR_DLL || ['Release', 'Debug'].map(c => path.join(repo, 'src/IbmiMcp.Emulator/bin', c, 'net10.0/ibmi-emulator.dll')).find(existsSync);
const dir = mkdtempSync(path.join(tmpdir(), 'emu-load-'));
const certPath = path.join(dir, 'cert.pem');
const child = spawn('dotnet', [dll, '--port', '0', '--write-cert', certPath], { stdio: ['ignore', 'pipe', 'inherit'] });
const port = await new Promise((resolve, reject) => {
  let buf = '';
  child.stdout.on('data', d => { buf += d; const m = buf.match(/listening on wss:\/\/[^:]+:(\d+)\//); if (m) resolve(Number(m[1])); });
  child.on('exit', c => reject(new Error('emulator exited ' + c)));
});
const ca = readFileSync(certPath);

async function run() {
  const ws = new WebSocket(`wss://localhost:${port}/db/`, { ca, headers: { authorization: 'Basic ' + Buffer.from('MCPUSER:mcppass1').toString('base64') } });
  await new Promise((resolve, reject) => { ws.once('open', resolve); ws.once('error', reject); });
  const pending = new Map();
  ws.on('message', d => { const m = JSON.parse(d.toString()); const f = pending.get(m.id); pending.delete(m.id); f(m); });
  const send = o => new Promise(r => { pending.set(o.id, r); ws.send(JSON.stringify(o)); });
  await send({ id: 'c', type: 'connect' });
  let next = 0, errors = 0;
  const worker = async () => {
    while (next < perSocket) {
      const n = next++;
      const r = await send({ id: 'q' + n, type: 'prepare_sql_execute', sql: 'select EMPNO, LASTNAME, SALARY from sample.employee where empno = ?', parameters: ['000010'] });
      if (!r.success) errors++;
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
  ws.close();
  return errors;
}

await Promise.all([run()]); // warm-up on one socket (JIT)
const t0 = process.hrtime.bigint();
const errors = (await Promise.all(Array.from({ length: sockets }, run))).reduce((a, b) => a + b, 0);
const secs = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${sockets} sockets x ${perSocket} requests (${window} in flight each): ${(sockets * perSocket / secs).toFixed(0)} req/s, ${errors} errors`);
child.kill('SIGTERM');
rmSync(dir, { recursive: true, force: true });

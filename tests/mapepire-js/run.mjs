// Conformance check: the official @ibm/mapepire-js client (npm, 0.6.0) against ibmi-emulator.
// Starts the emulator itself: EMULATOR_DLL (path to ibmi-emulator.dll) or the Debug/Release build in this repo.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import mapepire from '@ibm/mapepire-js';
import { assert, eq, main, startEmulator, test } from '../support/harness.mjs';

const { SQLJob, Pool, getRootCertificate } = mapepire;

await main('mapepire-js', async (dir) => {
  const certPath = path.join(dir, 'emulator.pem');
  const emu = { port: await startEmulator(certPath) };
  const ca = readFileSync(certPath, 'utf8');
  const creds = { host: 'localhost', port: emu.port, user: 'MCPUSER', password: 'mcppass1', ca };

  await test('getRootCertificate fetches the self-signed certificate the emulator wrote', async () => {
    const root = await getRootCertificate({ host: 'localhost', port: emu.port });
    assert(root, 'no root certificate');
    eq(root.replace(/\s+/g, ''), ca.replace(/\s+/g, ''), 'pinned cert');
  });

  await test('connect with the certificate pinned as ca returns a QZDASOINIT job', async () => {
    const job = new SQLJob();
    const res = await job.connect(creds);
    assert(res.success, 'connect failed');
    assert(/^\d{6}\/QUSER\/QZDASOINIT$/.test(job.id), `job name ${job.id}`);
    await job.close();
  });

  await test('TLS without the pinned ca is rejected as self-signed', async () => {
    const job = new SQLJob();
    const saved = console.log; console.log = () => {};
    try {
      await job.connect({ ...creds, ca: undefined });
      throw new Error('connected without trusting the certificate');
    } catch (e) {
      assert(/self[- ]signed/i.test(e.message), e.message);
    } finally { console.log = saved; }
  });

  await test('bad credentials are rejected at connect with the JTOpen message', async () => {
    const job = new SQLJob();
    try {
      await job.connect({ ...creds, user: 'FAKEUSER', password: 'nope' });
      throw new Error('connected with bad credentials');
    } catch (e) {
      assert(e.message.includes('The application server rejected the connection. (User ID is not known.:FAKEUSER)'), e.message);
    }
    const job2 = new SQLJob();
    try {
      await job2.connect({ ...creds, password: 'wrong-password' });
      throw new Error('connected with a wrong password');
    } catch (e) {
      assert(e.message.includes('The application server rejected the connection.'), e.message);
    }
  });

  const job = new SQLJob({ 'date format': 'iso' });
  await job.connect(creds);

  await test('sql returns SAMPLE.DEPARTMENT rows with Db2 metadata', async () => {
    const res = await job.execute('select DEPTNO, DEPTNAME from sample.department order by deptno');
    eq(res.success, true);
    eq(res.has_results, true);
    eq(res.update_count, -1);
    eq(res.data.length, 14, 'department rows');
    eq(res.data[0].DEPTNO, 'A00');
    eq(res.data[0].DEPTNAME, 'SPIFFY COMPUTER SERVICE DIV.');
    eq(res.metadata.columns[0].type, 'CHAR');
    eq(res.metadata.columns[1].type, 'VARCHAR');
    assert(res.metadata.job.includes('QZDASOINIT'));
  });

  await test('prepare_sql_execute binds parameters', async () => {
    const res = await job.execute('select EMPNO, LASTNAME, SALARY, HIREDATE from sample.employee where workdept = ? and salary > ? order by empno',
      { parameters: ['D11', 50000] });
    assert(res.data.length > 0, 'no rows');
    for (const r of res.data) assert(r.SALARY > 50000, `salary ${r.SALARY}`);
    eq(res.data[0].EMPNO, '000060');
    eq(res.data[0].HIREDATE, '2003-09-14', 'iso date');
    eq(res.parameter_count, 2);
    assert(Array.isArray(res.output_parms));
  });

  await test('wrong parameter count is an error with SQLSTATE 07001', async () => {
    try {
      await job.execute('select * from sample.employee where empno = ? and workdept = ?', { parameters: ['000010'] });
      throw new Error('no error');
    } catch (e) { assert(e.message.includes('07001'), e.message); }
  });

  await test('unknown table gives SQL0204 with 42704 / -204', async () => {
    try {
      await job.execute('select * from scooby');
      throw new Error('no error');
    } catch (e) { eq(e.message, '[SQL0204] SCOOBY in MCPUSER type *FILE not found., 42704, -204'); }
  });

  await test('paging with fetchMore until is_done reads all 42 employees', async () => {
    const q = job.query('select EMPNO from sample.employee order by empno');
    let res = await q.execute(5);
    const rows = [...res.data];
    eq(res.is_done, false);
    while (!res.is_done) { res = await q.fetchMore(10); rows.push(...res.data); }
    eq(rows.length, 42);
    eq(new Set(rows.map(r => r.EMPNO)).size, 42);
    eq(q.getState(), 'RUN_DONE');
  });

  await test('exactly rows remaining leaves is_done false, then an empty final block', async () => {
    const q = job.query('select DEPTNO from sample.department');
    let res = await q.execute(7);
    eq(res.is_done, false);
    res = await q.fetchMore(7);
    eq(res.data.length, 7);
    eq(res.is_done, false);
    res = await q.fetchMore(7);
    eq(res.data.length, 0);
    eq(res.is_done, true);
  });

  await test('close ends an unfinished cursor and a later fetch fails', async () => {
    const q = job.query('select * from sample.employee');
    await q.execute(3);
    const closed = await q.close();
    eq(closed.success, true);
    const bad = await job.send({ id: 'after-close', type: 'sqlmore', cont_id: q.getId(), rows: 5 });
    eq(bad.success, false);
    eq(bad.error, 'Bad request: invalid correlation ID');
  });

  await test('terse results come back as arrays', async () => {
    const res = await job.execute('select DEPTNO, DEPTNAME from sample.department where deptno = ?', { parameters: ['B01'], isTerseResults: true });
    eq(JSON.stringify(res.data), JSON.stringify([['B01', 'PLANNING']]));
  });

  await test('parallel queries on one job all resolve (out-of-order replies matched by id)', async () => {
    const sqls = ['select count(*) as N from sample.employee', 'select count(*) as N from sample.department', 'select count(*) as N from sample.project',
      'select count(*) as N from sample.empprojact', 'select count(*) as N from sysibm.sysdummy1'];
    const results = await Promise.all(sqls.map(s => job.execute(s)));
    eq(results[0].data[0].N, 42);
    eq(results[1].data[0].N, 14);
    eq(results[2].data[0].N, 20);
    eq(results[4].data[0].N, 1);
  });

  await test('CURRENT USER is the signed-on profile and CLIENT_APPLNAME the application', async () => {
    const res = await job.execute('select current user as U, current client_applname as A from sysibm.sysdummy1');
    eq(res.data[0].U, 'MCPUSER');
    eq(res.data[0].A, 'Node.js client');
  });

  await test('CL command failure returns the job log without throwing', async () => {
    const res = await job.clcommand('INVALIDCOMMAND').execute();
    eq(res.success, false);
    assert(res.data.length >= 1);
    eq(res.sql_rc, -443);
    eq(res.sql_state, '38501');
    assert(res.error.includes('[CPF0006] Errors occurred in command.'), res.error);
  });

  await test('getVersion and trace config answer like a v2.3.3 daemon', async () => {
    const v = await job.getVersion();
    eq(v.version, '2.3.3');
    const t = await job.getTraceData();
    eq(t.tracedata, '<prohibited>');
  });

  await test('DML works and reports update_count', async () => {
    const ins = await job.execute("insert into sample.act values (999, 'EMUTST', 'EMULATOR TEST')");
    eq(ins.update_count, 1);
    eq(ins.has_results, false);
    const del = await job.execute('delete from sample.act where actno = ?', { parameters: [999] });
    eq(del.update_count, 1);
  });

  await test('HR.SALARY_REVIEW is readable by ALICE only', async () => {
    try {
      await job.execute('select * from hr.salary_review');
      throw new Error('MCPUSER could read it');
    } catch (e) { eq(e.message, '[SQL0551] Not authorized to object SALARY_REVIEW in HR type *FILE., 42501, -551'); }
    const alice = new SQLJob();
    await alice.connect({ ...creds, user: 'alice', password: 'alice123' });
    const res = await alice.execute('select count(*) as N from hr.salary_review');
    assert(res.data[0].N > 0);
    await alice.close();
  });

  await test('Pool runs concurrent work over several jobs', async () => {
    const pool = new Pool({ creds, maxSize: 3, startingSize: 2 });
    await pool.init();
    const all = await Promise.all(Array.from({ length: 12 }, (_, i) =>
      pool.execute('select EMPNO from sample.employee order by empno limit 1 offset ?', { parameters: [i] })));
    eq(all.length, 12);
    eq(all[0].data[0].EMPNO, '000010');
    eq(all[1].data[0].EMPNO, '000020');
    const sqlTag = await pool.sql`select DEPTNAME from sample.department where deptno = ${'C01'}`;
    eq(sqlTag.data[0].DEPTNAME, 'INFORMATION CENTER');
    assert(pool.getActiveJobCount() >= 2);
    pool.end();
  });

  await job.close();
});

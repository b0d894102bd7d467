using System.Globalization;
using System.Text.Json;
using IbmiMcp.Emulator.Sql;

namespace IbmiMcp.Emulator.Protocol;

internal sealed partial class MapepireSession
{
    private static readonly HashSet<string> TraceLevels = ["OFF", "ON", "ERRORS", "DATASTREAM", "INPUT_AND_ERRORS"];
    private static readonly HashSet<string> TraceDests = ["FILE", "IN_MEM"];

    private Db2Job RequireJob() => _job ?? throw new Db2SqlException("Not connected", null, 0);

    private static int Rows(JsonElement req)
    {
        if (!req.TryGetProperty("rows", out var r)) return 1000;
        if (r.ValueKind == JsonValueKind.Number && r.TryGetInt32(out int n)) return n;
        if (r.ValueKind == JsonValueKind.String && int.TryParse(r.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int s)) return s;
        return 1000;
    }

    private static bool Terse(JsonElement req) =>
        req.TryGetProperty("terse", out var t) && (t.ValueKind == JsonValueKind.True || (t.ValueKind == JsonValueKind.String && bool.TryParse(t.GetString(), out bool b) && b));

    private static string? Field(JsonElement req, string name) => req.TryGetProperty(name, out var v) ? AsString(v) : null;

    private async Task ProcessAsync(JsonElement req, string id, string type, Reply reply)
    {
        switch (type)
        {
            case "connect": await ConnectAsync(req, reply).ConfigureAwait(false); return;
            case "ping":
                reply.Set("alive", true);
                RequireJob();
                reply.Set("db_alive", true);
                return;
            case "getversion":
                reply.Set("build_date", _host.BuildDate).Set("version", _host.Options.Version);
                return;
            case "getdbjob":
                reply.Set("job", _job?.JobName ?? "??????/??????/??????");
                return;
            case "exit":
                await EndJobAsync().ConfigureAwait(false);
                return;
            case "setconfig":
                {
                    foreach (var (key, set) in new[] { ("tracedest", TraceDests), ("jtopentracedest", TraceDests), ("tracelevel", TraceLevels), ("jtopentracelevel", TraceLevels) })
                    {
                        string? v = Field(req, key)?.Trim().ToUpperInvariant();
                        if (v is not null && !set.Contains(v))
                            throw new ProtocolException($"No enum constant com.github.ibm.mapepire.Tracer.{(key.Contains("dest", StringComparison.Ordinal) ? "Dest" : "TraceLevel")}.{v}");
                    }
                    reply.Set("tracedest", "unknown").Set("tracelevel", "INPUT_AND_ERRORS").Set("jtopentracedest", "unknown").Set("jtopentracelevel", "OFF");
                    return;
                }
            case "gettracedata":
                reply.Set("tracedata", "<prohibited>").Set("jtopentracedata", "<prohibited>");
                return;
            case "sql": await RunSqlAsync(req, id, reply).ConfigureAwait(false); return;
            case "prepare_sql": await PrepareAsync(req, id, reply, execute: false).ConfigureAwait(false); return;
            case "prepare_sql_execute": await PrepareAsync(req, id, reply, execute: true).ConfigureAwait(false); return;
            case "execute": await ExecuteAsync(req, reply).ConfigureAwait(false); return;
            case "sqlmore": await MoreAsync(req, reply).ConfigureAwait(false); return;
            case "sqlclose": await CloseAsync(req).ConfigureAwait(false); return;
            case "cl": await ClAsync(req, reply).ConfigureAwait(false); return;
            case "dove": await DoveAsync(req, reply).ConfigureAwait(false); return;
            default: throw new ProtocolException("Unknown request type: " + type);
        }
    }

    private async Task ConnectAsync(JsonElement req, Reply reply)
    {
        string technique = Field(req, "technique") ?? "tcp";
        if (!technique.Equals("tcp", StringComparison.OrdinalIgnoreCase) && !technique.Equals("cli", StringComparison.OrdinalIgnoreCase))
            throw new ProtocolException("Invalid connection technique specified");
        await EndJobAsync().ConfigureAwait(false);
        // Resource failures come before the password check, as on a real server whose JVM cannot open the connection.
        if (_host.Faults.ConnectInternalError is { } internalError)
            throw new ProtocolException("Internal Error: " + internalError);
        if (_host.Faults.MaxJobs is > 0 and var maxJobs && _host.Registry.Count >= maxJobs)
            throw new ProtocolException("Internal Error: IOException: Too many open files");
        string? reason = _host.Users.Authenticate(_user, _password);
        if (reason is not null)
        {
            throw new Db2SqlException(
                $"java.sql.SQLNonTransientConnectionException: The application server rejected the connection. ({reason}:{_user.ToUpperInvariant()})", null, 0);
        }
        string application = Field(req, "application") ?? "unspecified";
        string props = Field(req, "props") ?? "";
        var job = new Db2Job(_host.Database, _host.Registry, _host.Registry.NextJobNumber(), _user, application, props, _clientIp);
        _host.Registry.Add(job);
        _job = job;
        reply.Set("job", job.JobName);
    }

    /// <summary>Runs work on the job's connection under its lock (JTOpen serializes a connection the same way).</summary>
    private static async Task<T> OnJob<T>(Db2Job job, Func<T> work)
    {
        await job.Gate.WaitAsync().ConfigureAwait(false);
        try
        {
            job.SyncSchemasIfNeeded();
            return work();
        }
        finally
        {
            job.Gate.Release();
        }
    }

    private async Task RunSqlAsync(JsonElement req, string id, Reply reply)
    {
        var job = RequireJob();
        string sql = Field(req, "sql") ?? "";
        int rows = Rows(req);
        bool terse = Terse(req);
        await OnJob(job, () =>
        {
            var result = job.Execute(sql, null, prepared: false);
            reply.Set("has_results", result.HasResults).Set("update_count", result.UpdateCount);
            if (result.Cursor is { } cursor)
            {
                var handle = new CursorHandle(sql, terse) { Cursor = cursor };
                ReplaceHandle(id, handle);
                var data = cursor.Fetch(rows, out bool done);
                reply.Set("metadata", new MetadataValue(job.JobName, cursor.Columns, true, null))
                    .Set("data", new DataValue(cursor.Columns, data, terse)).Set("is_done", done);
                Retire(handle, done);
            }
            return 0;
        }).ConfigureAwait(false);
    }

    private const int MaxIdleHandles = 10_000;

    private void ReplaceHandle(string id, CursorHandle handle)
    {
        if (_handles.TryGetValue(id, out var old) && old.Cursor is { } c && !ReferenceEquals(c, handle.Cursor)) c.Dispose();
        _handles[id] = handle;
        if (_handles.Count > MaxIdleHandles)
        {
            // Clients never sqlclose finished cursors; forget finished ones so a long-lived socket stays small.
            foreach (var kv in _handles)
                if (kv.Value.Cursor is null or ExhaustedCursor && !kv.Value.Prepared && kv.Key != id) _handles.TryRemove(kv.Key, out _);
        }
    }

    /// <summary>Drops a finished cursor's reader and metadata but keeps the handle answering "done".</summary>
    private static void Retire(CursorHandle handle, bool done)
    {
        if (done) handle.Cursor = ExhaustedCursor.Instance;
    }

    /// <summary>Decodes the parameters array the way the server binds it: null → NULL, objects rejected, everything else as text.</summary>
    private static List<object?> DecodeRow(JsonElement arr)
    {
        var list = new List<object?>();
        foreach (var e in arr.EnumerateArray())
        {
            list.Add(e.ValueKind switch
            {
                JsonValueKind.Null => null,
                JsonValueKind.String => e.GetString(),
                JsonValueKind.Number => e.TryGetInt64(out long l) ? (object)l : e.GetDouble(),
                JsonValueKind.True => 1L,
                JsonValueKind.False => 0L,
                JsonValueKind.Object => throw new ProtocolException("JsonObject"),
                _ => throw new ProtocolException("Internal Error: IllegalStateException"),
            });
        }
        return list;
    }

    private static JsonElement Parameters(JsonElement req)
    {
        if (!req.TryGetProperty("parameters", out var p) || p.ValueKind == JsonValueKind.Null)
            throw new ProtocolException("Internal Error: NullPointerException: null");
        if (p.ValueKind != JsonValueKind.Array) throw new ProtocolException("Not a JSON Array: " + p.GetRawText());
        return p;
    }

    private async Task PrepareAsync(JsonElement req, string id, Reply reply, bool execute)
    {
        var job = RequireJob();
        string sql = Field(req, "sql") ?? "";
        int rows = Rows(req);
        bool terse = Terse(req);
        await OnJob(job, () =>
        {
            List<object?>? values = null;
            if (execute && req.TryGetProperty("parameters", out var pv) && pv.ValueKind == JsonValueKind.Array
                && (pv.GetArrayLength() == 0 || pv[0].ValueKind != JsonValueKind.Array))
            {
                try { values = DecodeRow(pv); } catch (ProtocolException) { }
            }
            var (columns, parms) = job.Describe(sql, values);
            reply.Set("parameter_count", parms.Count);
            reply.Set("metadata", new MetadataValue(job.JobName, columns, false, parms));
            var handle = new CursorHandle(sql, terse) { Prepared = true };
            ReplaceHandle(id, handle);
            if (execute)
            {
                var p = Parameters(req);
                RunPrepared(job, sql, p, rows, terse, reply, handle, parms);
            }
            return 0;
        }).ConfigureAwait(false);
    }

    /// <summary>Execute step shared by prepare_sql_execute and execute: flat or batch parameters, result merged into reply.</summary>
    private static void RunPrepared(Db2Job job, string sql, JsonElement p, int rows, bool terse, Reply reply, CursorHandle? register, IReadOnlyList<ParameterMeta> parms)
    {
        bool batch = p.GetArrayLength() > 0 && p[0].ValueKind == JsonValueKind.Array;
        if (batch)
        {
            long total = 0;
            int added = 0;
            foreach (var row in p.EnumerateArray())
            {
                if (row.ValueKind != JsonValueKind.Array) throw new ProtocolException("Not a JSON Array: " + row.GetRawText());
                if (row.GetArrayLength() == 0) throw new ProtocolException("Internal Error: IllegalStateException");
                added++;
            }
            reply.Set("batch_added", added);
            foreach (var row in p.EnumerateArray())
            {
                var r = job.Execute(sql, DecodeRow(row), prepared: true);
                r.Cursor?.Dispose();
                total += Math.Max(0, r.UpdateCount);
            }
            reply.Set("data", Array.Empty<object>()).Set("has_results", false).Set("update_count", total)
                .Set("output_parms", Array.Empty<object>()).Set("is_done", true);
            return;
        }
        var result = job.Execute(sql, DecodeRow(p), prepared: true);
        if (result.Cursor is { } cursor)
        {
            if (register is not null) register.Cursor = cursor;
            reply.Set("has_results", true).Set("update_count", -1L)
                .Set("metadata", new MetadataValue(job.JobName, cursor.Columns, true, null));
            var data = cursor.Fetch(rows, out bool done);
            reply.Set("data", new DataValue(cursor.Columns, data, terse)).Set("output_parms", Array.Empty<object>()).Set("is_done", done);
            if (register is null && !done) cursor.Dispose();
            if (register is not null) Retire(register, done);
        }
        else
        {
            reply.Set("data", Array.Empty<object>()).Set("has_results", false).Set("update_count", result.UpdateCount)
                .Set("output_parms", Array.Empty<object>()).Set("is_done", true);
        }
        _ = parms;
    }

    private async Task ExecuteAsync(JsonElement req, Reply reply)
    {
        var job = RequireJob();
        string contId = Field(req, "cont_id") ?? throw new ProtocolException("Bad request: Correlation ID not specified");
        if (!_handles.TryGetValue(contId, out var handle) || !handle.Prepared) throw new ProtocolException("Bad request: invalid correlation ID");
        int rows = Rows(req);
        bool terse = Terse(req);
        await OnJob(job, () =>
        {
            var p = Parameters(req);
            // The execute's own result lives on the execute request, never on the handle (server paging caveat).
            var tmp = new Reply("x");
            RunPrepared(job, handle.Sql, p, rows, terse, tmp, null, []);
            bool hasResults = tmp.Get("has_results") is true;
            if (hasResults)
            {
                reply.Set("has_results", true).Set("update_count", -1L).Set("metadata", tmp.Get("metadata")).Set("data", tmp.Get("data"))
                    .Set("output_parms", Array.Empty<object>()).Set("is_done", tmp.Get("is_done"));
            }
            else
            {
                if (tmp.Get("batch_added") is { } b) reply.Set("batch_added", b);
                reply.Set("data", Array.Empty<object>()).Set("has_results", false).Set("update_count", tmp.Get("update_count"))
                    .Set("output_parms", Array.Empty<object>()).Set("is_done", true);
            }
            return 0;
        }).ConfigureAwait(false);
    }

    private async Task MoreAsync(JsonElement req, Reply reply)
    {
        string contId = Field(req, "cont_id") ?? throw new ProtocolException("Bad request: Correlation ID not specified");
        if (!_handles.TryGetValue(contId, out var handle)) throw new ProtocolException("Bad request: invalid correlation ID");
        var job = RequireJob();
        if (handle.Cursor is not { } cursor) throw new Db2SqlException("Result set was null", null, 0);
        int rows = Rows(req);
        await OnJob(job, () =>
        {
            var data = cursor.Fetch(rows, out bool done);
            reply.Set("data", new DataValue(cursor.Columns, data, handle.Terse)).Set("is_done", done);
            Retire(handle, done);
            return 0;
        }).ConfigureAwait(false);
    }

    private async Task CloseAsync(JsonElement req)
    {
        string contId = Field(req, "cont_id") ?? throw new ProtocolException("Bad request: Correlation ID not specified");
        if (!_handles.TryRemove(contId, out var handle)) throw new ProtocolException("Bad request: invalid correlation ID");
        if (handle.Cursor is { } cursor && _job is { } job)
            await OnJob(job, () => { cursor.Dispose(); return 0; }).ConfigureAwait(false);
    }

    private async Task ClAsync(JsonElement req, Reply reply)
    {
        var job = RequireJob();
        string cmd = Field(req, "cmd") ?? "";
        bool terse = Terse(req);
        var (msgs, error) = await OnJob(job, () =>
        {
            job.StatementCount++;
            job.Registry.Record(job, "CALL QSYS2.QCMDEXC('" + cmd.Replace("'", "''") + "')");
            return JobLog.Run(job, cmd);
        }).ConfigureAwait(false);
        var rows = msgs.Select(m => JobLog.Row(job, m)).ToList();
        reply.Set("metadata", new MetadataValue(job.JobName, JobLog.Meta, true, null))
            .Set("data", new DataValue(JobLog.Meta, rows, terse)).Set("is_done", true);
        if (error is not null) throw error;
    }

    private async Task DoveAsync(JsonElement req, Reply reply)
    {
        var job = RequireJob();
        string sql = Field(req, "sql") ?? "";
        bool run = req.TryGetProperty("run", out var r) && r.ValueKind == JsonValueKind.True;
        int rows = Rows(req);
        bool terse = Terse(req);
        var veCols = new List<ColumnMeta>
        {
            new("IFA_NODEID", Db2Type.Integer, "IFA_NODEID", true, true),
            new("IFA_ICONNAME", Db2Type.VarChar(64), "IFA_ICONNAME", true, true),
            new("IFA_COST", Db2Type.Double, "IFA_COST", true, true),
        };
        await OnJob(job, () =>
        {
            var described = job.Describe(sql);
            reply.Set("vemetadata", new MetadataValue(job.JobName, veCols, true, null))
                .Set("vedata", new DataValue(veCols, [[1L, "Final Select", 1.0], [2L, "Table Scan", 0.9]], terse));
            if (run)
            {
                var result = job.Execute(sql, null, prepared: false);
                if (result.Cursor is { } cursor)
                {
                    var data = cursor.Fetch(rows, out bool done);
                    if (!done) cursor.Dispose();
                    reply.Set("metadata", new MetadataValue(job.JobName, cursor.Columns, true, null)).Set("data", new DataValue(cursor.Columns, data, terse)).Set("is_done", done);
                    return 0;
                }
            }
            _ = described;
            reply.Set("is_done", true);
            return 0;
        }).ConfigureAwait(false);
    }
}

using System.Text.Json;
using IbmiMcp.Mapepire.Messages;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Mapepire;

/// <summary>The statement rules of one user's connections: deadline, fetch sizes, and the application name.</summary>
/// <param name="QueryTimeout">Per-statement deadline; zero = none. On expiry the connection is closed (the job stops).</param>
/// <param name="DefaultPageSize">Page size for <see cref="SqlCommand.FetchAll"/>.</param>
/// <param name="MaxRows">Row cap for <see cref="SqlCommand.FetchAll"/> when the command sets none.</param>
internal readonly record struct StatementSettings(TimeSpan QueryTimeout, int DefaultPageSize, int MaxRows, string ApplicationName)
{
    public static StatementSettings From(MapepirePoolOptions options)
        => new(options.QueryTimeout, options.DefaultPageSize, options.MaxRows, options.ApplicationName);
}

/// <summary>
/// Runs one statement on one connection — what a statement needs regardless of where the connection comes from: the
/// client registers (so the IBM i job shows which tool or command ran it), the fetch (one block, or pages up to a cap,
/// truncation proven by one row beyond it), closing an unfinished cursor, and the per-statement deadline. The pool
/// rents a connection and hands it here; the command line owns one connection and does the same (the way Npgsql
/// keeps its pooling data source apart from the connector's command execution).
/// </summary>
internal sealed class MapepireStatementRunner
{
    /// <summary>Rows of a single block when the command does not say (the reference client's default, upstream §5.7).</summary>
    public const int DefaultRows = 100;
    private const int MaxClientTagLength = 255;
    private const string SetClientInfoSql = "CALL SYSPROC.WLM_SET_CLIENT_INFO(?, NULL, ?, NULL, ?)";

    private readonly string _user;
    private readonly StatementSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public MapepireStatementRunner(string user, StatementSettings settings, TimeProvider? time = null, ILogger? logger = null)
    {
        _user = user;
        _settings = settings;
        _time = time ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
    }

    /// <summary>Runs <paramref name="command"/> and returns its rows (the result owns the replies the rows point into).</summary>
    public Task<SqlResult> RunAsync(MapepireConnection connection, SqlCommand command, long started, CancellationToken ct)
        => WithDeadlineAsync(connection, command, started, new CollectingSink(), ct);

    /// <summary>
    /// Runs <paramref name="command"/> and hands every block of rows to <paramref name="onRows"/> as it arrives, then lets
    /// the block go: a result of any size is streamed in constant memory. Returns the columns, the row count and
    /// whether rows beyond the cap were left out.
    /// </summary>
    public async Task<StreamedResult> StreamAsync(MapepireConnection connection, SqlCommand command, Func<RowBlock, ValueTask> onRows, CancellationToken ct)
    {
        var sink = new StreamingSink(onRows);
        using var result = await WithDeadlineAsync(connection, command, _time.GetTimestamp(), sink, ct).ConfigureAwait(false);
        return new StreamedResult(result.Columns, sink.Count, result.HasResults, result.UpdateCount, result.Truncated, result.Job, result.Elapsed);
    }

    private async Task<SqlResult> WithDeadlineAsync(MapepireConnection connection, SqlCommand command, long started, RowSink sink, CancellationToken ct)
    {
        CancellationTokenSource? timeout = null;
        CancellationTokenSource? linked = null;
        var token = ct;
        if (_settings.QueryTimeout > TimeSpan.Zero)
        {
            timeout = new CancellationTokenSource(_settings.QueryTimeout, _time);
            linked = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
            token = linked.Token;
        }
        try
        {
            return await FetchAsync(connection, command, started, sink, token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (timeout?.IsCancellationRequested == true && !ct.IsCancellationRequested)
        {
            var ms = (long)_settings.QueryTimeout.TotalMilliseconds;
            MapepireLog.QueryTimedOut(_logger, connection.Job, ms);
            connection.Break(MapepireFailure.Timeout, "Query timeout.");
            throw new MapepireException(MapepireFailure.Timeout,
                $"IBM i did not finish the statement within MCP_POOL_QUERY_TIMEOUT_MS ({ms} ms); its connection (job {connection.Job}) was closed, which ends the statement.");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The server keeps running the statement and would answer on this socket; closing it is the only way
            // to stop the job and keep the next user from inheriting a busy connection.
            connection.Break(MapepireFailure.ConnectionLost, "The caller cancelled the statement.");
            throw;
        }
        finally
        {
            linked?.Dispose();
            timeout?.Dispose();
        }
    }

    private async Task<SqlResult> FetchAsync(MapepireConnection connection, SqlCommand command, long started, RowSink sink, CancellationToken ct)
    {
        if (command.ClientTag is { } tag && !string.Equals(tag, connection.ClientTag, StringComparison.Ordinal))
            await SetClientTagAsync(connection, tag, ct).ConfigureAwait(false);

        int cap, page;
        if (command.FetchAll)
        {
            cap = command.MaxRows > 0 ? command.MaxRows : _settings.MaxRows;
            page = command.PageSize > 0 ? command.PageSize : _settings.DefaultPageSize;
        }
        else
        {
            cap = command.Rows > 0 ? command.Rows : DefaultRows;
            page = int.MaxValue;
        }
        // One row beyond the cap proves truncation without another round trip (and without trusting is_done, which
        // stays false when exactly `rows` rows remained, spec §6).
        var wanted = cap == int.MaxValue ? cap : cap + 1;

        try
        {
            var first = command.Parameters.Count > 0
                ? await connection.PrepareSqlExecuteAsync(command.Sql, command.Parameters, Math.Min(page, wanted), ct).ConfigureAwait(false)
                : await connection.SqlAsync(command.Sql, Math.Min(page, wanted), ct).ConfigureAwait(false);
            ThrowIfFailed(connection, first);
            var block = QueryBlock.Read(first.Root);
            var columns = block.ReadColumns();
            var job = block.Job ?? connection.Job;   // read now: a streaming sink releases the reply once it has the rows
            var id = first.Id;
            sink.Start(columns, Math.Min(block.RowCount, wanted));
            await sink.AddAsync(first, block.Data, cap, wanted).ConfigureAwait(false);
            var done = block.IsDone || !block.HasResults;
            while (!done && sink.Seen < wanted)
            {
                var more = await connection.SqlMoreAsync(id, Math.Min(page, wanted - sink.Seen), ct).ConfigureAwait(false);
                ThrowIfFailed(connection, more);
                var next = QueryBlock.Read(more.Root);
                done = next.IsDone;
                var empty = next.RowCount == 0;
                await sink.AddAsync(more, next.Data, cap, wanted).ConfigureAwait(false);
                if (empty && !done) break; // a server that neither sends rows nor finishes would loop forever
            }
            if (!done) await CloseCursorAsync(connection, id, ct).ConfigureAwait(false);
            return sink.Finish(columns, block.HasResults, block.UpdateCount, cap, job, _time.GetElapsedTime(started));
        }
        catch
        {
            sink.Abandon();
            throw;
        }
    }

    private static void ThrowIfFailed(MapepireConnection connection, MapepireResponse reply)
    {
        if (reply.Success) return;
        var ex = reply.ToException();
        // "Not connected", SQLSTATE 08xxx and protocol confusion mean this socket cannot serve the next statement.
        if (ex.Failure is MapepireFailure.ConnectionLost or MapepireFailure.Protocol) connection.Break(ex.Failure, ex.Message);
        reply.Dispose();   // a failed reply carries no rows; nobody else holds it
        throw ex;
    }

    private async Task CloseCursorAsync(MapepireConnection connection, long continuationId, CancellationToken ct)
    {
        try
        {
            using var reply = await connection.SqlCloseAsync(continuationId, ct).ConfigureAwait(false);
            if (!reply.Success) MapepireLog.CloseCursorFailed(_logger, continuationId, connection.Job, reply.ErrorText ?? "");
        }
        catch (MapepireException ex)
        {
            // The rows are already complete; a broken connection is discarded on return.
            MapepireLog.CloseCursorFailed(_logger, continuationId, connection.Job, ex.Message);
        }
    }

    /// <summary>
    /// Sets the job's client registers so ACTIVE_JOB_INFO and audit show which tool ran the statement. Only sent when
    /// the tag changes on this connection; a failure (e.g. the procedure is missing) never fails the statement.
    /// </summary>
    private async Task SetClientTagAsync(MapepireConnection connection, string tag, CancellationToken ct)
    {
        if (tag.Length > MaxClientTagLength) tag = tag[..MaxClientTagLength];
        SqlValue[] values = [SqlValue.From(_user), SqlValue.From(_settings.ApplicationName), SqlValue.From(tag)];
        using var reply = await connection.PrepareSqlExecuteAsync(SetClientInfoSql, values, 1, ct).ConfigureAwait(false);
        if (!reply.Success)
        {
            var ex = reply.ToException();
            if (ex.Failure != MapepireFailure.Sql)
            {
                connection.Break(ex.Failure, ex.Message);
                throw ex;
            }
            MapepireLog.ClientInfoFailed(_logger, connection.Job, ex.Message);
        }
        connection.ClientTag = tag;
    }

    /// <summary>Where fetched rows go: kept for a <see cref="SqlResult"/>, or handed on block by block.</summary>
    private abstract class RowSink
    {
        /// <summary>Rows received so far, the one beyond the cap included (it proves truncation).</summary>
        public int Seen { get; protected set; }

        public abstract void Start(SqlColumn[] columns, int expected);

        /// <summary>Takes the rows of one reply (which it now owns), up to <paramref name="wanted"/> in all.</summary>
        public abstract ValueTask AddAsync(MapepireResponse reply, JsonElement data, int cap, int wanted);

        public abstract SqlResult Finish(SqlColumn[] columns, bool hasResults, long updateCount, int cap, string? job, TimeSpan elapsed);

        /// <summary>The fetch failed: release what is held.</summary>
        public abstract void Abandon();
    }

    private sealed class CollectingSink : RowSink
    {
        private readonly List<IDisposable> _replies = new(2);
        private List<JsonElement> _rows = [];

        public override void Start(SqlColumn[] columns, int expected) => _rows = new List<JsonElement>(expected);

        public override ValueTask AddAsync(MapepireResponse reply, JsonElement data, int cap, int wanted)
        {
            _replies.Add(reply);
            if (data.ValueKind == JsonValueKind.Array)
                foreach (var row in data.EnumerateArray())
                {
                    if (_rows.Count >= wanted) break;
                    _rows.Add(row);
                }
            Seen = _rows.Count;
            return ValueTask.CompletedTask;
        }

        public override SqlResult Finish(SqlColumn[] columns, bool hasResults, long updateCount, int cap, string? job, TimeSpan elapsed)
        {
            var truncated = _rows.Count > cap;
            if (truncated) _rows.RemoveRange(cap, _rows.Count - cap);
            return new SqlResult(columns, _rows, hasResults, updateCount, truncated, job, elapsed, [.. _replies]);
        }

        public override void Abandon()
        {
            foreach (var reply in _replies) reply.Dispose();
        }
    }

    private sealed class StreamingSink(Func<RowBlock, ValueTask> onRows) : RowSink
    {
        private SqlColumn[] _columns = [];

        public int Count { get; private set; }

        public override void Start(SqlColumn[] columns, int expected) => _columns = columns;

        public override async ValueTask AddAsync(MapepireResponse reply, JsonElement data, int cap, int wanted)
        {
            using (reply)
            {
                if (data.ValueKind != JsonValueKind.Array)
                    return;
                var rows = new List<JsonElement>(data.GetArrayLength());
                foreach (var row in data.EnumerateArray())
                {
                    if (Seen >= wanted) break;
                    Seen++;
                    if (Seen <= cap) rows.Add(row);   // the proof row beyond the cap is not a result row
                }
                if (rows.Count == 0)
                    return;
                Count += rows.Count;
                await onRows(new RowBlock(_columns, rows)).ConfigureAwait(false);
            }
        }

        public override SqlResult Finish(SqlColumn[] columns, bool hasResults, long updateCount, int cap, string? job, TimeSpan elapsed)
            => new(columns, [], hasResults, updateCount, Seen > cap, job, elapsed);

        public override void Abandon()
        {
        }
    }
}

/// <summary>One block of streamed rows; the rows point into a reply that is released when the callback returns.</summary>
internal readonly record struct RowBlock(IReadOnlyList<SqlColumn> Columns, IReadOnlyList<JsonElement> Rows);

/// <summary>What a streamed statement produced (its rows went to the callback).</summary>
internal sealed record StreamedResult(IReadOnlyList<SqlColumn> Columns, int RowCount, bool HasResults, long UpdateCount, bool Truncated, string? Job,
    TimeSpan Elapsed);

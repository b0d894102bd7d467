using System.Diagnostics;
using System.Text.Json;
using IbmiMcp.Cli.Ibmi.Output;
using IbmiMcp.Cli.Ibmi.Systems;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Cli.Ibmi;

/// <summary>
/// Runs a command's statements on the systems it names: one system (optionally again every <c>--watch</c> seconds on the
/// same connection), or several in parallel, each on its own connection, merged with a SYSTEM column — a system that
/// fails becomes an error row and the others still answer. The exit code is 0 when every system answered, else the
/// first failure's code (its rows still printed beside the others').
/// </summary>
internal static class SystemRun
{
    /// <summary>Builds one system's table; results whose rows the table points into go in the keep list (disposed after printing).</summary>
    public delegate Task<CliTable> Produce(CliConnection connection, List<IDisposable> keep, CancellationToken ct);

    /// <summary>Streams one system's rows (NDJSON) through <c>onRows</c>; returns what the statement reported.</summary>
    public delegate Task<StreamedResult> StreamRows(CliConnection connection, Func<RowBlock, ValueTask> onRows, CancellationToken ct);

    public static async Task<int> TablesAsync(CliContext ctx, CliOutput output, IReadOnlyList<CliSystem> systems, string command, Produce produce)
    {
        BeforeConnecting(systems);
        if (systems.Count == 1)
            return await OneAsync(ctx, output, systems[0], produce).ConfigureAwait(false);
        if (ctx.Args.Value("watch") is not null)
            throw CliException.Usage("--watch runs against one system; drop it or name one system");

        var started = Stopwatch.GetTimestamp();
        var runs = await Task.WhenAll(systems.Select(s => RunOnAsync(ctx, s, produce))).ConfigureAwait(false);
        try
        {
            var merged = new CliTable { Command = command, Systems = [] };
            var first = runs.FirstOrDefault(r => r.Table is { Columns.Count: > 0 }).Table;
            merged.AddColumn("SYSTEM");
            if (first is not null)
                for (var c = 0; c < first.Columns.Count; c++) merged.AddColumn(first.Columns[c], first.Numeric[c]);
            var errorColumn = runs.Any(r => r.Error is not null) ? merged.Columns.Count : -1;
            if (errorColumn >= 0) merged.AddColumn("ERROR");
            foreach (var run in runs)
            {
                merged.Systems.Add(new SystemOutcome(run.System.Name, run.System.Host, run.Table?.Rows.Count ?? 0, run.ElapsedMs, run.Error?.Message));
                if (run.Error is not null)
                {
                    var cells = new JsonElement[merged.Columns.Count];
                    cells[0] = CliTable.Cell(run.System.Name);
                    cells[errorColumn] = CliTable.Cell(run.Error.Message);
                    merged.Rows.Add(cells);
                    continue;
                }
                merged.HasMore |= run.Table!.HasMore;
                foreach (var row in run.Table.Rows)
                {
                    var cells = new JsonElement[merged.Columns.Count];
                    cells[0] = CliTable.Cell(run.System.Name);
                    Array.Copy(row, 0, cells, 1, Math.Min(row.Length, merged.Columns.Count - 1));
                    merged.Rows.Add(cells);
                }
            }
            merged.ElapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            output.Write(merged);
            foreach (var run in runs)
                if (run.Error is not null)
                    ctx.Stderr.WriteLine($"error: {run.Error.Message}");
            return runs.FirstOrDefault(r => r.Error is not null).Error?.ExitCode ?? ExitCodes.Success;
        }
        finally
        {
            foreach (var run in runs)
                foreach (var kept in run.Keep)
                    kept.Dispose();
        }
    }

    private readonly record struct Run(CliSystem System, CliTable? Table, List<IDisposable> Keep, CliException? Error, double ElapsedMs);

    private static async Task<Run> RunOnAsync(CliContext ctx, CliSystem system, Produce produce)
    {
        var started = Stopwatch.GetTimestamp();
        var keep = new List<IDisposable>();
        try
        {
            await using var connection = await OpenAsync(ctx, system).ConfigureAwait(false);
            var table = await produce(connection, keep, ctx.Cancel).ConfigureAwait(false);
            return new Run(system, table, keep, null, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (CliException ex)
        {
            return new Run(system, null, keep, ex, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        catch (MapepireException ex)
        {
            return new Run(system, null, keep, CliException.From(ex, system.Name), Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
    }

    private static async Task<int> OneAsync(CliContext ctx, CliOutput output, CliSystem system, Produce produce)
    {
        var watch = ctx.Args.Value("watch") is null ? 0 : ctx.Args.Number("watch", 0, 1, 86_400);
        await using var connection = await OpenAsync(ctx, system).ConfigureAwait(false);
        while (true)
        {
            var started = Stopwatch.GetTimestamp();
            var keep = new List<IDisposable>();
            try
            {
                CliTable table;
                try
                {
                    table = await produce(connection, keep, ctx.Cancel).ConfigureAwait(false);
                }
                catch (MapepireException ex)
                {
                    throw CliException.From(ex, system.Name);
                }
                table.System = system.Name;
                table.Host = system.Host;
                table.ElapsedMs = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                ctx.Timing("statement", Stopwatch.GetElapsedTime(started));
                if (watch > 0 && output.Terminal)
                    output.WriteText("\u001b[H\u001b[2J");   // clear the screen between refreshes
                else if (watch > 0)
                    output.WriteText($"--- {DateTime.Now:HH:mm:ss}\n");
                output.Write(table);
            }
            finally
            {
                foreach (var kept in keep) kept.Dispose();
            }
            if (watch == 0)
                return ExitCodes.Success;
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(watch), ctx.Cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Success;   // Ctrl+C ends a watch normally
            }
        }
    }

    /// <summary><c>--stream</c>: NDJSON rows written as blocks arrive (several systems at once, each row tagged SYSTEM).</summary>
    public static async Task<int> StreamAsync(CliContext ctx, CliOutput output, IReadOnlyList<CliSystem> systems, StreamRows stream)
    {
        BeforeConnecting(systems);
        var multi = systems.Count > 1;
        var watch = ctx.Args.Value("watch") is null ? 0 : ctx.Args.Number("watch", 0, 1, 86_400);
        if (watch > 0 && multi)
            throw CliException.Usage("--watch runs against one system; drop it or name one system");
        while (true)
        {
            var code = await StreamOnceAsync(ctx, output, systems, stream, multi).ConfigureAwait(false);
            if (watch == 0 || code != ExitCodes.Success)
                return code;
            try
            {
                // A feed: each run's rows follow the last run's, for `| jq` or a log shipper.
                await Task.Delay(TimeSpan.FromSeconds(watch), ctx.Cancel).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return ExitCodes.Success;
            }
        }
    }

    private static async Task<int> StreamOnceAsync(CliContext ctx, CliOutput output, IReadOnlyList<CliSystem> systems, StreamRows stream, bool multi)
    {
        var codes = await Task.WhenAll(systems.Select(async system =>
        {
            try
            {
                await using var connection = await OpenAsync(ctx, system).ConfigureAwait(false);
                string[]? names = null;
                await stream(connection, block =>
                {
                    names ??= CliTable.ColumnNames(block.Columns);
                    foreach (var row in block.Rows)
                        output.WriteLine(names, [.. row.EnumerateArray()], multi ? system.Name : null);
                    return ValueTask.CompletedTask;
                }, ctx.Cancel).ConfigureAwait(false);
                return ExitCodes.Success;
            }
            catch (Exception ex) when (ex is CliException or MapepireException)
            {
                var error = ex as CliException ?? CliException.From((MapepireException)ex, system.Name);
                if (multi)
                    output.WriteLine(["ERROR"], [CliTable.Cell(error.Message)], system.Name);
                else
                    output.WriteError(error, TextWriter.Null);
                ctx.Stderr.WriteLine($"error: {error.Message}");
                return error.ExitCode;
            }
        })).ConfigureAwait(false);
        return codes.FirstOrDefault(c => c != ExitCodes.Success);
    }

    /// <summary>
    /// Once per command, before the first connection: the system trust store is read only when one of the systems
    /// verifies against it (a pinned CA or an unverified certificate never needs it; Configuration.SystemTrustStore).
    /// </summary>
    public static void BeforeConnecting(IEnumerable<CliSystem> systems) =>
        Configuration.SystemTrustStore.UseOnlyIfNeeded(
            systems.Any(s => MapepireTlsPolicy.UsesSystemRootsIn(MapepireTlsPolicy.ModeFor(s.IgnoreUnauthorized, s.CaPath))));

    public static async Task<CliConnection> OpenAsync(CliContext ctx, CliSystem system)
    {
        var password = PasswordSource.For(system, ctx.Env, ctx.Interactive, ctx.Stderr);
        try
        {
            var connection = await CliConnection.OpenAsync(system, password, ctx.Cancel).ConfigureAwait(false);
            ctx.Timing($"connect {system.Name}", connection.ConnectTime);
            return connection;
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(password);
        }
    }
}

using System.Diagnostics;
using System.Text.Json;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tools;

/// <summary>
/// Runs one YAML tool call on the caller's runner: validate → bind → security check → execute → format.
/// Every failure (bad arguments, refused statement, SQL error, lost connection) comes back as an
/// <c>isError</c> result with the reference's shape; only cancellation by the caller propagates.
/// </summary>
internal static class SqlToolExecutor
{
    /// <param name="results">The server's result budget and default format; <see cref="ResultSettings.Default"/> when null.</param>
    public static async ValueTask<CallToolResult> InvokeAsync(SqlTool tool, IReadOnlyDictionary<string, JsonElement>? arguments,
        ISqlRunner runner, CancellationToken cancellationToken, ILogger? logger = null, ResultSettings? results = null)
    {
        results ??= ResultSettings.Default;
        if (!ToolCallPreparer.TryPrepare(tool, arguments, results, out var call, out var failure))
        {
            if (logger is not null) ToolsLog.CallRejected(logger, tool.Name, failure!.Kind.ToString());
            return ToolResultFormatter.Error(tool.Name, failure!);
        }

        long started = Stopwatch.GetTimestamp();
        try
        {
            using var result = await runner.ExecuteAsync(call!.Command, cancellationToken).ConfigureAwait(false);
            double ms = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            return ToolResultFormatter.Success(call, result, ms, tool.ResponseFormat ?? results.Format);
        }
        catch (MapepireException ex)
        {
            if (logger is not null) ToolsLog.CallFailed(logger, tool.Name, ex.Failure.ToString(), ex.SqlState, ex.SqlCode);
            var kind = ex.Failure == MapepireFailure.Sql ? ToolFailureKind.Sql : ToolFailureKind.Connection;
            return ToolResultFormatter.Error(tool.Name, new ToolFailure(ex.Message, ToolErrorCodes.From(ex.Failure), kind,
                SqlState: ex.SqlState, SqlCode: ex.SqlCode == 0 ? null : ex.SqlCode));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception ex)
        {
            // Unknown exceptions may carry internals; the client gets a fixed text, the log the details.
            var reference = Observability.ErrorReference.New();
            if (logger is not null) ToolsLog.CallCrashed(logger, tool.Name, reference, ex);
            return ToolResultFormatter.Error(tool.Name, new ToolFailure(Observability.ErrorReference.Message(reference), ToolErrorCodes.InternalError, ToolFailureKind.Internal));
        }
    }
}

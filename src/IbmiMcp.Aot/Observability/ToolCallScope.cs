using System.Diagnostics;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Observability;

/// <summary>
/// One tools/call as seen from the MCP layer, whatever tool source runs it (YAML catalog, built-ins). It stands
/// between the tool and the caller's runner, so it learns what only the SQL layer knows (rows, truncation, the IBM i
/// job, the failure and its SQLSTATE) without the tools reporting anything, and it stamps every statement with the
/// tool name (<see cref="SqlCommand.ClientTag"/>) so the IBM i job's client registers show which tool runs.
/// <see cref="Complete"/> writes the audit line and the metrics once the result is known.
/// <code>
/// var scope = _telemetry.BeginToolCall(name, arguments, caller, mcpClientName);
/// try { pending = scope.Complete(_tools.CallAsync(name, arguments, scope.Caller, ct)); }
/// catch (Exception) { scope.Fail(); … }
/// </code>
/// </summary>
internal sealed class ToolCallScope : ISqlRunner
{
    private readonly Telemetry _telemetry;
    private readonly string _tool;
    private readonly IDictionary<string, JsonElement>? _arguments;
    private readonly Caller _original;
    private readonly ISqlRunner? _inner;
    private readonly string? _mcpClient;
    private readonly long _started;
    private long _rows = -1;
    private bool _truncated;
    private string? _job;
    private MapepireException? _failure;
    private int _completed;

    public ToolCallScope(Telemetry telemetry, string tool, IDictionary<string, JsonElement>? arguments, Caller caller, string? mcpClient)
    {
        _telemetry = telemetry;
        _tool = tool;
        _arguments = arguments;
        _original = caller;
        _inner = caller.Sql;
        _mcpClient = mcpClient;
        _started = Stopwatch.GetTimestamp();
        Caller = _inner is null ? caller : new Caller(caller.Identity, caller.Kind, this, caller.ClientAddress, caller.SessionId, caller.Profile, caller.Account);
    }

    /// <summary>The caller to hand to the tool: same identity, its runner observed through this scope.</summary>
    public Caller Caller { get; }

    public string User => _inner!.User;

    public async ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
    {
        if (command.ClientTag is null)
            command = WithTag(command, _tool);
        try
        {
            var result = await _inner!.ExecuteAsync(command, cancellationToken).ConfigureAwait(false);
            // The last statement is the one whose rows the client gets; earlier ones are helpers (parse, describe).
            _rows = result.Rows.Count;
            _truncated = result.Truncated;
            _job = result.Job ?? _job;
            return result;
        }
        catch (MapepireException ex)
        {
            _failure = ex;
            throw;
        }
    }

    /// <summary>Records the call when <paramref name="pending"/> finishes and returns its result unchanged.</summary>
    public ValueTask<CallToolResult> Complete(ValueTask<CallToolResult> pending)
    {
        if (pending.IsCompletedSuccessfully)
        {
            var result = pending.Result;
            Record(result.IsError == true ? ErrorOutcome() : ToolCallOutcome.Success);
            return new ValueTask<CallToolResult>(result);
        }
        return AwaitAsync(pending);
    }

    private async ValueTask<CallToolResult> AwaitAsync(ValueTask<CallToolResult> pending)
    {
        try
        {
            var result = await pending.ConfigureAwait(false);
            Record(result.IsError == true ? ErrorOutcome() : ToolCallOutcome.Success);
            return result;
        }
        catch (OperationCanceledException)
        {
            Record(ToolCallOutcome.Cancelled);
            throw;
        }
        catch (Exception)
        {
            Record(_failure is { } f ? Telemetry.OutcomeOf(f.Failure) : ToolCallOutcome.Error);
            throw;
        }
    }

    /// <summary>The tool threw before returning a task (the caller turns that into an error result).</summary>
    public void Fail() => Record(_failure is { } f ? Telemetry.OutcomeOf(f.Failure) : ToolCallOutcome.Error);

    /// <summary>A failed result: what the SQL layer threw, or, when no statement failed, a refusal before any SQL ran.</summary>
    private ToolCallOutcome ErrorOutcome() => _failure is { } f ? Telemetry.OutcomeOf(f.Failure) : ToolCallOutcome.Rejected;

    private void Record(ToolCallOutcome outcome)
    {
        if (Interlocked.Exchange(ref _completed, 1) != 0)
            return;
        _telemetry.ToolCall(new ToolCallAuditRecord
        {
            Tool = _tool,
            User = _inner?.User ?? _original.Identity,
            Identity = _original.Identity,
            ClientAddress = _original.ClientAddress,
            McpClient = _mcpClient,
            SessionId = _original.SessionId,
            Arguments = _arguments,
            Job = _job,
            Rows = _rows,
            Truncated = _truncated,
            Duration = Stopwatch.GetElapsedTime(_started),
            Outcome = outcome,
            SqlState = _failure?.SqlState,
        });
    }

    // Every property of SqlCommand is copied; a new property must be added here too (SqlCommandTagTests guards it).
    internal static SqlCommand WithTag(SqlCommand c, string tag) => new()
    {
        Sql = c.Sql,
        Parameters = c.Parameters,
        Rows = c.Rows,
        FetchAll = c.FetchAll,
        PageSize = c.PageSize,
        MaxRows = c.MaxRows,
        ClientTag = tag,
    };
}

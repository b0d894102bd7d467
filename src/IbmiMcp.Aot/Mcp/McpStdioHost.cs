using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace IbmiMcp.Mcp;

/// <summary>
/// <c>--transport stdio</c>: newline-delimited JSON-RPC on stdin/stdout through the SDK's
/// <see cref="StdioServerTransport"/>. There is no per-message identity on a pipe, so every tool runs as the server
/// pool's identity (DB2i_USER), the same caller for the whole process. stdout belongs to the protocol: the
/// composition root must send all logging to stderr.
/// </summary>
internal sealed class McpStdioHost
{
    private readonly ServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly IToolSource _tools;
    private readonly Caller _caller;
    private readonly ServerAccountProfile _account;
    private readonly ILogger _logger;
    private readonly Observability.Telemetry? _telemetry;

    /// <param name="serverPool">The DB2i_HOST/USER/PASS pool, or null when not configured (tools then answer a tool error).</param>
    public McpStdioHost(ServerOptions options, ILoggerFactory loggerFactory, IToolSource tools, ISqlRunner? serverPool,
        Observability.Telemetry? telemetry = null)
    {
        _telemetry = telemetry;
        _options = options;
        _loggerFactory = loggerFactory;
        _tools = tools;
        _logger = loggerFactory.CreateLogger("IbmiMcp.Mcp.Stdio");
        // Authorization rules see the server account's IBM i profile (stdio has no caller identity of its own).
        _account = new ServerAccountProfile(serverPool, _logger);
        _caller = new Caller(serverPool?.User ?? options.Db2iUser ?? "stdio", CallerKind.Stdio, serverPool, null, account: _account);
    }

    /// <summary>Serves until stdin closes or <paramref name="cancellationToken"/> fires.</summary>
    public Task RunAsync(CancellationToken cancellationToken)
        => RunAsync(new StdioServerTransport(_options.ServerName, _loggerFactory), cancellationToken);

    /// <summary>Same, over any transport (tests use in-memory streams).</summary>
    internal async Task RunAsync(ITransport transport, CancellationToken cancellationToken)
    {
        var handlers = new McpHandlers(_options, _tools, _loggerFactory, telemetry: _telemetry);
        var serverOptions = handlers.CreateServerOptions(_caller);
        // Read the account's profile before the first tools/list when rules exist (bounded; a failure retries later).
        if (!_tools.Access.IsOpen)
        {
            try { await _account.GetAsync(cancellationToken).AsTask().WaitAsync(TimeSpan.FromSeconds(15), cancellationToken).ConfigureAwait(false); }
            catch (TimeoutException) { }
        }
        await using var server = McpServer.Create(transport, serverOptions, _loggerFactory, null);

        void OnChanged() => _ = NotifyAsync(server);
        _tools.Changed += OnChanged;
        try
        {
            McpLog.StdioStarted(_logger, _caller.Identity);
            await server.RunAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            _tools.Changed -= OnChanged;
            await transport.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task NotifyAsync(McpServer server)
    {
        try
        {
            await server.SendNotificationAsync(NotificationMethods.ToolListChangedNotification, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            McpLog.NotifyFailed(_logger, ex, "stdio");
        }
    }
}

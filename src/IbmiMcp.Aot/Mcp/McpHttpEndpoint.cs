using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace IbmiMcp.Mcp;

/// <summary>
/// The MCP Streamable HTTP endpoint (MCP_HTTP_ENDPOINT_PATH, default /mcp). The router sends every method on that
/// path here. Checks run cheapest first: Origin → method → Accept → Content-Type → length → MCP-Protocol-Version →
/// authentication → body → JSON-RPC parse → session routing; each failure has its own 4xx and JSON-RPC body
/// (see docs/mcp-endpoint.md). The JSON-RPC work itself is the SDK's <see cref="StreamableHttpServerTransport"/>:
/// one per POST in stateless mode, one per session in stateful mode.
/// This file holds what every method shares (Origin, dispatch, sessions' ownership, rejections); each method has its
/// own part (<c>.Post</c>, <c>.Get</c>, <c>.Resume</c>, <c>.Delete</c>), with <c>.Batches</c> and <c>.Responses</c>
/// beside them and the header rules in <see cref="McpRequestHeaders"/>.
/// </summary>
internal sealed partial class McpHttpEndpoint : IAsyncDisposable
{
    private static readonly JsonTypeInfo<JsonRpcMessage> s_messageType = McpJsonUtilities.ProtocolOptions.GetTypeInfo<JsonRpcMessage>();

    private readonly ServerOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IToolSource _tools;
    private readonly IMcpAuthenticator _authenticator;
    private readonly OriginPolicy _origins;
    private readonly McpServerOptions _serverOptions;
    private readonly McpSessionStore _sessions;
    private readonly SessionMode _mode;
    private readonly long _maxBody;
    private readonly McpFastPath _fastPath;
    private readonly McpHandlers _handlers;
    private readonly Resumability.McpEventStore? _events;
    private readonly Observability.ServerMetrics _metrics;

    /// <param name="options">Reads HttpEndpointPath, SessionMode, AllowedOrigins, MaxRequestBodyBytes, StatefulSessionStaleTimeoutMs, ServerName/Version.</param>
    /// <param name="loggerFactory">Also handed to the SDK.</param>
    /// <param name="tools">All tools (built-in + YAML), usually a <see cref="CompositeToolSource"/>.</param>
    /// <param name="authenticator">One per MCP_AUTH_MODE, see <see cref="McpAuthenticators.Create"/>.</param>
    /// <param name="timeProvider">Clock for the session sweep; tests pass a fake.</param>
    /// <param name="events">Keeps stateful sessions' SSE events for resuming with Last-Event-ID; null turns resumability off.</param>
    public McpHttpEndpoint(ServerOptions options, ILoggerFactory loggerFactory, IToolSource tools, IMcpAuthenticator authenticator,
        TimeProvider? timeProvider = null, Observability.Telemetry? telemetry = null, Resumability.McpEventStore? events = null)
    {
        _events = events;
        _metrics = (telemetry ?? Observability.Telemetry.Off).Metrics;
        _options = options;
        _loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger("IbmiMcp.Mcp.Http");
        _tools = tools;
        _authenticator = authenticator;
        _origins = new OriginPolicy(options.AllowedOrigins);
        _mode = options.SessionMode;
        _maxBody = options.MaxRequestBodyBytes > 0 ? options.MaxRequestBodyBytes : 1024 * 1024;
        var handlers = new McpHandlers(options, tools, loggerFactory, timeProvider, telemetry);
        _handlers = handlers;
        _serverOptions = handlers.CreateServerOptions(fixedCaller: null);
        _fastPath = new McpFastPath(tools, handlers);
        _sessions = new McpSessionStore(TimeSpan.FromMilliseconds(Math.Max(1000, options.StatefulSessionStaleTimeoutMs)),
            timeProvider ?? TimeProvider.System, _logger);
        tools.Changed += OnToolsChanged;
    }

    internal int SessionCount => _sessions.Count;

    internal McpSessionStore Sessions => _sessions;

    public Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var origin = request.Headers.Origin;
        if (!StringValues.IsNullOrEmpty(origin))
        {
            var value = origin.ToString();
            if (!_origins.IsAllowed(value))
            {
                McpLog.OriginRejected(_logger, value.Length > 200 ? value[..200] : value);
                return Reject(context, StatusCodes.Status403Forbidden, -32005, "Forbidden: Origin not allowed. Add it to MCP_ALLOWED_ORIGINS.");
            }
            context.Response.Headers.AccessControlAllowOrigin = origin;
            context.Response.Headers.Vary = "Origin";
            context.Response.Headers.AccessControlExposeHeaders = "Mcp-Session-Id";
        }

        var method = request.Method;
        if (HttpMethods.IsPost(method))
            return HandlePostAsync(context);
        if (HttpMethods.IsGet(method))
            return HandleGetAsync(context);
        if (HttpMethods.IsDelete(method))
            return HandleDeleteAsync(context);
        if (HttpMethods.IsOptions(method))
            return Preflight(context);

        context.Response.Headers.Allow = "GET, POST, DELETE, OPTIONS";
        return Reject(context, StatusCodes.Status405MethodNotAllowed, -32000, "Method Not Allowed: use POST (GET and DELETE for sessions).");
    }

    private async ValueTask<McpSession?> FindSessionAsync(HttpContext context, string sessionId, Caller caller)
    {
        if (!_sessions.TryGet(sessionId, out var session))
        {
            // -32001 as the SDKs use; the client's cue to initialize a new session.
            await Reject(context, StatusCodes.Status404NotFound, -32001, "Session not found").ConfigureAwait(false);
            return null;
        }
        if (!session.IsOwnedBy(caller))
        {
            McpLog.SessionOwnerMismatch(_logger, sessionId, caller.Identity);
            await Reject(context, StatusCodes.Status403Forbidden, -32005,
                "Forbidden: the session belongs to another identity.").ConfigureAwait(false);
            return null;
        }
        return session;
    }

    /// <summary>The caller (and the request's revision) travel with the message to the SDK handlers.</summary>
    private static void Attach(JsonRpcMessage message, Caller caller, string? protocolVersion)
    {
        var context = message.Context ??= new JsonRpcMessageContext();
        (context.Items ??= new Dictionary<string, object?>(1))[McpHandlers.CallerItemKey] = caller;
        if (protocolVersion is not null)
            context.ProtocolVersion = protocolVersion;
    }

    private Task Reject(HttpContext context, int status, int code, string message)
    {
        McpLog.RequestRejected(_logger, status, message);
        return HttpErrors.WriteJsonRpcAsync(context, status, code, message);
    }

    private static string Truncate(string value) => value.Length > 40 ? value[..40] : value;

    private void OnToolsChanged()
    {
        var count = _sessions.NotifyToolsChanged();
        McpLog.ToolsChanged(_logger, count);
    }

    public async ValueTask DisposeAsync()
    {
        _tools.Changed -= OnToolsChanged;
        await _sessions.DisposeAsync().ConfigureAwait(false);
    }
}

using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using Microsoft.Extensions.Logging;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace IbmiMcp.Mcp;

/// <summary>
/// The SDK handlers for tools, resources, prompts and completions. The caller reaches them explicitly: over HTTP through
/// <c>JsonRpcMessage.Context.Items[<see cref="CallerItemKey"/>]</c>, set by <see cref="McpHttpEndpoint"/> per POST;
/// over stdio as the fixed caller given to <see cref="CreateServerOptions"/>. Never through ambient state.
/// </summary>
internal sealed class McpHandlers
{
    public const string CallerItemKey = "ibmi-mcp.caller";

    private readonly IToolSource _tools;
    private readonly ToolsetsResource _toolsets;
    private readonly McpPrompts _prompts;
    private readonly ServerOptions _options;
    private readonly ILogger _logger;
    private readonly Observability.Telemetry _telemetry;
    private readonly Errors.McpErrorBoundary _errors;

    public McpHandlers(ServerOptions options, IToolSource tools, ILoggerFactory loggerFactory, TimeProvider? timeProvider = null,
        Observability.Telemetry? telemetry = null)
    {
        _telemetry = telemetry ?? Observability.Telemetry.Off;
        _options = options;
        _tools = tools;
        Access = new ToolAccess(tools);
        _toolsets = new ToolsetsResource(Access, timeProvider ?? TimeProvider.System);
        _prompts = new McpPrompts(Access, _toolsets, TimeSpan.FromMilliseconds(options.CompletionTimeoutMs));
        _logger = loggerFactory.CreateLogger("IbmiMcp.Mcp");
        _errors = new Errors.McpErrorBoundary(_logger);
    }

    /// <summary>Tool authorization: the one place the handlers, the fast path and the endpoint ask.</summary>
    public ToolAccess Access { get; }

    /// <summary>
    /// Options for one or many <see cref="McpServer"/>s. The instance is shared by every per-request server (the SDK
    /// copies what it needs at creation). <paramref name="fixedCaller"/> is for transports that carry no per-message
    /// identity (stdio); null means every message must carry its caller in Items.
    /// </summary>
    public McpServerOptions CreateServerOptions(Caller? fixedCaller)
    {
        return new McpServerOptions
        {
            ServerInfo = new Implementation { Name = _options.ServerName, Version = _options.ServerVersion },
            Capabilities = new ServerCapabilities
            {
                Tools = new ToolsCapability { ListChanged = true },
                Resources = new ResourcesCapability { ListChanged = false, Subscribe = false },
                Prompts = new PromptsCapability { ListChanged = true },
                Completions = new CompletionsCapability(),
            },
            Handlers = new McpServerHandlers
            {
                ListToolsHandler = (request, _) => ValueTask.FromResult(GetListResult(ResolveCaller(request, fixedCaller))),
                CallToolHandler = (request, ct) => CallToolAsync(request, fixedCaller, ct),
                ListResourcesHandler = (request, _) => ValueTask.FromResult(_toolsets.List(ResolveCaller(request, fixedCaller))),
                ReadResourceHandler = (request, _) => ValueTask.FromResult(_toolsets.Read(request.Params?.Uri, ResolveCaller(request, fixedCaller))),
                ListResourceTemplatesHandler = (_, _) => ValueTask.FromResult(_toolsets.ListTemplates()),
                ListPromptsHandler = (request, _) => ValueTask.FromResult(_prompts.List(ResolveCaller(request, fixedCaller))),
                GetPromptHandler = (request, _) => ValueTask.FromResult(_prompts.Get(request.Params, ResolveCaller(request, fixedCaller))),
                CompleteHandler = (request, ct) => _prompts.CompleteAsync(request.Params, ResolveCaller(request, fixedCaller), ct),
            },
            Filters = new McpServerFilters { Message = new McpMessageFilters { IncomingFilters = [_errors.Filter] } },
        };
    }

    /// <summary>The tools the caller may see; one result object per caller profile and tool-list version.</summary>
    internal ListToolsResult GetListResult(Caller caller) => Access.ViewFor(caller).Result;

    private ValueTask<CallToolResult> CallToolAsync(RequestContext<CallToolRequestParams> request, Caller? fixedCaller, CancellationToken ct)
    {
        var parameters = request.Params ?? throw new McpProtocolException("tools/call requires params", McpErrorCode.InvalidParams);
        var caller = ResolveCaller(request, fixedCaller);
        var name = parameters.Name;
        if (string.IsNullOrEmpty(name) || !_tools.Contains(name))
            throw new McpProtocolException($"Unknown tool: '{name}'", McpErrorCode.InvalidParams);
        if (Access.Refusal(name, caller) is { } rule)
            throw Denied(name, parameters.Arguments, caller, rule, request.Server.ClientInfo?.Name);
        return InvokeToolAsync(name, parameters.Arguments, caller, ct, request.Server.ClientInfo?.Name);
    }

    /// <summary>Audits a refused call and returns the JSON-RPC error for it (no SQL ran).</summary>
    internal McpProtocolException Denied(string name, IDictionary<string, System.Text.Json.JsonElement>? arguments, Caller caller, Tools.AccessRule rule,
        string? clientName)
    {
        var message = ToolAccess.Message(name, rule, caller);
        McpLog.ToolDenied(_logger, name, caller.Identity, rule.Describe());
        _telemetry.ToolDenied(name, arguments, caller, clientName, "requires " + rule.Describe());
        return new McpProtocolException(message, (McpErrorCode)ToolAccess.ForbiddenCode);
    }

    /// <summary>Runs a known tool; unexpected exceptions become an isError result (shared with <see cref="McpFastPath"/>).</summary>
    internal ValueTask<CallToolResult> InvokeToolAsync(string name, IDictionary<string, System.Text.Json.JsonElement>? arguments, Caller caller,
        CancellationToken ct, string? mcpClient = null)
    {
        ValueTask<CallToolResult> pending;
        // Audit line + metrics when the call ends; the tool runs on scope.Caller, whose runner tags each statement.
        var scope = _telemetry.BeginToolCall(name, arguments, caller, mcpClient);
        try
        {
            pending = scope.Complete(_tools.CallAsync(name, arguments, scope.Caller, ct));
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not McpProtocolException)
        {
            scope.Fail();
            return ValueTask.FromResult(Unexpected(name, ex));
        }
        return pending.IsCompletedSuccessfully ? pending : AwaitAsync(pending, name);
    }

    private async ValueTask<CallToolResult> AwaitAsync(ValueTask<CallToolResult> pending, string name)
    {
        try
        {
            return await pending.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException and not McpProtocolException)
        {
            return Unexpected(name, ex);
        }
    }

    private CallToolResult Unexpected(string name, Exception ex)
    {
        // Unknown exceptions may carry internals; the model only learns that something failed (STYLE §8), and the
        // reference that finds the log line.
        var reference = Observability.ErrorReference.New();
        McpLog.ToolFailed(_logger, ex, name, reference);
        return new CallToolResult
        {
            IsError = true,
            Content = [new TextContentBlock { Text = $"Error executing '{name}': {Observability.ErrorReference.Message(reference)}" }],
        };
    }

    private static Caller ResolveCaller<T>(RequestContext<T> request, Caller? fixedCaller)
    {
        if (request.Items.TryGetValue(CallerItemKey, out var value) && value is Caller caller)
            return caller;
        return fixedCaller ?? throw new McpProtocolException("No caller identity on this request", McpErrorCode.InternalError);
    }
}

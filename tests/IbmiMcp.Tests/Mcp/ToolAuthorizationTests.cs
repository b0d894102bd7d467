using System.Net;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mcp;
using IbmiMcp.Observability;
using IbmiMcp.Tests.Observability;
using IbmiMcp.Tests.TestSupport;
using IbmiMcp.Tools;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Tests.Mcp;

/// <summary>
/// Tool authorization as the MCP endpoint enforces it: tools/list shows only the tools a caller may call (on the fast
/// path and through the SDK), a forbidden tools/call never reaches the tool and is audited, bearer-token callers get
/// HTTP 403 with insufficient_scope, and the toolsets:// resources follow the same rules.
/// </summary>
public sealed class ToolAuthorizationTests : IAsyncDisposable
{
    private readonly MemoryAuditSink _sink = new();
    private readonly AuditLog _audit;
    private readonly CountingToolSource _tools = new();

    public ToolAuthorizationTests()
    {
        _audit = new AuditLog(_sink, TimeProvider.System);
        // "boom" needs group ADMIN or *SECADM; "fail" needs scope fail:run; "echo" is open.
        _tools.Access = new ToolAccessPolicy(new Dictionary<string, List<AccessRule>>
        {
            ["boom"] = [new AccessRule { Groups = ["ADMIN"], SpecialAuthorities = ["*SECADM"], Origin = "toolset 'danger'" }],
            ["fail"] = [new AccessRule { Scopes = ["fail:run"], Origin = "tool 'fail'" }],
        });
    }

    public ValueTask DisposeAsync()
    {
        _audit.Dispose();
        return ValueTask.CompletedTask;
    }

    /// <summary>Plays an IBM i user from headers: X-Test-User, X-Test-Groups, X-Test-Authorities.</summary>
    private sealed class ProfileAuthenticator : IMcpAuthenticator
    {
        public ValueTask<Caller?> AuthenticateAsync(HttpContext context)
        {
            var h = context.Request.Headers;
            string[] List(string name) => h[name].ToString().Split(',', StringSplitOptions.RemoveEmptyEntries);
            var user = h["X-Test-User"].ToString();
            var profile = CallerProfile.ForIbmiUser(user, null, List("X-Test-Groups"), List("X-Test-Authorities"), complete: true);
            return ValueTask.FromResult<Caller?>(new Caller(user, CallerKind.IbmiToken, null, "127.0.0.1", "s-1", profile));
        }
    }

    private sealed class CountingToolSource : IToolSource
    {
        private readonly FakeToolSource _inner = new();
        public int Calls;
        public event Action? Changed { add => _inner.Changed += value; remove => _inner.Changed -= value; }
        public ToolAccessPolicy Access { get; set; } = ToolAccessPolicy.Open;
        public IReadOnlyList<McpToolset> Toolsets => _inner.Toolsets;
        public IReadOnlyList<IbmiMcp.Prompts.PromptDefinition> Prompts => _inner.Prompts;
        public IReadOnlyList<ModelContextProtocol.Protocol.Tool> ListTools() => _inner.ListTools();
        public bool Contains(string name) => _inner.Contains(name);
        public void AddTool(string name) => _inner.AddTool(name);
        public ValueTask<ModelContextProtocol.Protocol.CallToolResult> CallAsync(string name, IDictionary<string, JsonElement>? arguments, Caller caller, CancellationToken ct)
        {
            Interlocked.Increment(ref Calls);
            return _inner.CallAsync(name, arguments, caller, ct);
        }
    }

    private Task<McpTestServer> StartAsync(IMcpAuthenticator auth, ServerOptions? options = null)
    {
        options ??= new ServerOptions { Transport = TransportKind.Http };
        return StartWith(options, auth);
    }

    private async Task<McpTestServer> StartWith(ServerOptions options, IMcpAuthenticator auth)
    {
        var endpoint = new McpHttpEndpoint(options, NullLoggerFactory.Instance, _tools, auth, telemetry: new Telemetry(_audit, ServerMetrics.Disabled));
        var (app, address) = await LoopbackKestrel.StartAsync(endpoint.HandleAsync);
        return McpTestServer.Wrap(app, endpoint, address);
    }

    private static HttpRequestMessage As(HttpRequestMessage request, string user, string groups = "", string authorities = "")
    {
        request.Headers.Add("X-Test-User", user);
        if (groups.Length > 0) request.Headers.Add("X-Test-Groups", groups);
        if (authorities.Length > 0) request.Headers.Add("X-Test-Authorities", authorities);
        return request;
    }

    private static string[] Names(JsonElement body) =>
        body.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToArray();

    private const string List = """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""";

    // A _meta in params (as a client asking for progress sends) makes the fast path step aside: the SDK transport answers.
    private static string ListVia(bool sdk) => sdk ? """{"jsonrpc":"2.0","id":1,"method":"tools/list","params":{"_meta":{"progressToken":1}}}""" : List;

    private static string CallVia(bool sdk, string tool, int id = 2) => sdk
        ? "{\"jsonrpc\":\"2.0\",\"id\":" + id + ",\"method\":\"tools/call\",\"params\":{\"name\":\"" + tool + "\",\"arguments\":{\"text\":\"x\"},\"_meta\":{\"progressToken\":1}}}"
        : McpTestServer.Call(tool, "x", id);

    [Theory]
    [InlineData(false)]   // stateless: the fast path
    [InlineData(true)]    // stateless through the SDK transport
    public async Task Tools_list_shows_each_caller_only_the_tools_it_may_call(bool sdk)
    {
        await using var server = await StartAsync(new ProfileAuthenticator());
        var (_, plain, _) = await server.SendAsync(As(McpTestServer.Post(ListVia(sdk), protocolVersion: "2025-06-18"), "ALICE", "HRGRP"));
        var (_, admin, _) = await server.SendAsync(As(McpTestServer.Post(ListVia(sdk), protocolVersion: "2025-06-18"), "CAROL", "SECGRP", "*SECADM"));
        Assert.Equal(["echo"], Names(plain));
        Assert.Equal(["echo", "boom"], Names(admin));
    }

    [Fact]
    public async Task A_stateful_session_lists_through_the_sdk_with_the_same_rules()
    {
        await using var server = await StartAsync(new ProfileAuthenticator(), new ServerOptions { Transport = TransportKind.Http, SessionMode = SessionMode.Stateful });
        var (_, _, init) = await server.SendAsync(As(McpTestServer.Post(McpTestServer.Initialize()), "ADA", "ADMIN"));
        var session = init.Headers.GetValues("Mcp-Session-Id").Single();
        var (_, body, _) = await server.SendAsync(As(McpTestServer.Post(List, session, "2025-06-18"), "ADA", "ADMIN"));
        Assert.Equal(["echo", "boom"], Names(body));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_forbidden_call_is_a_json_rpc_error_naming_the_rule_runs_nothing_and_is_audited(bool sdk)
    {
        await using var server = await StartAsync(new ProfileAuthenticator());
        var (status, body, _) = await server.SendAsync(As(McpTestServer.Post(CallVia(sdk, "boom", 7), protocolVersion: "2025-06-18"), "ALICE", "HRGRP"));
        Assert.Equal(HttpStatusCode.OK, status);
        var error = body.GetProperty("error");
        Assert.Equal(ToolAccess.ForbiddenCode, error.GetProperty("code").GetInt32());
        var message = error.GetProperty("message").GetString()!;
        Assert.Contains("group ADMIN", message);
        Assert.Contains("*SECADM", message);
        Assert.Contains("ALICE is in groups HRGRP", message);
        Assert.Contains("(rule of toolset 'danger')", message);
        IbmiMcp.Tests.Tools.ErrorText.AssertNoRepeatedPhrase(message);
        Assert.Equal(7, body.GetProperty("id").GetInt32());
        Assert.Equal(0, _tools.Calls);

        _audit.Dispose();
        var line = JsonDocument.Parse(Assert.Single(_sink.Lines)).RootElement;
        Assert.Equal(("tool_call", "boom", "denied"), (line.GetProperty("event").GetString(), line.GetProperty("tool").GetString(), line.GetProperty("outcome").GetString()));
        Assert.Equal("ALICE", line.GetProperty("user").GetString());
        Assert.Contains("group ADMIN", line.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task An_allowed_call_runs()
    {
        await using var server = await StartAsync(new ProfileAuthenticator());
        var (_, body, _) = await server.SendAsync(As(McpTestServer.Post(McpTestServer.Call("boom"), protocolVersion: "2025-06-18"), "ADA", "ADMIN"));
        Assert.True(body.GetProperty("result").GetProperty("isError").GetBoolean());   // boom throws inside: a tool error, but it ran
        Assert.Equal(1, _tools.Calls);
    }

    [Fact]
    public async Task Toolsets_resources_show_only_what_the_caller_may_use()
    {
        await using var server = await StartAsync(new ProfileAuthenticator());
        var read = """{"jsonrpc":"2.0","id":1,"method":"resources/read","params":{"uri":"toolsets://"}}""";
        var (_, body, _) = await server.SendAsync(As(McpTestServer.Post(read, protocolVersion: "2025-06-18"), "ALICE"));
        var blob = body.GetProperty("result").GetProperty("contents")[0].GetProperty("blob").GetString()!;
        var described = JsonDocument.Parse(Convert.FromBase64String(blob)).RootElement;
        var sets = described.GetProperty("toolsets").EnumerateArray().ToDictionary(s => s.GetProperty("name").GetString()!,
            s => s.GetProperty("tools").EnumerateArray().Select(t => t.GetString()!).ToArray());
        Assert.Equal(["echo"], sets["basics"]);   // "fail" needs a scope
        Assert.Equal(["echo"], sets["danger"]);   // "boom" needs ADMIN
    }

    // ── bearer tokens: HTTP 403 insufficient_scope ───────────────────────────────────────────────────────────────

    private const string Secret = "0123456789abcdef0123456789abcdef-test-secret";

    private static string Jwt(params string[] scopes) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["client_id"] = "agent-7", ["scope"] = string.Join(' ', scopes) },
        Expires = DateTime.UtcNow.AddMinutes(5),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256),
    });

    private static HttpRequestMessage WithToken(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_token_without_the_scope_gets_403_insufficient_scope_naming_it(bool sdk)
    {
        const string version = "2025-06-18";
        var options = new ServerOptions { Transport = TransportKind.Http, AuthMode = AuthMode.Jwt, AuthSecretKey = Secret };
        await using var server = await StartWith(options, McpAuthenticators.Create(options, null, null, NullLoggerFactory.Instance));
        var (listed, listBody, _) = await server.SendAsync(WithToken(McpTestServer.Post(ListVia(sdk), protocolVersion: version), Jwt("mcp")));
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(["echo"], Names(listBody));

        var (status, body, response) = await server.SendAsync(WithToken(McpTestServer.Post(CallVia(sdk, "fail", 9), protocolVersion: version), Jwt("mcp")));
        Assert.Equal(HttpStatusCode.Forbidden, status);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge);
        Assert.Contains("scope=\"fail:run\"", challenge);
        Assert.Equal(ToolAccess.ForbiddenCode, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(9, body.GetProperty("id").GetInt32());
        Assert.Equal("Forbidden: tool 'fail' requires scope fail:run; the token grants scopes mcp.", body.GetProperty("error").GetProperty("message").GetString());
        Assert.Equal(0, _tools.Calls);

        var (ok, okBody, _) = await server.SendAsync(WithToken(McpTestServer.Post(CallVia(sdk, "fail"), protocolVersion: version), Jwt("mcp", "fail:run")));
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.True(okBody.GetProperty("result").GetProperty("isError").GetBoolean());   // the fake tool's own error: it ran
        Assert.Equal(1, _tools.Calls);
    }

    [Fact]
    public async Task A_yaml_reload_refilters_every_caller()
    {
        await using var server = await StartAsync(new ProfileAuthenticator());
        var (_, before, _) = await server.SendAsync(As(McpTestServer.Post(List, protocolVersion: "2025-06-18"), "ALICE"));
        Assert.Equal(["echo"], Names(before));
        _tools.Access = ToolAccessPolicy.Open;
        _tools.AddTool("late");   // a reload replaces the list instance
        var (_, after, _) = await server.SendAsync(As(McpTestServer.Post(List, protocolVersion: "2025-06-18"), "ALICE"));
        Assert.Equal(["echo", "fail", "boom", "late"], Names(after));
    }
}

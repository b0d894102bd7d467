using System.Net;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using IbmiMcp.Mcp;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Tests.Mcp;

/// <summary>
/// prompts/list, prompts/get and completion/complete through the MCP endpoint with the shipped YAML files, each user on
/// their own Mapepire pool against the in-process emulator: completions read the catalog as the caller.
/// </summary>
public sealed class McpPromptsTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private readonly Dictionary<string, (MapepirePool Pool, CallerProfile Profile)> _users = new(StringComparer.OrdinalIgnoreCase);
    private McpTestServer _server = null!;

    private sealed class UserAuthenticator(Dictionary<string, (MapepirePool Pool, CallerProfile Profile)> users) : IMcpAuthenticator
    {
        public async ValueTask<Caller?> AuthenticateAsync(HttpContext context)
        {
            if (!users.TryGetValue(context.Request.Headers["X-Test-User"].ToString(), out var user))
            {
                await HttpErrors.WriteJsonRpcAsync(context, 401, -32006, "unknown test user");
                return null;
            }
            return new Caller(user.Pool.User, CallerKind.IbmiToken, user.Pool, null, profile: user.Profile);
        }
    }

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0, Tls = false });
        foreach (var (user, password, group, authorities) in new[]
                 {
                     ("ALICE", "alice123", "HRGRP", Array.Empty<string>()),
                     ("CAROL", "carol123", "SECGRP", new[] { "*SECADM", "*AUDIT" }),
                 })
        {
            var pool = await MapepirePool.OpenAsync(new MapepireEndpoint("127.0.0.1", _emulator.Port, MapepireTlsPolicy.Plain),
                new MapepireCredentials(user, password), new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
            _users[user] = (pool, CallerProfile.ForIbmiUser(user, group, [], authorities, complete: true));
        }
        var options = new ServerOptions { Transport = TransportKind.Http, EnableDefaultTools = true };
        var catalog = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.ShippedDirectory }).Catalog!;
        var tools = new CompositeToolSource(BuiltInToolSource.FromOptions(options), new CatalogToolSource(catalog));
        _server = await McpTestServer.StartAsync(options, tools, new UserAuthenticator(_users));
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        foreach (var (pool, _) in _users.Values)
            await pool.DisposeAsync();
        await _emulator.DisposeAsync();
    }

    private async Task<JsonElement> RpcAsync(string user, string method, object parameters)
    {
        var json = JsonSerializer.Serialize(new Dictionary<string, object> { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = parameters });
        var (status, body, _) = await _server.SendAsync(McpTestServer.Post(json, user: user, protocolVersion: "2025-11-25"));
        Assert.Equal(HttpStatusCode.OK, status);
        return body;
    }

    private static string[] Values(JsonElement body)
        => body.GetProperty("result").GetProperty("completion").GetProperty("values").EnumerateArray().Select(v => v.GetString()!).ToArray();

    [Fact]
    public async Task Initialize_advertises_prompts_and_completions()
    {
        var body = await RpcAsync("ALICE", "initialize", new
        {
            protocolVersion = "2025-11-25", capabilities = new { }, clientInfo = new { name = "t", version = "1" },
        });
        var capabilities = body.GetProperty("result").GetProperty("capabilities");
        Assert.True(capabilities.GetProperty("prompts").GetProperty("listChanged").GetBoolean());
        Assert.Equal(JsonValueKind.Object, capabilities.GetProperty("completions").ValueKind);
    }

    [Fact]
    public async Task Each_user_lists_the_prompts_their_profile_admits()
    {
        static string[] Names(JsonElement body) => body.GetProperty("result").GetProperty("prompts").EnumerateArray().Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["performance_health_check", "explain_table"], Names(await RpcAsync("ALICE", "prompts/list", new { })));
        Assert.Equal(["performance_health_check", "explain_table", "security_review"], Names(await RpcAsync("CAROL", "prompts/list", new { })));
    }

    [Fact]
    public async Task Get_renders_the_arguments_and_refuses_bad_ones_with_invalid_params()
    {
        var body = await RpcAsync("ALICE", "prompts/get", new { name = "explain_table", arguments = new { schema = "SAMPLE", table = "EMPLOYEE" } });
        var text = body.GetProperty("result").GetProperty("messages")[0].GetProperty("content").GetProperty("text").GetString()!;
        Assert.StartsWith("Explain the table SAMPLE.EMPLOYEE on this IBM i system.", text);

        var missing = await RpcAsync("ALICE", "prompts/get", new { name = "explain_table", arguments = new { schema = "SAMPLE" } });
        Assert.Equal(-32602, missing.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Invalid arguments for prompt 'explain_table': 'table' is required", missing.GetProperty("error").GetProperty("message").GetString());

        var unknown = await RpcAsync("ALICE", "prompts/get", new { name = "nope" });
        Assert.Equal("Unknown prompt: 'nope'", unknown.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task A_prompt_outside_the_callers_profile_is_refused_naming_its_rule()
    {
        var body = await RpcAsync("ALICE", "prompts/get", new { name = "security_review" });
        var error = body.GetProperty("error");
        Assert.Equal(ToolAccess.ForbiddenCode, error.GetProperty("code").GetInt32());
        Assert.Equal("Forbidden: prompt 'security_review' requires special authority *SECADM or *AUDIT or *ALLOBJ, or scope ibmi:security; ALICE is in groups HRGRP.",
            error.GetProperty("message").GetString());
        var completion = await RpcAsync("ALICE", "completion/complete", new { @ref = new { type = "ref/prompt", name = "security_review" }, argument = new { name = "x", value = "" } });
        Assert.Equal(ToolAccess.ForbiddenCode, completion.GetProperty("error").GetProperty("code").GetInt32());

        var carol = await RpcAsync("CAROL", "prompts/get", new { name = "security_review" });
        Assert.True(carol.TryGetProperty("result", out _), carol.GetRawText());
    }

    [Fact]
    public async Task Schema_and_table_names_complete_from_the_db2_catalog_as_the_caller()
    {
        var schemas = await RpcAsync("ALICE", "completion/complete", new
        {
            @ref = new { type = "ref/prompt", name = "explain_table" }, argument = new { name = "schema", value = "sa" },
        });
        Assert.Equal(["SAMPLE"], Values(schemas));

        var tables = await RpcAsync("ALICE", "completion/complete", new
        {
            @ref = new { type = "ref/prompt", name = "explain_table" }, argument = new { name = "table", value = "emp" },
            context = new { arguments = new { schema = "sample" } },
        });
        Assert.Equal(["EMPLOYEE", "EMPPROJACT"], Values(tables));

        // The lookups ran in ALICE's own IBM i job, tagged as completions.
        var lookups = _emulator.ClientInfo.Where(r => r.Sql.Contains("QSYS2.SYS", StringComparison.Ordinal) && r.Sql.Contains("ESCAPE", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, lookups.Count);
        Assert.All(lookups, r => Assert.Equal(("ALICE", IbmiMcp.Prompts.ArgumentCompleter.ClientTag), (r.User, r.ProgramId)));
    }

    [Fact]
    public async Task Enum_arguments_and_the_toolset_template_complete_without_sql()
    {
        var focus = await RpcAsync("ALICE", "completion/complete", new
        {
            @ref = new { type = "ref/prompt", name = "performance_health_check" }, argument = new { name = "focus", value = "m" },
        });
        Assert.Equal(["memory"], Values(focus));

        var templates = await RpcAsync("ALICE", "resources/templates/list", new { });
        Assert.Equal("toolsets://{toolset}", templates.GetProperty("result").GetProperty("resourceTemplates")[0].GetProperty("uriTemplate").GetString());
        var toolsets = await RpcAsync("ALICE", "completion/complete", new
        {
            @ref = new { type = "ref/resource", uri = "toolsets://{toolset}" }, argument = new { name = "toolset", value = "sa" },
        });
        Assert.Equal(["sample_hr"], Values(toolsets));
    }

    [Fact]
    public async Task Completing_an_unknown_argument_is_invalid_params_listing_the_arguments()
    {
        var body = await RpcAsync("ALICE", "completion/complete", new
        {
            @ref = new { type = "ref/prompt", name = "explain_table" }, argument = new { name = "column", value = "" },
        });
        Assert.Equal(-32602, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal("Prompt 'explain_table' has no argument 'column' (arguments: schema, table)", body.GetProperty("error").GetProperty("message").GetString());
    }
}

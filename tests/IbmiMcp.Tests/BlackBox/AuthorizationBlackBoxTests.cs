using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;
using IbmiMcp.Tests.Tools;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// Per-tool authorization through the server binary with the shipped tools: IBM i users in different group profiles and
/// with different special authorities see different tool lists, a forbidden call is audited and never reaches IBM i,
/// and in jwt mode tokens with different scopes see different lists and get 403 insufficient_scope.
/// </summary>
public sealed class AuthorizationBlackBoxTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private readonly string _work = ServerProcess.CreateEmptyDirectory();
    private readonly TestKeys _keys = new();

    public async Task InitializeAsync() => _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _keys.Dispose();
        try { Directory.Delete(_work, recursive: true); } catch (IOException) { }
    }

    private static HttpRequestMessage Mcp(string json, string token)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/mcp") { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", "2025-06-18");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return request;
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body, HttpResponseMessage Response)> SendAsync(HttpClient client, string json, string token)
    {
        var response = await client.SendAsync(Mcp(json, token));
        var text = await response.Content.ReadAsStringAsync();
        var data = text.Split('\n').FirstOrDefault(l => l.StartsWith("data:", StringComparison.Ordinal));
        return (response.StatusCode, JsonDocument.Parse(data is null ? text : data[5..]).RootElement.Clone(), response);
    }

    private static async Task<HashSet<string>> ToolsAsync(HttpClient client, string token)
    {
        var (_, body, _) = await SendAsync(client, """{"jsonrpc":"2.0","id":1,"method":"tools/list"}""", token);
        return body.GetProperty("result").GetProperty("tools").EnumerateArray().Select(t => t.GetProperty("name").GetString()!).ToHashSet();
    }


    [Fact]
    public async Task IBM_i_users_in_different_groups_see_different_tools_and_a_forbidden_call_is_audited_and_never_runs()
    {
        var audit = Path.Combine(_work, "audit.log");
        var env = new Dictionary<string, string?>(IbmiSignOn.Environment(_keys, _emulator.Port))
        {
                        ["TOOLS_YAML_PATH"] = ToolTestFiles.ShippedDirectory, ["MCP_AUDIT_LOG"] = audit,
        };
        await using var server = await ServerProcess.StartAsync(env, workingDirectory: _work);
        using var client = server.CreateClient();
        var alice = await IbmiSignOn.TokenAsync(client, "alice", "alice123");   // HR analyst: group HRGRP
        var bob = await IbmiSignOn.TokenAsync(client, "bob", "bob12345");       // developer: DEVGRP, *JOBCTL
        var carol = await IbmiSignOn.TokenAsync(client, "carol", "carol123");   // security administrator: SECGRP, *SECADM *AUDIT

        var aliceTools = await ToolsAsync(client, alice);
        var bobTools = await ToolsAsync(client, bob);
        var carolTools = await ToolsAsync(client, carol);
        Assert.Contains("department_salary_summary", aliceTools);
        Assert.DoesNotContain("system_status", aliceTools);
        Assert.DoesNotContain("special_authority_holders", aliceTools);
        Assert.Contains("system_status", bobTools);
        Assert.DoesNotContain("department_salary_summary", bobTools);
        Assert.DoesNotContain("special_authority_holders", bobTools);
        Assert.Contains("special_authority_holders", carolTools);
        Assert.DoesNotContain("system_status", carolTools);
        Assert.All(new[] { aliceTools, bobTools, carolTools }, tools => Assert.Contains("department_staff", tools));   // open to all

        _emulator.ClearClientInfo();
        var (status, body, _) = await SendAsync(client, """{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"department_salary_summary","arguments":{"minimum_salary":0}}}""", bob);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(-32005, body.GetProperty("error").GetProperty("code").GetInt32());
        var message = body.GetProperty("error").GetProperty("message").GetString()!;
        Assert.Contains("group HRGRP", message);
        Assert.Contains("BOB is in groups DEVGRP", message);
        Assert.DoesNotContain(_emulator.ClientInfo, r => r.ProgramId == "department_salary_summary");

        var (okStatus, okBody, _) = await SendAsync(client, """{"jsonrpc":"2.0","id":6,"method":"tools/call","params":{"name":"special_authority_holders","arguments":{}}}""", carol);
        Assert.Equal(HttpStatusCode.OK, okStatus);
        Assert.False(okBody.GetProperty("result").GetProperty("isError").GetBoolean());
        Assert.Contains("QSECOFR", okBody.GetRawText());
        Assert.Contains(_emulator.ClientInfo, r => r.ProgramId == "special_authority_holders" && r.User == "CAROL");

        Assert.Equal(0, await server.TerminateAsync());
        var denial = File.ReadAllLines(audit).Select(l => JsonDocument.Parse(l).RootElement)
            .Single(l => l.GetProperty("event").GetString() == "tool_call" && l.GetProperty("outcome").GetString() == "denied");
        Assert.Equal(("BOB", "department_salary_summary"), (denial.GetProperty("user").GetString(), denial.GetProperty("tool").GetString()));
        Assert.Contains("HRGRP", denial.GetProperty("reason").GetString());
    }

    private const string Secret = "jwt-mode-secret-for-the-authorization-black-box-test-0123456789";

    private static string Jwt(string client, params string[] scopes) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Claims = new Dictionary<string, object> { ["client_id"] = client, ["scope"] = string.Join(' ', scopes) },
        Expires = DateTime.UtcNow.AddMinutes(10),
        SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(Encoding.UTF8.GetBytes(Secret)), SecurityAlgorithms.HmacSha256),
    });

    [Fact]
    public async Task In_jwt_mode_scopes_decide_the_tool_list_and_a_forbidden_call_is_403_insufficient_scope()
    {
        var env = new Dictionary<string, string?>
        {
            ["MCP_AUTH_MODE"] = "jwt", ["MCP_AUTH_SECRET_KEY"] = Secret,
            ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = _emulator.Port.ToString(CultureInfo.InvariantCulture), ["DB2i_IGNORE_UNAUTHORIZED"] = "true",
            ["DB2i_USER"] = "MCPUSER", ["DB2i_PASS"] = "mcppass1", ["TOOLS_YAML_PATH"] = ToolTestFiles.ShippedDirectory,
        };
        await using var server = await ServerProcess.StartAsync(env, workingDirectory: _work);
        using var client = server.CreateClient();
        var basic = Jwt("helpdesk", "mcp");
        var security = Jwt("sec-agent", "mcp", "ibmi:security");

        var basicTools = await ToolsAsync(client, basic);
        var securityTools = await ToolsAsync(client, security);
        Assert.DoesNotContain("special_authority_holders", basicTools);
        Assert.Contains("special_authority_holders", securityTools);
        Assert.Contains("department_staff", basicTools);

        _emulator.ClearClientInfo();
        var (status, body, response) = await SendAsync(client, """{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"special_authority_holders","arguments":{}}}""", basic);
        Assert.Equal(HttpStatusCode.Forbidden, status);
        var challenge = response.Headers.WwwAuthenticate.ToString();
        Assert.Contains("error=\"insufficient_scope\"", challenge);
        Assert.Contains("scope=\"ibmi:security\"", challenge);
        Assert.Equal(-32005, body.GetProperty("error").GetProperty("code").GetInt32());
        Assert.Equal(3, body.GetProperty("id").GetInt32());
        Assert.Empty(_emulator.ClientInfo);

        var (ok, okBody, _) = await SendAsync(client, """{"jsonrpc":"2.0","id":4,"method":"tools/call","params":{"name":"special_authority_holders","arguments":{}}}""", security);
        Assert.Equal(HttpStatusCode.OK, ok);
        Assert.False(okBody.GetProperty("result").GetProperty("isError").GetBoolean());
    }
}

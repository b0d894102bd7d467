using System.Net;
using System.Text.Json;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>The binary as users run it: start, answer HTTP, reject bad settings, stop on SIGTERM with 0.</summary>
public sealed class ServerLifecycleTests
{
    [Fact]
    public async Task Healthz_answers_200_json_and_SIGTERM_exits_0()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = server.CreateClient();

        var response = await http.GetAsync("/healthz");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("ok", doc.RootElement.GetProperty("status").GetString());
        Assert.True(doc.RootElement.TryGetProperty("timestamp", out _));

        Assert.Equal(0, await server.TerminateAsync());
        Assert.Contains("✓ Server ready!", server.Stderr);
        Assert.Equal("", server.Stdout.Trim());
    }

    [Fact]
    public async Task Unknown_path_is_404_json_and_wrong_method_is_405_with_Allow()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = server.CreateClient();

        var notFound = await http.GetAsync("/nope");
        Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);
        using (var doc = JsonDocument.Parse(await notFound.Content.ReadAsStringAsync()))
            Assert.True(doc.RootElement.GetProperty("error").TryGetProperty("message", out _));

        var wrongMethod = await http.PostAsync("/healthz", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Contains("GET", wrongMethod.Content.Headers.Allow);
        using (var doc = JsonDocument.Parse(await wrongMethod.Content.ReadAsStringAsync()))
            Assert.Equal(-32601, doc.RootElement.GetProperty("error").GetProperty("code").GetInt32());
    }

    [Fact]
    public async Task Auth_routes_do_not_exist_when_IBM_i_auth_is_disabled()
    {
        await using var server = await ServerProcess.StartAsync();
        using var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/api/v1/auth/public-key")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.PostAsync("/api/v1/auth", new StringContent("{}"))).StatusCode);
    }

    [Fact]
    public async Task Oversized_body_is_rejected_with_413_json()
    {
        await using var server = await ServerProcess.StartAsync(new Dictionary<string, string?> { ["MCP_HTTP_MAX_BODY_BYTES"] = "4096" });
        using var http = server.CreateClient();
        var response = await http.PostAsync("/mcp", new StringContent(new string('x', 100_000), System.Text.Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode is HttpStatusCode.RequestEntityTooLarge or HttpStatusCode.NotFound, $"got {(int)response.StatusCode}");
        Assert.False(server.HasExited);
    }

    [Fact]
    public async Task Bad_settings_are_all_reported_by_name_and_exit_non_zero()
    {
        var psi = ServerProcess.CreateStartInfo(["--transport", "http"], new Dictionary<string, string?>
        {
            ["MCP_HTTP_PORT"] = "abc",
            ["MCP_AUTH_MODE"] = "kerberos",
            ["IBMI_HTTP_AUTH_ENABLED"] = "maybe",
        });
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("MCP_HTTP_PORT", stderr);
        Assert.Contains("MCP_AUTH_MODE", stderr);
        Assert.Contains("IBMI_HTTP_AUTH_ENABLED", stderr);
    }

    [Fact]
    public async Task Unknown_flag_is_an_error_and_version_prints_the_version()
    {
        using (var bad = System.Diagnostics.Process.Start(ServerProcess.CreateStartInfo(["--bogus"]))!)
        {
            var err = await bad.StandardError.ReadToEndAsync();
            await bad.WaitForExitAsync();
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("--bogus", err);
        }
        using var version = System.Diagnostics.Process.Start(ServerProcess.CreateStartInfo(["--version"]))!;
        var output = await version.StandardOutput.ReadToEndAsync();
        await version.WaitForExitAsync();
        Assert.Equal(0, version.ExitCode);
        Assert.Matches(@"^ibmi-mcp \d+\.\d+\.\d+", output.Trim());
    }

    [Fact]
    public async Task Empty_DB2i_credentials_are_fine_in_ibmi_auth_mode_settings_from_dotenv()
    {
        // The reference's issue #77: an .env copied from the example with empty DB2i_USER/PASS silently reset
        // every setting. Here empty means unset, and the .env file is honoured.
        var dir = ServerProcess.CreateEmptyDirectory();
        await File.WriteAllTextAsync(Path.Combine(dir, ".env"), "DB2i_USER=\nDB2i_PASS=\nMCP_HTTP_MAX_BODY_BYTES=8192\n");
        await using var server = await ServerProcess.StartAsync(workingDirectory: dir);
        using var http = server.CreateClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/healthz")).StatusCode);
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Emulator;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// An IBM i capacity incident must not lock valid users out: when Mapepire answers <c>connect</c> with
/// <c>Internal Error: …</c> (out of jobs or file handles), the sign-on is a 503 naming IBM i with Retry-After, the
/// password was not judged, and the sign-on guard (our QMAXSIGN protection) does not count it. A wrong password
/// during the same incident still counts.
/// </summary>
public sealed class BackendFailureSignOnTests : IAsyncLifetime
{
    private EmulatorHost _emulator = null!;
    private TestKeys _keys = null!;
    private string _work = null!;

    public async Task InitializeAsync()
    {
        _emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        _keys = new TestKeys();
        _work = ServerProcess.CreateEmptyDirectory();
    }

    public async Task DisposeAsync()
    {
        await _emulator.DisposeAsync();
        _keys.Dispose();
    }

    private Task<ServerProcess> StartServerAsync() => ServerProcess.StartAsync(new Dictionary<string, string?>(IbmiSignOn.Environment(_keys, _emulator.Port))
    {
                ["IBMI_AUTH_MAX_FAILED_ATTEMPTS"] = "2", ["IBMI_AUTH_LOCKOUT_SECONDS"] = "600",
    }, workingDirectory: _work);

    private static async Task<(HttpStatusCode Status, JsonElement Body, string? RetryAfter)> SignOnAsync(HttpClient client, string user, string password)
    {
        var envelope = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "127.0.0.1",
            new(IssuedAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await client.PostAsync("/api/v1/auth", new ByteArrayContent(envelope) { Headers = { ContentType = new("application/json") } });
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
        return (response.StatusCode, body, response.Headers.RetryAfter?.Delta?.TotalSeconds.ToString(CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Out_of_jobs_is_503_with_retry_after_and_never_locks_the_user_out()
    {
        await using var server = await StartServerAsync();
        using var client = server.CreateClient();
        Assert.Equal(HttpStatusCode.Created, (await SignOnAsync(client, "alice", "alice123")).Status);

        // IBM i is full: every further connect fails with "Internal Error: IOException: Too many open files".
        _emulator.Faults.MaxJobs = _emulator.ActiveJobs.Count;
        for (var i = 0; i < 5; i++)   // more than IBMI_AUTH_MAX_FAILED_ATTEMPTS = 2
        {
            var (status, body, retryAfter) = await SignOnAsync(client, "alice", "alice123");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, status);
            Assert.Contains("IBM i", body.GetProperty("error").GetProperty("message").GetString());
            Assert.Equal("5", retryAfter);
        }

        // The incident ends: the same valid user signs on at once — nothing was counted against her.
        _emulator.Faults.MaxJobs = 0;
        Assert.Equal(HttpStatusCode.Created, (await SignOnAsync(client, "alice", "alice123")).Status);
        Assert.DoesNotContain("Invalid credentials", server.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task An_internal_error_at_connect_is_503_but_a_wrong_password_still_counts()
    {
        await using var server = await StartServerAsync();
        using var client = server.CreateClient();

        _emulator.Faults.ConnectInternalError = "NullPointerException: null";
        for (var i = 0; i < 4; i++)
            Assert.Equal(HttpStatusCode.ServiceUnavailable, (await SignOnAsync(client, "bob", "bob12345")).Status);
        _emulator.Faults.ConnectInternalError = null;

        // Real refusals are still refusals, and the guard still stops guessing after two.
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignOnAsync(client, "bob", "not-bobs-password")).Status);
        Assert.Equal(HttpStatusCode.Unauthorized, (await SignOnAsync(client, "bob", "not-bobs-password")).Status);
        Assert.Equal((HttpStatusCode)429, (await SignOnAsync(client, "bob", "bob12345")).Status);
    }
}

using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using IbmiMcp.Auth;
using IbmiMcp.Tests.Auth;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// IBM i authentication as the black-box tests run it: the server's environment for signing users on to an emulator
/// with the test keys (plain HTTP on loopback), and one sign-on as a client sends it.
/// </summary>
internal static class IbmiSignOn
{
    /// <summary>MCP_AUTH_MODE=ibmi against the emulator on <paramref name="emulatorPort"/>; callers add their own settings.</summary>
    public static Dictionary<string, string?> Environment(TestKeys keys, int emulatorPort) => new()
    {
        ["MCP_AUTH_MODE"] = "ibmi", ["IBMI_HTTP_AUTH_ENABLED"] = "true", ["IBMI_AUTH_ALLOW_HTTP"] = "true",
        ["IBMI_AUTH_KEY_ID"] = AuthHarness.KeyId, ["IBMI_AUTH_PRIVATE_KEY_PATH"] = keys.PrivatePath, ["IBMI_AUTH_PUBLIC_KEY_PATH"] = keys.PublicPath,
        ["DB2i_HOST"] = "127.0.0.1", ["DB2i_PORT"] = emulatorPort.ToString(CultureInfo.InvariantCulture), ["DB2i_IGNORE_UNAUTHORIZED"] = "true",
    };

    /// <summary>POST /api/v1/auth with a fresh envelope; asserts 201 and returns the Bearer token.</summary>
    public static async Task<string> TokenAsync(HttpClient client, string user, string password, int? poolStart = null, int? poolMax = null)
    {
        var envelope = CredentialEnvelopeWriter.Write(TestKeys.Primary, AuthHarness.KeyId, user, Encoding.UTF8.GetBytes(password), "127.0.0.1",
            new(PoolStart: poolStart, PoolMax: poolMax, IssuedAt: DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
        using var response = await client.PostAsync("/api/v1/auth", new ByteArrayContent(envelope) { Headers = { ContentType = new("application/json") } });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("access_token").GetString()!;
    }
}

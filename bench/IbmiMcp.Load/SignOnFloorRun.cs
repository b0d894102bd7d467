using System.Diagnostics;
using System.Security.Cryptography;
using IbmiMcp.Auth;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Load;

/// <summary>
/// `--signon-floor N`: the work a sign-on cannot skip, without the server around it — the RSA-OAEP-SHA256 decryption
/// of one wrapped AES key, one Mapepire connection opened with the server's own code (TCP, TLS under a pinned CA,
/// WebSocket upgrade, <c>connect</c>) and the profile read's one-row statement — done sequentially in this process, the
/// connections kept open as a kept session keeps its pool. Its CPU per iteration beside the server's CPU per kept
/// sign-on (poolstart 1) is what the HTTP endpoint, envelope parsing, session store and token add (bench/RESULTS.md,
/// issue 28). Run it with tiered compilation off so that the measured window compiles nothing.
/// </summary>
internal static class SignOnFloorRun
{
    private static readonly string ProfileSql = IbmiProfileReader.StatementFor("QSYS2.USER_INFO_BASIC");

    /// <param name="parts">Which of the three to do ("rsa,open,sql" for all), to see what each costs alone.</param>
    public static async Task<double> RunAsync(string host, int port, string caPath, string privateKeyPath, string user, string password, int count,
        string parts = "rsa,open,sql")
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(await File.ReadAllTextAsync(privateKeyPath));
        var wrapped = rsa.Encrypt(RandomNumberGenerator.GetBytes(32), RSAEncryptionPadding.OaepSHA256);
        var endpoint = new MapepireEndpoint(host, port, MapepireTlsPolicy.PinnedFromFile(caPath));
        var kept = new List<MapepireConnection>(count + 10);
        try
        {
            for (int i = 0; i < 10; i++) await OnceAsync();
            var before = Process.GetCurrentProcess().TotalProcessorTime;
            for (int i = 0; i < count; i++) await OnceAsync();
            return (Process.GetCurrentProcess().TotalProcessorTime - before).TotalMilliseconds / count;
        }
        finally
        {
            foreach (var connection in kept) await connection.DisposeAsync();
        }

        async Task OnceAsync()
        {
            if (parts.Contains("rsa"))
            {
                var key = rsa.Decrypt(wrapped, RSAEncryptionPadding.OaepSHA256);
                CryptographicOperations.ZeroMemory(key);
            }
            if (!parts.Contains("open")) return;
            using var credentials = new MapepireCredentials(user, password);
            var connection = await MapepireConnection.OpenAsync(endpoint, credentials, JdbcOptions.Empty, "ibmi-mcp", TimeSpan.FromSeconds(30), null, default);
            kept.Add(connection);
            if (!parts.Contains("sql")) return;
            using var reply = await connection.SqlAsync(ProfileSql, 2, default);
            if (!reply.Success) throw new InvalidOperationException($"the profile read failed: {reply.ErrorText}");
        }
    }
}

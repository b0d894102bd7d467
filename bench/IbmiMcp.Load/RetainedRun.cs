using System.Net;
using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Emulator;
using IbmiMcp.Mapepire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Load;

/// <summary>
/// `--retained N`: the managed bytes one live, idle session keeps — the server's real sign-on path (IbmiAuthService,
/// MapepireSessionPoolFactory, a pinned-TLS Mapepire pool to the in-process emulator), N sign-ons kept, their pools
/// pruned to no connection, then full blocking GCs before and after. RSS cannot say this: it also holds the garbage of
/// N TLS handshakes that no GC has needed to collect yet.
/// </summary>
internal static class RetainedRun
{
    public static async Task<(int Sessions, int Connections, double BytesPerSession)> RunAsync(int count)
    {
        await using var emulator = await EmulatorHost.StartAsync(new EmulatorOptions { Port = 0 });
        var work = Directory.CreateTempSubdirectory("ibmi-retained").FullName;
        try
        {
            using var rsa = RSA.Create(2048);
            File.WriteAllText(Path.Combine(work, "private.pem"), rsa.ExportPkcs8PrivateKeyPem());
            File.SetUnixFileMode(Path.Combine(work, "private.pem"), UnixFileMode.UserRead | UnixFileMode.UserWrite);
            File.WriteAllText(Path.Combine(work, "public.pem"), rsa.ExportSubjectPublicKeyInfoPem());
            File.WriteAllText(Path.Combine(work, "emu.pem"), emulator.CertificatePem);
            var options = new ServerOptions
            {
                HttpAuthEnabled = true, AuthMode = AuthMode.Ibmi, AuthKeyId = "retained", AuthAllowHttp = true,
                AuthPrivateKeyPath = Path.Combine(work, "private.pem"), AuthPublicKeyPath = Path.Combine(work, "public.pem"),
                Db2iHost = "127.0.0.1", Db2iPort = emulator.Port, Db2iIgnoreUnauthorized = false, Db2iCaPath = Path.Combine(work, "emu.pem"),
                MaxConcurrentSessions = count + 100, SignOnMaxFailures = 1000, PoolIdleTimeoutMs = 500,
            };
            var tls = MapepireTlsPolicy.FromSettings(false, options.Db2iCaPath);
            var (service, errors) = await IbmiAuthService.CreateAsync(options, NullLoggerFactory.Instance, TimeProvider.System,
                new MapepireSessionPoolFactory(options, tls, NullLoggerFactory.Instance));
            await using var auth = service ?? throw new InvalidOperationException(string.Join("; ", errors));

            async Task SignOnAsync()
            {
                var body = CredentialEnvelopeWriter.Write(rsa, "retained", "ALICE", Encoding.UTF8.GetBytes("alice123"), "127.0.0.1",
                    new CredentialEnvelopeWriter.Options(3600, 1, 2, DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
                var context = new DefaultHttpContext();
                context.Request.Method = "POST";
                context.Request.Scheme = "http";
                context.Request.ContentType = "application/json";
                context.Request.Body = new MemoryStream(body);
                context.Request.ContentLength = body.Length;
                context.Connection.RemoteIpAddress = IPAddress.Loopback;
                context.Response.Body = new MemoryStream();
                await auth.Endpoints.SignOnAsync(context);
                if (context.Response.StatusCode != 201) throw new InvalidOperationException($"sign-on answered {context.Response.StatusCode}");
            }

            for (var i = 0; i < 20; i++) await SignOnAsync();   // first-use costs (statics, caches) are not per session
            await WaitIdleAsync(emulator);
            var before = LiveBytes();
            for (var i = 0; i < count; i++) await SignOnAsync();
            await WaitIdleAsync(emulator);
            var after = LiveBytes();
            return (count + 20, emulator.OpenSockets, (after - before) / (double)count);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { }
        }
    }

    private static async Task WaitIdleAsync(EmulatorHost emulator)
    {
        for (var i = 0; i < 200 && emulator.OpenSockets > 0; i++) await Task.Delay(50);
        await Task.Delay(200);
    }

    private static long LiveBytes()
    {
        for (var i = 0; i < 3; i++)
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }
        return GC.GetTotalMemory(forceFullCollection: true);
    }
}

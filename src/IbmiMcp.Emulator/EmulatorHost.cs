using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using IbmiMcp.Emulator.Protocol;
using IbmiMcp.Emulator.Security;
using IbmiMcp.Emulator.Sql;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Emulator;

/// <summary>
/// A running Db2 for i emulator: Kestrel serving the Mapepire WebSocket protocol on /db/ over TLS (or plain ws),
/// backed by SQLite. Start one per test with Port = 0 and read <see cref="Port"/> and <see cref="CertificatePem"/>.
/// </summary>
public sealed class EmulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly CancellationTokenSource _stopping = new();
    private readonly ILogger _log;
    private int _open, _opened, _closed;
    private int _stopped;

    private EmulatorHost(EmulatorOptions options, WebApplication app, X509Certificate2? cert, EmulatorDatabase db, EmulatorUsers users)
    {
        Options = options;
        _app = app;
        Certificate = cert;
        Database = db;
        Users = users;
        Registry = new JobRegistry(options.Version, users);
        _log = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("ibmi-emulator");
    }

    public EmulatorOptions Options { get; }
    public EmulatorFaults Faults => Options.Faults;
    public EmulatorUsers Users { get; }
    public int Port { get; private set; }
    public bool IsTls => Certificate is not null;

    /// <summary>wss://127.0.0.1:PORT/db/ (ws:// when TLS is off).</summary>
    public Uri Endpoint => new($"{(IsTls ? "wss" : "ws")}://{(Options.Host is "0.0.0.0" or "::" or "*" ? "127.0.0.1" : Options.Host)}:{Port}/db/");

    internal X509Certificate2? Certificate { get; }
    public string CertificatePem => Certificate?.ExportCertificatePem() ?? "";
    public byte[] CertificateDer => Certificate?.RawData ?? [];

    public int OpenSockets => Volatile.Read(ref _open);
    public int TotalSocketsOpened => Volatile.Read(ref _opened);
    public int TotalSocketsClosed => Volatile.Read(ref _closed);

    /// <summary>Every statement run so far, with the job, profile and client registers it ran under (oldest first).</summary>
    public IReadOnlyList<ClientInfoRecord> ClientInfo => Registry.Records;

    public void ClearClientInfo() => Registry.ClearRecords();

    /// <summary>Job names of the live database jobs (one per connected socket).</summary>
    public IReadOnlyList<string> ActiveJobs => Registry.Jobs.Select(j => j.JobName).ToList();

    internal EmulatorDatabase Database { get; }
    internal JobRegistry Registry { get; }
    internal string BuildDate { get; } = "2025-06-01 23:59:11 (GMT)";

    public static async Task<EmulatorHost> StartAsync(EmulatorOptions options, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        X509Certificate2? cert = null;
        if (options.Tls)
        {
            cert = options.CertPemPath is not null && options.KeyPemPath is not null
                ? SelfSignedCertificate.Load(options.CertPemPath, options.KeyPemPath)
                : SelfSignedCertificate.Get();
            if (options.WriteCertPath is not null)
            {
                var dir = Path.GetDirectoryName(Path.GetFullPath(options.WriteCertPath));
                if (dir is not null) Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(options.WriteCertPath, cert.ExportCertificatePem() + "\n", ct).ConfigureAwait(false);
            }
        }
        var users = options.UsersFile is not null ? EmulatorUsers.Load(options.UsersFile, options.MaxSignOnAttempts) : EmulatorUsers.Demo(options.MaxSignOnAttempts);
        var db = new EmulatorDatabase(options.DatabasePath);
        db.UserNames = () => users.Names;
        db.RefreshCatalog();

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = "ibmi-emulator", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        // stdout carries only the "listening on" line that scripts wait for; logs go to stderr.
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Error);
        if (cert is not null) builder.WebHost.UseKestrelHttpsConfiguration();
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = null;
            void Configure(Microsoft.AspNetCore.Server.Kestrel.Core.ListenOptions lo)
            {
                if (cert is not null) lo.UseHttps(cert);
            }
            if (options.Host is "localhost") k.ListenLocalhost(options.Port, Configure);
            else if (options.Host is "*" or "0.0.0.0") k.ListenAnyIP(options.Port, Configure);
            else k.Listen(IPAddress.Parse(options.Host), options.Port, Configure);
        });
        var app = builder.Build();
        var host = new EmulatorHost(options, app, cert, db, users);
        app.UseWebSockets(new WebSocketOptions { KeepAliveInterval = TimeSpan.Zero });
        app.Run(host.HandleHttpAsync);
        try
        {
            await app.StartAsync(ct).ConfigureAwait(false);
        }
        catch
        {
            db.Dispose();
            await app.DisposeAsync().ConfigureAwait(false);
            throw;
        }
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        host.Port = new Uri(addresses.First().Replace("*", "localhost", StringComparison.Ordinal).Replace("[::]", "localhost", StringComparison.Ordinal)).Port;
        return host;
    }

    private async Task HandleHttpAsync(HttpContext ctx)
    {
        string path = ctx.Request.Path.Value ?? "";
        if (path == "/version" && HttpMethods.IsGet(ctx.Request.Method))
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.WriteAsync($"{{\"version\":\"{Options.Version}\"}}").ConfigureAwait(false);
            return;
        }
        if (!(path == "/db" || path.StartsWith("/db/", StringComparison.Ordinal)))
        {
            ctx.Response.StatusCode = 404;
            return;
        }
        if (Faults.RefuseConnections)
        {
            int status = Faults.RefuseStatusCode;
            if (status > 0)
            {
                ctx.Response.StatusCode = status;
                return;
            }
            ctx.Abort();
            return;
        }
        if (!ctx.WebSockets.IsWebSocketRequest)
        {
            ctx.Response.StatusCode = 400;
            await ctx.Response.WriteAsync("WebSocket upgrade required").ConfigureAwait(false);
            return;
        }
        // The real server checks only the header's shape here; the password is verified at connect.
        string? auth = ctx.Request.Headers.Authorization;
        if (auth is null)
        {
            await Forbidden(ctx, 403, "Authorization header missing").ConfigureAwait(false);
            return;
        }
        if (!auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            await Forbidden(ctx, 403, "Invalid Authorization header").ConfigureAwait(false);
            return;
        }
        string decoded;
        try
        {
            decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..].Trim()));
        }
        catch (FormatException)
        {
            await Forbidden(ctx, 500, "Illegal base64 character").ConfigureAwait(false);
            return;
        }
        // Java String.split(":") drops trailing empty strings; exactly two parts are required.
        var parts = decoded.Split(':').ToList();
        while (parts.Count > 0 && parts[^1].Length == 0) parts.RemoveAt(parts.Count - 1);
        if (parts.Count != 2)
        {
            await Forbidden(ctx, 403, "Invalid Authorization header").ConfigureAwait(false);
            return;
        }
        if (parts[0].Length == 0 || parts[0].Contains('*') || parts[1].Length == 0)
        {
            await Forbidden(ctx, 503, "Endpoint Creation Failed").ConfigureAwait(false);
            return;
        }
        using var ws = await ctx.WebSockets.AcceptWebSocketAsync().ConfigureAwait(false);
        Interlocked.Increment(ref _open);
        Interlocked.Increment(ref _opened);
        try
        {
            var session = new MapepireSession(ws, this, parts[0], parts[1], ctx.Connection.RemoteIpAddress?.ToString() ?? "127.0.0.1");
            await session.RunAsync(_stopping.Token).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _open);
            Interlocked.Increment(ref _closed);
        }
    }

    private static async Task Forbidden(HttpContext ctx, int status, string message)
    {
        ctx.Response.StatusCode = status;
        ctx.Response.ContentType = "text/plain";
        await ctx.Response.WriteAsync(message).ConfigureAwait(false);
    }

    internal void LogError(Exception ex) => _log.LogWarning("request failed: {Type}: {Message}", ex.GetType().Name, ex.Message);

    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0) return;
        _stopping.Cancel();
        try { await _app.StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false); } catch (OperationCanceledException) { }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Database.Dispose();
    }
}

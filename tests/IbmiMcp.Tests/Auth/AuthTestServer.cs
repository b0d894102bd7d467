using IbmiMcp.Tests.TestSupport;
using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth;

/// <summary>
/// Kestrel on 127.0.0.1:0 serving the auth endpoints plus a /whoami probe behind the bearer authenticator, routed the
/// way the lead's router will (one switch on method and path).
/// </summary>
internal sealed class AuthTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private AuthTestServer(WebApplication app, IbmiAuthService service, TestKeys keys)
    {
        _app = app; Service = service; Keys = keys;
    }

    public IbmiAuthService Service { get; }
    public TestKeys Keys { get; }
    public int Port { get; private set; }

    public static async Task<AuthTestServer> StartAsync(ISessionPoolFactory pools, Func<ServerOptions, ServerOptions>? configure = null, TimeProvider? time = null)
    {
        var keys = new TestKeys();
        var options = new ServerOptions
        {
            HttpAuthEnabled = true, AuthMode = AuthMode.Ibmi, AuthKeyId = AuthHarness.KeyId, AuthPrivateKeyPath = keys.PrivatePath,
            AuthPublicKeyPath = keys.PublicPath, Db2iHost = "127.0.0.1", AuthAllowHttp = true,
        };
        options = configure?.Invoke(options) ?? options;
        var (service, errors) = await IbmiAuthService.CreateAsync(options, NullLoggerFactory.Instance, time ?? TimeProvider.System, pools);
        if (service is null) throw new InvalidOperationException(string.Join("\n", errors));

        var (app, address) = await LoopbackKestrel.StartAsync(context => (context.Request.Method, context.Request.Path.Value) switch
        {
            ("GET", "/api/v1/auth/public-key") => service.Endpoints.PublicKeyAsync(context),
            ("POST", "/api/v1/auth") => service.Endpoints.SignOnAsync(context),
            ("DELETE", "/api/v1/auth") => service.Endpoints.SignOutAsync(context),
            ("POST", "/whoami") => WhoAmIAsync(service, context),
            ("POST", "/currentuser") => CurrentUserAsync(service, context),
            _ => Status(context, 404),
        });
        var server = new AuthTestServer(app, service, keys);
        server.Port = address.Port;
        return server;
    }

    private static async Task WhoAmIAsync(IbmiAuthService service, HttpContext context)
    {
        if (!service.Bearer.TryAuthenticate(context, out var caller, out var failure))
        {
            await BearerAuthenticator.WriteChallengeAsync(context, failure);
            return;
        }
        await context.Response.WriteAsync(caller.Identity + " " + caller.Sql!.User);
    }

    /// <summary>Runs SELECT CURRENT USER on the caller's pool: proves which IBM i identity a token's SQL runs as.</summary>
    private static async Task CurrentUserAsync(IbmiAuthService service, HttpContext context)
    {
        if (!service.Bearer.TryAuthenticate(context, out var caller, out var failure))
        {
            await BearerAuthenticator.WriteChallengeAsync(context, failure);
            return;
        }
        using var result = await caller.Sql!.ExecuteAsync(new IbmiMcp.Mapepire.SqlCommand { Sql = "SELECT CURRENT USER FROM SYSIBM.SYSDUMMY1" }, context.RequestAborted);
        await context.Response.WriteAsync(caller.Identity + " " + result.Rows[0][0].GetString());
    }

    private static Task Status(HttpContext context, int status)
    {
        context.Response.StatusCode = status;
        return Task.CompletedTask;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
        await Service.DisposeAsync();
        Keys.Dispose();
    }
}

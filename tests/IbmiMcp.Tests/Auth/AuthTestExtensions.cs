using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;

namespace IbmiMcp.Tests.Auth;

/// <summary>Synchronous forms of the async auth seams, for tests whose store answers without I/O (the memory store).</summary>
internal static class AuthTestExtensions
{
    public static IbmiAuthService CreateService(ServerOptions options, TimeProvider time, ISessionPoolFactory pools, IbmiMcp.Observability.Telemetry? telemetry = null)
    {
        var (service, errors) = IbmiAuthService.CreateAsync(options, NullLoggerFactory.Instance, time, pools, telemetry).GetAwaiter().GetResult();
        return service ?? throw new InvalidOperationException(string.Join("\n", errors));
    }

    public static IReadOnlyList<string> CreateErrors(ServerOptions options, TimeProvider time, ISessionPoolFactory pools)
    {
        var (service, errors) = IbmiAuthService.CreateAsync(options, NullLoggerFactory.Instance, time, pools).GetAwaiter().GetResult();
        Assert.Null(service);
        return errors;
    }

    public static bool TryAuthenticate(this BearerAuthenticator bearer, HttpContext context,
        [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Caller? caller, out BearerFailure failure)
    {
        (caller, failure) = bearer.AuthenticateAsync(context).AsTask().GetAwaiter().GetResult();
        return caller is not null;
    }
}

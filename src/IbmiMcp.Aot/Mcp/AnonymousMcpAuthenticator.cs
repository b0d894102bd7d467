using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Mcp;

/// <summary>
/// MCP_AUTH_MODE=none: everyone is "anonymous" and runs on the server pool (DB2i_HOST/USER/PASS), if any; authorization
/// rules see the server account's IBM i profile (<see cref="ServerAccountProfile"/>), read on the first request.
/// </summary>
internal sealed class AnonymousMcpAuthenticator : IMcpAuthenticator
{
    private readonly Caller _withoutAddress;
    private readonly ISqlRunner? _serverPool;
    private readonly ServerAccountProfile _account;

    public AnonymousMcpAuthenticator(ISqlRunner? serverPool, ServerAccountProfile account)
    {
        _serverPool = serverPool;
        _account = account;
        _withoutAddress = new Caller("anonymous", CallerKind.Anonymous, serverPool, null, account: account);
    }

    public ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        var profile = _account.GetAsync(context.RequestAborted);
        if (!profile.IsCompletedSuccessfully)
            return AwaitAsync(context, profile);
        return ValueTask.FromResult<Caller?>(CallerFor(context));
    }

    private async ValueTask<Caller?> AwaitAsync(HttpContext context, ValueTask<CallerProfile> profile)
    {
        await profile.ConfigureAwait(false);
        return CallerFor(context);
    }

    private Caller CallerFor(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        // One shared instance when there is no address to record (in-memory test servers); else one per request.
        return address is null ? _withoutAddress : new Caller("anonymous", CallerKind.Anonymous, _serverPool, address.ToString(), account: _account);
    }
}

using IbmiMcp.Auth;
using IbmiMcp.Mapepire;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Mcp;

/// <summary>MCP_AUTH_MODE=none: everyone is "anonymous" and runs on the server pool (DB2i_HOST/USER/PASS), if any.</summary>
internal sealed class AnonymousMcpAuthenticator : IMcpAuthenticator
{
    private readonly Caller _withoutAddress;
    private readonly ISqlRunner? _serverPool;

    public AnonymousMcpAuthenticator(ISqlRunner? serverPool)
    {
        _serverPool = serverPool;
        _withoutAddress = new Caller("anonymous", CallerKind.Anonymous, serverPool, null);
    }

    public ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        var address = context.Connection.RemoteIpAddress;
        // One shared instance when there is no address to record (in-memory test servers); else one per request.
        return ValueTask.FromResult<Caller?>(address is null
            ? _withoutAddress
            : new Caller("anonymous", CallerKind.Anonymous, _serverPool, address.ToString()));
    }
}

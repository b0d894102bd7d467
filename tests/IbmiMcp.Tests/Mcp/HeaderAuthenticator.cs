using IbmiMcp.Auth;
using IbmiMcp.Http;
using IbmiMcp.Mcp;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Tests.Mcp;

/// <summary>Identity from an X-Test-User header; no header → 401. Lets tests play two users.</summary>
internal sealed class HeaderAuthenticator : IMcpAuthenticator
{
    public async ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        var user = context.Request.Headers["X-Test-User"].ToString();
        if (user.Length == 0)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
            await HttpErrors.WriteJsonRpcAsync(context, 401, -32006, "Missing user");
            return null;
        }
        return new Caller(user, CallerKind.IbmiToken, null, null);
    }
}

using IbmiMcp.Http;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Auth;

/// <summary>
/// One refused auth request: HTTP status, the reference's JSON-RPC-style code, a fixed public message, and
/// optionally Retry-After. <see cref="JsonRpcEnvelope"/> selects the global-handler body shape the reference uses for
/// middleware-level errors (the TLS check); every other row uses <c>{"error":{code,message}}</c> (spec §1.3).
/// </summary>
internal readonly record struct AuthRejection(int Status, int Code, string Message, int? RetryAfterSeconds = null, bool JsonRpcEnvelope = false)
{
    public Task WriteAsync(HttpContext context) => JsonRpcEnvelope
        ? HttpErrors.WriteJsonRpcAsync(context, Status, Code, Message, RetryAfterSeconds)
        : HttpErrors.WriteAsync(context, Status, Code, Message, RetryAfterSeconds);
}

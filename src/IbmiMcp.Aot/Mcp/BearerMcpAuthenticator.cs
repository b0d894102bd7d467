using IbmiMcp.Auth;
using IbmiMcp.Http;
using IbmiMcp.Mapepire;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mcp;

/// <summary>
/// MCP_AUTH_MODE=jwt|oauth: a Bearer JWT identifies the client; its SQL runs on the server pool (the token names
/// an application, not an IBM i user). Rejections are 401 with <c>WWW-Authenticate: Bearer</c> (RFC 6750) and the
/// reference's JSON-RPC body, code -32006.
/// </summary>
internal sealed class BearerMcpAuthenticator : IMcpAuthenticator
{
    public const int UnauthorizedCode = -32006;
    public const string MissingHeaderMessage = "Missing or invalid Authorization header. Bearer scheme required.";

    private readonly Func<string, CancellationToken, ValueTask<JwtBearerAuthenticator.Result>> _validate;
    private readonly CallerKind _kind;
    private readonly ISqlRunner? _serverPool;
    private readonly ILogger _logger;

    public BearerMcpAuthenticator(Func<string, CancellationToken, ValueTask<JwtBearerAuthenticator.Result>> validate, CallerKind kind,
        ISqlRunner? serverPool, ILogger logger)
    {
        _validate = validate;
        _kind = kind;
        _serverPool = serverPool;
        _logger = logger;
    }

    public async ValueTask<Caller?> AuthenticateAsync(HttpContext context)
    {
        if (!TryGetBearer(context.Request, out var token))
        {
            await ChallengeAsync(context, MissingHeaderMessage, withError: false).ConfigureAwait(false);
            return null;
        }
        var result = await _validate(token, context.RequestAborted).ConfigureAwait(false);
        if (!result.IsValid)
        {
            await ChallengeAsync(context, result.Failure ?? JwtBearerAuthenticator.FailedMessage, withError: true).ConfigureAwait(false);
            return null;
        }
        return new Caller(result.ClientId!, _kind, _serverPool, context.Connection.RemoteIpAddress?.ToString());
    }

    internal static bool TryGetBearer(HttpRequest request, out string token)
    {
        var header = request.Headers.Authorization.ToString();
        // The scheme is case-insensitive (RFC 9110 §11.1); the reference only took "Bearer " exactly.
        if (header.Length > 7 && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            token = header[7..].Trim();
            return token.Length > 0;
        }
        token = "";
        return false;
    }

    private async Task ChallengeAsync(HttpContext context, string message, bool withError)
    {
        McpLog.AuthFailed(_logger, message);
        context.Response.Headers.WWWAuthenticate = withError
            ? $"Bearer error=\"invalid_token\", error_description=\"{message.Replace('"', '\'')}\""
            : "Bearer";
        await HttpErrors.WriteJsonRpcAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedCode, message).ConfigureAwait(false);
    }
}

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
    private readonly ProtectedResourceMetadata? _metadata;
    private readonly string _endpointPath;

    /// <param name="metadata">oauth mode: every 401 points at the protected resource metadata (RFC 9728 §5.1).</param>
    public BearerMcpAuthenticator(Func<string, CancellationToken, ValueTask<JwtBearerAuthenticator.Result>> validate, CallerKind kind,
        ISqlRunner? serverPool, ILogger logger, ProtectedResourceMetadata? metadata = null, string endpointPath = "/mcp")
    {
        _validate = validate;
        _kind = kind;
        _serverPool = serverPool;
        _logger = logger;
        _metadata = metadata;
        _endpointPath = endpointPath;
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
        return new Caller(result.ClientId!, _kind, _serverPool, context.Connection.RemoteIpAddress?.ToString(),
            profile: CallerProfile.ForToken(result.ClientId!, result.Subject, result.Scopes, result.Groups));
    }

    /// <summary>
    /// 403 for a tools/call the token's scopes do not reach (MCP authorization, RFC 6750 §3.1): <c>insufficient_scope</c>
    /// with the scopes the tool needs, so a client can ask its authorization server for them.
    /// </summary>
    public void SetInsufficientScope(HttpContext context, IReadOnlyList<string> scopes, string description)
    {
        var parts = new List<string>(4) { "error=\"insufficient_scope\"" };
        if (scopes.Count > 0) parts.Add($"scope=\"{string.Join(' ', scopes)}\"");
        if (_metadata is not null) parts.Add($"resource_metadata=\"{_metadata.MetadataUrl(context, _endpointPath)}\"");
        parts.Add($"error_description=\"{description.Replace('"', '\'')}\"");
        context.Response.Headers.WWWAuthenticate = "Bearer " + string.Join(", ", parts);
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
        var metadata = _metadata is null ? "" : $"resource_metadata=\"{_metadata.MetadataUrl(context, _endpointPath)}\"";
        context.Response.Headers.WWWAuthenticate = withError
            ? $"Bearer {(metadata.Length > 0 ? metadata + ", " : "")}error=\"invalid_token\", error_description=\"{message.Replace('"', '\'')}\""
            : metadata.Length > 0 ? "Bearer " + metadata : "Bearer";
        await HttpErrors.WriteJsonRpcAsync(context, StatusCodes.Status401Unauthorized, UnauthorizedCode, message).ConfigureAwait(false);
    }
}

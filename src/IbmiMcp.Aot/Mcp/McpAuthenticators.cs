using IbmiMcp.Auth;
using IbmiMcp.Configuration;
using IbmiMcp.Mapepire;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mcp;

/// <summary>Picks the <see cref="IMcpAuthenticator"/> for MCP_AUTH_MODE. Throws with the setting's name when it cannot.</summary>
internal static class McpAuthenticators
{
    /// <param name="serverPool">DB2i_HOST/USER/PASS pool for none/jwt/oauth callers; null when not configured.</param>
    /// <param name="ibmi">The IBM i token authenticator (required for MCP_AUTH_MODE=ibmi).</param>
    /// <param name="http">Client for fetching the OAuth JWKS; null = a private one with a 5 s timeout.</param>
    /// <param name="metadata">MCP_AUTH_MODE=oauth, or ibmi with the server's own authorization server: the protected
    /// resource metadata every 401 points at.</param>
    public static IMcpAuthenticator Create(ServerOptions options, ISqlRunner? serverPool, BearerAuthenticator? ibmi,
        ILoggerFactory loggerFactory, HttpClient? http = null, ProtectedResourceMetadata? metadata = null)
    {
        var logger = loggerFactory.CreateLogger("IbmiMcp.Mcp.Auth");
        switch (options.AuthMode)
        {
            case AuthMode.None:
                return new AnonymousMcpAuthenticator(serverPool, new ServerAccountProfile(serverPool, logger));
            case AuthMode.Jwt:
            {
                var jwt = new JwtBearerAuthenticator(options.AuthSecretKey
                    ?? throw new InvalidOperationException("MCP_AUTH_MODE=jwt requires MCP_AUTH_SECRET_KEY (at least 32 characters)."));
                return new BearerMcpAuthenticator((token, _) => jwt.ValidateAsync(token), CallerKind.Jwt, serverPool, logger);
            }
            case AuthMode.OAuth:
            {
                var oauth = new OAuthBearerAuthenticator(
                    options.OAuthIssuerUrl ?? throw new InvalidOperationException("MCP_AUTH_MODE=oauth requires OAUTH_ISSUER_URL."),
                    options.OAuthAudience ?? throw new InvalidOperationException("MCP_AUTH_MODE=oauth requires OAUTH_AUDIENCE."),
                    options.OAuthJwksUri, http);
                return new BearerMcpAuthenticator(oauth.ValidateAsync, CallerKind.OAuth, serverPool, logger, metadata, options.HttpEndpointPath);
            }
            case AuthMode.Ibmi:
                return ibmi is not null ? new IbmiMcpAuthenticator(ibmi, metadata, options.HttpEndpointPath) : throw new InvalidOperationException("MCP_AUTH_MODE=ibmi requires IBM i HTTP authentication (IBMI_HTTP_AUTH_ENABLED=true).");
            default:
                throw new InvalidOperationException($"Unknown MCP_AUTH_MODE '{options.AuthMode}'.");
        }
    }
}

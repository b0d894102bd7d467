using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Auth;

/// <summary>
/// MCP_AUTH_MODE=oauth as the MCP authorization spec (2025-06-18, 2025-11-25) wants a protected resource to behave:
/// OAuth 2.0 Protected Resource Metadata (RFC 9728) at <c>/.well-known/oauth-protected-resource</c> and its
/// path-suffixed form for the MCP endpoint, and the URL of that document in every 401's <c>WWW-Authenticate</c>, so an
/// MCP client that only knows this server's URL finds its authorization server by itself. The resource is
/// OAUTH_AUDIENCE — the value the token's audience is checked against — so what is advertised and what is enforced
/// cannot disagree (RFC 8707).
/// </summary>
internal sealed class ProtectedResourceMetadata
{
    public const string WellKnownPath = "/.well-known/oauth-protected-resource";

    private readonly string _resource;
    private readonly string _issuer;
    private readonly string _serverName;
    private readonly Func<IReadOnlyList<string>> _scopes;
    private readonly string? _metadataUrl;

    /// <param name="resource">OAUTH_AUDIENCE: this MCP endpoint's public URL.</param>
    /// <param name="scopes">Scopes the YAML authorization rules name (they change on reload).</param>
    public ProtectedResourceMetadata(string resource, string issuer, string serverName, Func<IReadOnlyList<string>> scopes)
    {
        _resource = resource;
        _issuer = issuer;
        _serverName = serverName;
        _scopes = scopes;
        _metadataUrl = MetadataUrlOf(resource);
    }

    public string Resource => _resource;

    /// <summary>
    /// RFC 9728 §3.1: for <c>https://host/mcp</c> the document is at <c>https://host/.well-known/oauth-protected-resource/mcp</c>.
    /// Null when the resource is not an http(s) URL (then the URL is built from the request).
    /// </summary>
    internal static string? MetadataUrlOf(string resource)
    {
        if (!Uri.TryCreate(resource, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return null;
        var path = uri.AbsolutePath.TrimEnd('/');
        return uri.GetLeftPart(UriPartial.Authority) + WellKnownPath + path;
    }

    /// <summary>The metadata document's URL for a 401 answered to <paramref name="context"/>.</summary>
    public string MetadataUrl(HttpContext context, string endpointPath) =>
        _metadataUrl ?? context.Request.Scheme + "://" + context.Request.Host.Value + WellKnownPath + endpointPath;

    /// <summary>GET /.well-known/oauth-protected-resource[/mcp] → 200 application/json.</summary>
    public Task HandleAsync(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("resource"u8, _resource);
            w.WriteStartArray("authorization_servers"u8);
            w.WriteStringValue(_issuer);
            w.WriteEndArray();
            w.WriteStartArray("bearer_methods_supported"u8);
            w.WriteStringValue("header"u8);
            w.WriteEndArray();
            var scopes = _scopes();
            if (scopes.Count > 0)
            {
                w.WriteStartArray("scopes_supported"u8);
                foreach (var scope in scopes) w.WriteStringValue(scope);
                w.WriteEndArray();
            }
            w.WriteString("resource_name"u8, _serverName);
            w.WriteEndObject();
        }
        var response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        response.Headers.CacheControl = "public, max-age=300";
        response.Headers.AccessControlAllowOrigin = "*";   // metadata is public; browser-based clients read it cross-origin
        response.ContentLength = buffer.WrittenCount;
        return response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).AsTask();
    }
}

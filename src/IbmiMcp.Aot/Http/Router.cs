using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Http;

/// <summary>
/// The one router: classifies (method, path) once into a <see cref="Route"/> and dispatches. No handler looks at
/// the path again. Unknown path → 404 JSON; known path, wrong method → 405 with Allow.
/// </summary>
internal sealed class Router
{
    private const string PublicKeyPath = "/api/v1/auth/public-key";
    private const string AuthPath = "/api/v1/auth";
    private const string HealthPath = "/healthz";
    private const string MetricsPath = "/metrics";
    private const string ResourceMetadataPath = "/.well-known/oauth-protected-resource";

    private readonly RouteHandlers _handlers;
    private readonly string _mcpPath;
    private readonly ILogger _logger;

    public Router(RouteHandlers handlers, string mcpPath, ILogger<Router> logger)
    {
        _handlers = handlers;
        _mcpPath = mcpPath;
        _logger = logger;
    }

    public Route Classify(string path)
    {
        // A trailing slash is tolerated (/mcp/ == /mcp); anything else must match exactly (ordinal).
        if (path.Length > 1 && path[^1] == '/')
            path = path[..^1];
        if (string.Equals(path, _mcpPath, StringComparison.Ordinal))
            return _handlers.Mcp is null ? Route.NotFound : Route.Mcp;
        // RFC 9728 §3.1: the metadata of the resource /mcp lives at /.well-known/oauth-protected-resource/mcp.
        if (path.StartsWith(ResourceMetadataPath, StringComparison.Ordinal)
            && (path.Length == ResourceMetadataPath.Length || path.AsSpan(ResourceMetadataPath.Length).SequenceEqual(_mcpPath)))
            return _handlers.ResourceMetadata is null ? Route.NotFound : Route.ResourceMetadata;
        if (_handlers.OAuth is not null && (path.StartsWith("/oauth/", StringComparison.Ordinal)
            || path is "/.well-known/oauth-authorization-server" or "/.well-known/openid-configuration" or "/.well-known/jwks"))
            return Route.OAuth;
        return path switch
        {
            HealthPath => Route.Health,
            PublicKeyPath => _handlers.PublicKey is null ? Route.NotFound : Route.PublicKey,
            AuthPath => _handlers.SignOn is null ? Route.NotFound : Route.Auth,
            MetricsPath => _handlers.Metrics is null ? Route.NotFound : Route.Metrics,
            _ => Route.NotFound,
        };
    }

    public async Task HandleAsync(HttpContext context)
    {
        var route = Classify(context.Request.Path.Value ?? "/");
        var method = context.Request.Method;
        try
        {
            switch (route)
            {
                case Route.Health when HttpMethods.IsGet(method) || HttpMethods.IsHead(method):
                    await _handlers.Health(context).ConfigureAwait(false);
                    break;
                case Route.Health:
                    await MethodNotAllowedAsync(context, "GET, HEAD").ConfigureAwait(false);
                    break;
                case Route.PublicKey when HttpMethods.IsGet(method):
                    await _handlers.PublicKey!(context).ConfigureAwait(false);
                    break;
                case Route.PublicKey:
                    await MethodNotAllowedAsync(context, "GET").ConfigureAwait(false);
                    break;
                case Route.Auth when HttpMethods.IsPost(method):
                    await _handlers.SignOn!(context).ConfigureAwait(false);
                    break;
                case Route.Auth when HttpMethods.IsDelete(method) && _handlers.SignOut is not null:
                    await _handlers.SignOut(context).ConfigureAwait(false);
                    break;
                case Route.Auth:
                    await MethodNotAllowedAsync(context, _handlers.SignOut is null ? "POST" : "POST, DELETE").ConfigureAwait(false);
                    break;
                case Route.Mcp when HttpMethods.IsPost(method) || HttpMethods.IsGet(method) || HttpMethods.IsDelete(method) || HttpMethods.IsOptions(method):
                    await _handlers.Mcp!(context).ConfigureAwait(false);
                    break;
                case Route.Mcp:
                    await MethodNotAllowedAsync(context, "GET, POST, DELETE, OPTIONS").ConfigureAwait(false);
                    break;
                case Route.Metrics when HttpMethods.IsGet(method):
                    await _handlers.Metrics!(context).ConfigureAwait(false);
                    break;
                case Route.Metrics:
                    await MethodNotAllowedAsync(context, "GET").ConfigureAwait(false);
                    break;
                case Route.ResourceMetadata when HttpMethods.IsGet(method) || HttpMethods.IsHead(method):
                    await _handlers.ResourceMetadata!(context).ConfigureAwait(false);
                    break;
                case Route.ResourceMetadata:
                    await MethodNotAllowedAsync(context, "GET, HEAD").ConfigureAwait(false);
                    break;
                case Route.OAuth when await _handlers.OAuth!(context).ConfigureAwait(false):
                    break;
                default:
                    await HttpErrors.WriteAsync(context, StatusCodes.Status404NotFound, -32601, "Not found").ConfigureAwait(false);
                    break;
            }
        }
        catch (BadHttpRequestException ex)
        {
            // Kestrel's own rejections (body too large, bad framing) keep their status: 413, 400, 408.
            await HttpErrors.WriteAsync(context, ex.StatusCode, -32600, ex.StatusCode == 413 ? "Request body too large" : "Bad request").ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // Client went away; nothing to answer.
        }
        catch (Exception ex)
        {
            // Unknown failures never crash the server nor leak their text: log it, answer a fixed 500.
            var reference = Observability.ErrorReference.New();
            HttpLog.UnhandledError(_logger, route, reference, ex);
            await HttpErrors.WriteAsync(context, StatusCodes.Status500InternalServerError, -32603, Observability.ErrorReference.Message(reference)).ConfigureAwait(false);
        }
        finally
        {
            _handlers.Observe?.Invoke(route, context.Response.StatusCode);
        }
    }

    private static Task MethodNotAllowedAsync(HttpContext context, string allow)
    {
        context.Response.Headers.Allow = allow;
        return HttpErrors.WriteAsync(context, StatusCodes.Status405MethodNotAllowed, -32601, "Method not allowed");
    }
}

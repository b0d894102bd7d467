using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Http;

/// <summary>Writes a whole response body the server built in memory: status, type, length, and the cache rule.</summary>
internal static class HttpBody
{
    /// <param name="cacheControl">no-store by default: most bodies carry tokens, sign-in state or one user's data.</param>
    public static async Task WriteAsync(HttpContext context, int status, string contentType, ReadOnlyMemory<byte> body, string cacheControl = "no-store")
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.Headers.CacheControl = cacheControl;
        response.ContentLength = body.Length;
        await response.Body.WriteAsync(body, context.RequestAborted).ConfigureAwait(false);
    }
}

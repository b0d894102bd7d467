using System.Buffers;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Http;

/// <summary>
/// Whole bodies: a request body read into a pooled buffer under a limit, and a response body the server built in
/// memory written with its status, type, length and cache rule.
/// </summary>
internal static class HttpBody
{
    /// <summary>A request body in a rented buffer (return it with <see cref="Return"/>, which zeroes it); Buffer is null when refused.</summary>
    public readonly record struct Pooled(byte[]? Buffer, int Length)
    {
        public ReadOnlySpan<byte> Span => Buffer.AsSpan(0, Length);
        public void Return()
        {
            if (Buffer is not null) ArrayPool<byte>.Shared.Return(Buffer, clearArray: true);
        }
    }

    /// <summary>
    /// Reads the whole body into a pooled buffer. Buffer is null when it exceeds <paramref name="limit"/> (declared or
    /// sent) or the client left or sent a broken body; the caller answers 413 unless the request was aborted.
    /// </summary>
    public static async ValueTask<Pooled> ReadAsync(HttpContext context, int limit)
    {
        if (context.Request.ContentLength is long declared && declared > limit)
            return default;
        var buffer = ArrayPool<byte>.Shared.Rent(limit + 1);
        int total = 0;
        try
        {
            var stream = context.Request.Body;
            while (true)
            {
                int n = await stream.ReadAsync(buffer.AsMemory(total, limit + 1 - total), context.RequestAborted).ConfigureAwait(false);
                if (n == 0) break;
                total += n;
                if (total > limit)
                {
                    ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
                    return default;
                }
            }
            return new Pooled(buffer, total);
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException or BadHttpRequestException)
        {
            ArrayPool<byte>.Shared.Return(buffer, clearArray: true);
            return default;
        }
    }

    /// <summary>True for <c>application/json</c>, with or without parameters (charset).</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return false;
        var media = contentType.AsSpan();
        int semicolon = media.IndexOf(';');
        if (semicolon >= 0) media = media[..semicolon];
        return media.Trim().Equals("application/json", StringComparison.OrdinalIgnoreCase);
    }

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

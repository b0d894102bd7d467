using System.Net;

namespace IbmiMcp.Mcp;

/// <summary>
/// DNS-rebinding defence required by the MCP transport spec: a browser page on a foreign origin must not reach a
/// server bound to loopback. Requests without an Origin header (CLI tools, SDK clients, curl) are allowed;
/// loopback origins (http/https, localhost, 127.0.0.0/8, [::1], any port) are always allowed; everything else must
/// be listed in MCP_ALLOWED_ORIGINS (exact scheme://host[:port], case-insensitive; "*" allows any origin).
/// </summary>
internal sealed class OriginPolicy
{
    private readonly HashSet<string> _allowed;
    private readonly bool _allowAny;

    public OriginPolicy(IReadOnlyList<string> allowedOrigins)
    {
        _allowed = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var origin in allowedOrigins)
        {
            var trimmed = origin.Trim().TrimEnd('/');
            if (trimmed == "*")
                _allowAny = true;
            else if (trimmed.Length > 0)
                _allowed.Add(trimmed);
        }
    }

    /// <summary>True when the request may proceed. <paramref name="origin"/> is the raw header value, null/empty when absent.</summary>
    public bool IsAllowed(string? origin)
    {
        if (string.IsNullOrEmpty(origin))
            return true;
        if (_allowAny || IsLoopbackOrigin(origin))
            return true;
        return _allowed.Contains(origin.TrimEnd('/'));
    }

    internal static bool IsLoopbackOrigin(ReadOnlySpan<char> origin)
    {
        ReadOnlySpan<char> rest;
        if (origin.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            rest = origin[7..];
        else if (origin.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            rest = origin[8..];
        else
            return false;   // includes the literal "null" origin of sandboxed frames and file:// pages

        if (rest.Length > 0 && rest[^1] == '/')
            rest = rest[..^1];

        ReadOnlySpan<char> host;
        ReadOnlySpan<char> port;
        if (rest.StartsWith("["))
        {
            var close = rest.IndexOf(']');
            if (close < 0)
                return false;
            host = rest[1..close];
            port = rest[(close + 1)..];
        }
        else
        {
            var colon = rest.IndexOf(':');
            host = colon < 0 ? rest : rest[..colon];
            port = colon < 0 ? default : rest[colon..];
        }

        // An origin is scheme://host[:port] and nothing else; a path or userinfo means it is not an origin at all.
        if (!port.IsEmpty)
        {
            if (port[0] != ':' || port.Length == 1 || port.Length > 6)
                return false;
            foreach (var c in port[1..])
                if (!char.IsAsciiDigit(c))
                    return false;
        }

        if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase))
            return true;
        return IPAddress.TryParse(host, out var address) && IPAddress.IsLoopback(address);
    }
}

using System.Net;
using Microsoft.AspNetCore.Http;

namespace IbmiMcp.Auth;

/// <summary>
/// Which forwarded headers to believe. X-Forwarded-Proto and X-Forwarded-For count only when the TCP peer is one of
/// MCP_TRUSTED_PROXIES (addresses or CIDR ranges); the reference believes any client that sends them (spec §2.5).
/// </summary>
internal sealed class ProxyTrust
{
    private readonly IPNetwork[] _networks;

    private ProxyTrust(IPNetwork[] networks) => _networks = networks;

    public static ProxyTrust None { get; } = new([]);

    /// <summary>Parses MCP_TRUSTED_PROXIES entries; each bad one adds a message to <paramref name="errors"/>.</summary>
    public static ProxyTrust Parse(IReadOnlyList<string> entries, List<string> errors)
    {
        var networks = new List<IPNetwork>(entries.Count);
        foreach (var raw in entries)
        {
            var entry = raw.Trim();
            if (entry.Length == 0) continue;
            if (IPNetwork.TryParse(entry, out var network))
                networks.Add(network);
            else if (IPAddress.TryParse(entry, out var address))
                networks.Add(new IPNetwork(Normalize(address), address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            else
                errors.Add($"MCP_TRUSTED_PROXIES: '{entry}' is neither an IP address nor a CIDR range.");
        }
        return new ProxyTrust([.. networks]);
    }

    public bool IsTrusted(IPAddress? address)
    {
        if (address is null || _networks.Length == 0) return false;
        address = Normalize(address);
        foreach (var n in _networks)
            if (n.Contains(address)) return true;
        return false;
    }

    /// <summary>True when the request reached us over TLS, directly or (from a trusted proxy) per X-Forwarded-Proto.</summary>
    public bool IsHttps(HttpContext context)
    {
        if (context.Request.IsHttps) return true;
        if (!IsTrusted(context.Connection.RemoteIpAddress)) return false;
        // The proxy nearest to us appended last; with one trusted hop that is the value it saw.
        var values = context.Request.Headers["X-Forwarded-Proto"];
        if (values.Count == 0) return false;
        var last = values[values.Count - 1] ?? "";
        int comma = last.LastIndexOf(',');
        return last.AsSpan(comma + 1).Trim().Equals("https", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The client's address: the TCP peer, or behind trusted proxies the right-most X-Forwarded-For entry that is not
    /// itself a trusted proxy (entries further left are whatever the client chose to send).
    /// </summary>
    public string? ClientAddress(HttpContext context)
    {
        var peer = context.Connection.RemoteIpAddress;
        if (peer is null) return null;
        peer = Normalize(peer);
        if (!IsTrusted(peer)) return peer.ToString();
        var values = context.Request.Headers["X-Forwarded-For"];
        for (int v = values.Count - 1; v >= 0; v--)
        {
            var parts = (values[v] ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--)
            {
                if (!IPAddress.TryParse(parts[i], out var hop)) return peer.ToString();
                hop = Normalize(hop);
                if (!IsTrusted(hop)) return hop.ToString();
            }
        }
        return peer.ToString();
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}

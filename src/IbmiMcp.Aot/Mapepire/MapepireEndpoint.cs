namespace IbmiMcp.Mapepire;

/// <summary>Where a pool connects: <c>wss://host:port/db/</c> (or <c>ws://</c> for <see cref="MapepireTlsMode.Plain"/>).</summary>
public sealed record MapepireEndpoint
{
    public MapepireEndpoint(string host, int port, MapepireTlsPolicy tls)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(host);
        ArgumentOutOfRangeException.ThrowIfLessThan(port, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(port, 65535);
        ArgumentNullException.ThrowIfNull(tls);
        Host = host.Trim(); Port = port; Tls = tls;
    }

    /// <summary>Mapepire's default port (spec §1.1).</summary>
    public const int DefaultPort = 8076;

    public string Host { get; init; }
    public int Port { get; init; }
    public MapepireTlsPolicy Tls { get; init; }

    public Uri Uri => new UriBuilder(Tls.Mode == MapepireTlsMode.Plain ? "ws" : "wss", Host, Port, "/db/").Uri;

    /// <summary>For messages and logs; never contains credentials.</summary>
    public override string ToString() => Uri.ToString();
}

using IbmiMcp.Configuration;

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

    /// <summary>
    /// DB2i_HOST (or <paramref name="host"/>, e.g. the host a client asked for at sign-on), DB2i_PORT — honoured, unlike
    /// the reference — and a TLS policy built once by the caller (<see cref="MapepireTlsPolicy.FromServer"/>).
    /// </summary>
    internal static MapepireEndpoint FromServer(ServerOptions server, MapepireTlsPolicy tls, string? host = null) =>
        new(host ?? server.Db2iHost ?? throw new ArgumentException("DB2i_HOST is not set."), server.Db2iPort, tls);

    /// <summary>For messages and logs; never contains credentials.</summary>
    public override string ToString() => Uri.ToString();
}

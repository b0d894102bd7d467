using IbmiMcp.Configuration;

namespace IbmiMcp.OAuth;

/// <summary>
/// The authorization server's settings, read once from <see cref="ServerOptions"/> (IBMI_AUTH_OAUTH_SERVER and the
/// IBMI_OAUTH_* settings); docs/oauth-server.md explains each and its default.
/// </summary>
internal sealed record OAuthSettings
{
    /// <summary>The issuer: the server's public URL with a trailing slash (RFC 8414 derives the metadata path from it).</summary>
    public required Uri Issuer { get; init; }
    /// <summary>The MCP endpoint's public URL: the only RFC 8707 resource tokens are issued for.</summary>
    public required string Resource { get; init; }
    public TimeSpan CodeLifetime { get; init; } = TimeSpan.FromSeconds(60);
    /// <summary>How long one sign-in lasts through refreshes; then the user signs in again.</summary>
    public TimeSpan MaxGrantLifetime { get; init; } = TimeSpan.FromDays(7);
    public IReadOnlyList<OAuthClient> ConfiguredClients { get; init; } = [];
    public bool Registration { get; init; } = true;
    public int RegistrationsPerHour { get; init; } = 20;
    public int MaxClients { get; init; } = 10_000;
    /// <summary>A registered client nobody uses for this long is forgotten.</summary>
    public TimeSpan UnusedClientLifetime { get; init; } = TimeSpan.FromDays(30);
    public bool ClientMetadataDocuments { get; init; } = true;
    /// <summary>Hosts whose metadata documents may be fetched although they resolve to private or loopback addresses.</summary>
    public IReadOnlyList<string> MetadataAllowedHosts { get; init; } = [];

    /// <summary>
    /// The settings, with every problem in <paramref name="problems"/> (each names its setting). Without IBMI_PUBLIC_URL
    /// the public URL is the listening address (https when MCP_HTTPS_CERT_PATH is set; "localhost" for a wildcard).
    /// </summary>
    public static OAuthSettings From(ServerOptions options, int listeningPort, List<string> problems)
    {
        if (options.PublicUrl is null && listeningPort == 0)
            problems.Add("IBMI_PUBLIC_URL: required with MCP_HTTP_PORT=0 (the issuer must be known before the port is)");
        var publicUrl = options.PublicUrl ?? DefaultPublicUrl(options, listeningPort);
        return new OAuthSettings
        {
            Issuer = new Uri(publicUrl + "/"),
            Resource = publicUrl + options.HttpEndpointPath,
            CodeLifetime = TimeSpan.FromSeconds(options.OAuthCodeLifetimeSeconds),
            MaxGrantLifetime = TimeSpan.FromSeconds(options.OAuthMaxGrantSeconds),
            ConfiguredClients = options.OAuthClientsFile is { } file ? OAuthServer.LoadClients(file, problems) : [],
            Registration = options.OAuthRegistration,
            RegistrationsPerHour = options.OAuthRegistrationsPerHour,
            MaxClients = options.OAuthMaxClients,
            ClientMetadataDocuments = options.OAuthClientMetadataDocuments,
            MetadataAllowedHosts = options.OAuthMetadataAllowedHosts,
        };
    }

    private static string DefaultPublicUrl(ServerOptions options, int port)
    {
        var host = options.HttpHost is "0.0.0.0" or "::" or "[::]" ? "localhost" : options.HttpHost;
        if (host.Contains(':') && !host.StartsWith('[')) host = "[" + host + "]";
        return $"{(options.HttpsEnabled ? "https" : "http")}://{host}:{port}";
    }
}

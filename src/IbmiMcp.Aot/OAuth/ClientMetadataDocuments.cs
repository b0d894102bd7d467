using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json;
using IbmiMcp.Configuration;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.OAuth;

/// <summary>
/// Client ID Metadata Documents (the MCP authorization spec of 2025-11-25; draft-ietf-oauth-client-id-metadata-document):
/// a client whose <c>client_id</c> is an https URL is described by the JSON document at that URL. Fetching a URL a
/// stranger chose is a server-side request forgery risk, so: https only, no redirects, no proxy, a small body and a
/// short deadline, and every address the name resolves to must be public (no loopback, private, link-local — the
/// cloud metadata service —, shared, multicast or reserved address) unless the host is in the allow-list. The check
/// and the connection use the same resolved address, so a name cannot resolve to a public address for the check and a
/// private one for the connection (DNS rebinding). Documents are cached per their Cache-Control (60 s to 24 h), refusals
/// for a minute, so a flood of authorization requests cannot turn the server into a fetching machine.
/// </summary>
internal sealed class ClientMetadataDocuments : IDisposable
{
    public const int MaxDocumentBytes = 5 * 1024;
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_minCache = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan s_maxCache = TimeSpan.FromHours(24);
    private static readonly TimeSpan s_defaultCache = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan s_refusalCache = TimeSpan.FromMinutes(1);
    private const int MaxCached = 1000;
    /// <summary>Fetches per minute, all URLs together: a flood of authorization requests naming fresh URLs cannot make
    /// this server a source of traffic towards third parties.</summary>
    internal const int MaxFetchesPerMinute = 60;

    private readonly HttpClient _http;
    private readonly HashSet<string> _allowedHosts;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly ConcurrentDictionary<string, (OAuthClient? Client, string? Refusal, DateTimeOffset Until)> _cache = new(StringComparer.Ordinal);
    private long _fetchMinute;
    private int _fetchesThisMinute;

    public ClientMetadataDocuments(IEnumerable<string> allowedHosts, TimeProvider time, ILogger log)
    {
        _allowedHosts = new HashSet<string>(allowedHosts.Select(h => h.Trim().ToLowerInvariant()), StringComparer.Ordinal);
        _time = time;
        _log = log;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = s_timeout,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectCallback = ConnectAsync,
            // The system roots, without keeping the whole process on the store for a fetch that may never come
            // (Configuration.SystemTrustStore); no intermediate is ever downloaded from an address a certificate names.
            SslOptions = new SslClientAuthenticationOptions
            {
                RemoteCertificateValidationCallback = SystemTrustStore.ValidateWithSystemRoots,
                CertificateChainPolicy = new X509ChainPolicy { DisableCertificateDownloads = true, RevocationMode = X509RevocationMode.NoCheck },
            },
        };
        _http = new HttpClient(handler) { Timeout = s_timeout, MaxResponseContentBufferSize = MaxDocumentBytes };
        _http.DefaultRequestHeaders.Accept.ParseAdd("application/json");
    }

    /// <summary>True when <paramref name="clientId"/> is meant as a metadata document URL (it starts with https://).</summary>
    public static bool IsDocumentUrl(string clientId) => clientId.StartsWith("https://", StringComparison.Ordinal);

    /// <summary>The client the document describes, or null with the reason it was refused.</summary>
    public async ValueTask<(OAuthClient? Client, string? Refusal)> GetAsync(string clientId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_cache.TryGetValue(clientId, out var cached) && cached.Until > now) return (cached.Client, cached.Refusal);

        if (!IsValidUrl(clientId, out var url, out var refusal))
            return Remember(clientId, null, refusal, s_refusalCache);
        if (!TryTakeFetch(now))
            return (null, "this server fetches few client metadata documents at a time; try again in a minute");
        try
        {
            using var response = await _http.GetAsync(url, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != HttpStatusCode.OK)
                return Remember(clientId, null, $"the client's metadata document answered HTTP {(int)response.StatusCode}", s_refusalCache);
            var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
            if (!TryParse(clientId, body, _time.GetUtcNow().ToUnixTimeSeconds(), out var client, out refusal))
                return Remember(clientId, null, refusal, s_refusalCache);
            return Remember(clientId, client, null, CacheLifetime(response));
        }
        catch (HttpRequestException ex) when (ex.InnerException is RefusedAddressException refused)
        {
            return Remember(clientId, null, refused.Message, s_refusalCache);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException)
        {
            // A body over the limit is an HttpRequestException too; the reason is logged, the page says only that it failed.
            OAuthLog.MetadataFetchFailed(_log, url?.Host ?? "", ex.GetType().Name, ex.Message);
            return Remember(clientId, null, "the client's metadata document could not be fetched", s_refusalCache);
        }
    }

    private bool TryTakeFetch(DateTimeOffset now)
    {
        long minute = now.ToUnixTimeSeconds() / 60;
        if (Interlocked.Exchange(ref _fetchMinute, minute) != minute) Interlocked.Exchange(ref _fetchesThisMinute, 0);
        return Interlocked.Increment(ref _fetchesThisMinute) <= MaxFetchesPerMinute;
    }

    private (OAuthClient?, string?) Remember(string clientId, OAuthClient? client, string? refusal, TimeSpan lifetime)
    {
        if (_cache.Count >= MaxCached)
        {
            var now = _time.GetUtcNow();
            foreach (var (key, entry) in _cache)
                if (entry.Until <= now) _cache.TryRemove(key, out _);
            if (_cache.Count >= MaxCached) _cache.Clear();
        }
        if (lifetime > TimeSpan.Zero) _cache[clientId] = (client, refusal, _time.GetUtcNow() + lifetime);
        return (client, refusal);
    }

    /// <summary>Cache-Control max-age (bounded to 60 s – 24 h), no-store/no-cache: not kept; none given: 5 minutes.</summary>
    internal static TimeSpan CacheLifetime(HttpResponseMessage response)
    {
        var control = response.Headers.CacheControl;
        if (control is { NoStore: true } or { NoCache: true }) return TimeSpan.Zero;
        var maxAge = control?.MaxAge ?? (response.Content.Headers.Expires is { } expires && response.Headers.Date is { } date ? expires - date : null);
        if (maxAge is not { } age) return s_defaultCache;
        return age < s_minCache ? s_minCache : age > s_maxCache ? s_maxCache : age;
    }

    /// <summary>The URL rules of the draft: https, a path, no fragment, no user info, no dot segments.</summary>
    internal static bool IsValidUrl(string clientId, out Uri? url, out string refusal)
    {
        refusal = "";
        if (!Uri.TryCreate(clientId, UriKind.Absolute, out url) || url.Scheme != Uri.UriSchemeHttps)
            refusal = "a metadata document client_id must be an https URL";
        else if (url.AbsolutePath is "/" or "" || clientId.Contains("/./", StringComparison.Ordinal) || clientId.Contains("/../", StringComparison.Ordinal)
                 || clientId.EndsWith("/.", StringComparison.Ordinal) || clientId.EndsWith("/..", StringComparison.Ordinal))
            refusal = "a metadata document client_id must have a path without dot segments";
        else if (url.Fragment.Length > 0 || url.UserInfo.Length > 0)
            refusal = "a metadata document client_id must not have a fragment or user info";
        else if (!string.Equals(url.OriginalString, clientId, StringComparison.Ordinal))
            refusal = "a metadata document client_id must be a plain URL";
        return refusal.Length == 0;
    }

    /// <summary>The document: a JSON object whose client_id is the URL itself, public-client redirect URIs, an optional name.</summary>
    internal static bool TryParse(string clientId, byte[] body, long now, out OAuthClient? client, out string refusal)
    {
        client = null;
        refusal = "";
        try
        {
            using var doc = JsonDocument.Parse(body);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object) { refusal = "the client's metadata document is not a JSON object"; return false; }
            if (!root.TryGetProperty("client_id", out var id) || id.ValueKind != JsonValueKind.String || id.GetString() != clientId)
            {
                refusal = "the client's metadata document names another client_id than its own URL";
                return false;
            }
            if (root.TryGetProperty("client_secret", out _) || root.TryGetProperty("client_secret_expires_at", out _)
                || (root.TryGetProperty("token_endpoint_auth_method", out var method) && method.ValueKind == JsonValueKind.String && method.GetString() != "none"))
            {
                refusal = "the client's metadata document asks for client authentication; this server serves public clients (PKCE) only";
                return false;
            }
            if (!root.TryGetProperty("redirect_uris", out var uris) || uris.ValueKind != JsonValueKind.Array || uris.GetArrayLength() is 0 or > ClientRegistration.MaxRedirectUris)
            {
                refusal = $"the client's metadata document must list 1 to {ClientRegistration.MaxRedirectUris} redirect_uris";
                return false;
            }
            var redirects = new List<string>();
            foreach (var uri in uris.EnumerateArray())
            {
                if (uri.ValueKind != JsonValueKind.String)
                {
                    refusal = "the client's metadata document has a redirect URI that is not a string";
                    return false;
                }
                if (!ClientRegistration.IsAcceptableRedirect(uri.GetString()!, out var why))
                {
                    refusal = $"the client's metadata document has an unacceptable redirect URI ({why})";
                    return false;
                }
                redirects.Add(uri.GetString()!);
            }
            var name = root.TryGetProperty("client_name", out var n) && n.ValueKind == JsonValueKind.String && n.GetString()!.Length is > 0 and <= ClientRegistration.MaxNameLength
                ? n.GetString()!
                : new Uri(clientId).Host;
            client = new OAuthClient(clientId, name, [.. redirects], now) { Kind = OAuthClientKind.MetadataDocument };
            return true;
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // InvalidOperationException: a string with invalid UTF-8, which JsonDocument finds only when it is read.
            refusal = "the client's metadata document is not valid UTF-8 JSON";
            return false;
        }
    }

    /// <summary>Resolves the host and connects only to an address the rules allow (the one that was checked).</summary>
    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        bool allowed = _allowedHosts.Contains(host.ToLowerInvariant().Trim('[', ']'));
        var addresses = IPAddress.TryParse(host.Trim('[', ']'), out var literal) ? [literal]
            : await Dns.GetHostAddressesAsync(host, cancellationToken).ConfigureAwait(false);
        if (addresses.Length == 0) throw new RefusedAddressException($"the client's metadata host {host} has no address");
        if (!allowed && addresses.FirstOrDefault(a => !IsPublic(a)) is { } inner)
            throw new RefusedAddressException($"the client's metadata host {host} resolves to a non-public address ({inner}); an operator may allow it with IBMI_OAUTH_METADATA_ALLOWED_HOSTS");
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(addresses, context.DnsEndPoint.Port, cancellationToken).ConfigureAwait(false);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>A globally routable unicast address: not loopback, private, link-local, shared (CGNAT), multicast, documentation or reserved.</summary>
    internal static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            Span<byte> b = stackalloc byte[4];
            address.TryWriteBytes(b, out _);
            return !(b[0] is 0 or 10 or 127 or >= 224                        // this network, private, loopback, multicast and reserved
                || (b[0] == 100 && b[1] is >= 64 and <= 127)                // shared address space (CGNAT)
                || (b[0] == 169 && b[1] == 254)                             // link-local, the cloud metadata service
                || (b[0] == 172 && b[1] is >= 16 and <= 31)
                || (b[0] == 192 && b[1] == 168)
                || (b[0] == 192 && b[1] == 0 && b[2] is 0 or 2)              // IETF protocol assignments, TEST-NET-1
                || (b[0] == 198 && b[1] is 18 or 19)                        // benchmarking
                || (b[0] == 198 && b[1] == 51 && b[2] == 100)               // TEST-NET-2
                || (b[0] == 203 && b[1] == 0 && b[2] == 113));              // TEST-NET-3
        }
        if (address.AddressFamily != AddressFamily.InterNetworkV6) return false;
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.IPv6None) || address.IsIPv6LinkLocal || address.IsIPv6SiteLocal
            || address.IsIPv6Multicast || address.IsIPv6UniqueLocal || address.IsIPv4MappedToIPv6)
            return false;
        Span<byte> v6 = stackalloc byte[16];
        address.TryWriteBytes(v6, out _);
        // Only global unicast (2000::/3), and not documentation (2001:db8::/32), NAT64 (64:ff9b::/96 is outside 2000::/3 anyway) or 6to4/Teredo,
        // which embed an IPv4 address the rules above would have to judge.
        if ((v6[0] & 0xE0) != 0x20) return false;
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x0D && v6[3] == 0xB8) return false;
        if (v6[0] == 0x20 && v6[1] == 0x02) return false;                                   // 6to4
        if (v6[0] == 0x20 && v6[1] == 0x01 && v6[2] == 0x00 && v6[3] == 0x00) return false; // Teredo
        return true;
    }

    public void Dispose() => _http.Dispose();

    private sealed class RefusedAddressException(string message) : IOException(message);
}

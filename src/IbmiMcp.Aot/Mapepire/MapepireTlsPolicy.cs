using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Configuration;

namespace IbmiMcp.Mapepire;

/// <summary>
/// The trust decision for a Mapepire server certificate (spec §1.3). Immutable and shared by every connection of
/// a pool; <see cref="MapepireTlsMode.TrustOnFirstUse"/> is resolved into a pinned policy once, when the pool opens.
/// </summary>
public sealed class MapepireTlsPolicy
{
    private readonly X509Certificate2Collection _pinned;

    private MapepireTlsPolicy(MapepireTlsMode mode, X509Certificate2Collection? pinned, string? source)
    {
        Mode = mode; _pinned = pinned ?? []; Source = source;
    }

    public static MapepireTlsPolicy Verify { get; } = new(MapepireTlsMode.Verify, null, null);
    public static MapepireTlsPolicy TrustOnFirstUse { get; } = new(MapepireTlsMode.TrustOnFirstUse, null, null);
    public static MapepireTlsPolicy Ignore { get; } = new(MapepireTlsMode.Ignore, null, null);
    public static MapepireTlsPolicy Plain { get; } = new(MapepireTlsMode.Plain, null, null);

    /// <summary>Trust exactly these certificates: CAs, or the server's own (leaf) certificate.</summary>
    public static MapepireTlsPolicy Pinned(X509Certificate2Collection certificates, string? source = null)
    {
        if (certificates.Count == 0) throw new ArgumentException("At least one certificate must be pinned.", nameof(certificates));
        return new(MapepireTlsMode.Pinned, certificates, source);
    }

    /// <summary>Loads a PEM (one or more certificates) or DER file, e.g. DB2i_CA_PATH.</summary>
    public static MapepireTlsPolicy PinnedFromFile(string path)
    {
        X509Certificate2Collection certs = [];
        try
        {
            var bytes = File.ReadAllBytes(path);
            var text = System.Text.Encoding.ASCII.GetString(bytes);
            if (text.Contains("-----BEGIN CERTIFICATE-----", StringComparison.Ordinal)) certs.ImportFromPem(text);
            else certs.Add(X509CertificateLoader.LoadCertificate(bytes));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
        {
            throw new MapepireException(MapepireFailure.Tls, $"DB2i_CA_PATH \"{path}\" could not be read as a PEM or DER certificate: {ex.Message}", inner: ex);
        }
        if (certs.Count == 0)
            throw new MapepireException(MapepireFailure.Tls, $"DB2i_CA_PATH \"{path}\" contains no certificate.");
        return new(MapepireTlsMode.Pinned, certs, path);
    }

    /// <summary>
    /// The mode from the settings: a CA path pins (it wins over the ignore switch, since setting it can only mean
    /// "verify against this"); otherwise DB2i_IGNORE_UNAUTHORIZED=true ignores and false trusts on first use,
    /// matching the reference.
    /// </summary>
    public static MapepireTlsPolicy FromSettings(bool ignoreUnauthorized, string? caPath, bool plain = false) =>
        ModeFor(ignoreUnauthorized, caPath, plain) switch
        {
            MapepireTlsMode.Plain => Plain,
            MapepireTlsMode.Pinned => PinnedFromFile(caPath!),
            MapepireTlsMode.Ignore => Ignore,
            _ => TrustOnFirstUse,
        };

    /// <summary>The mode <see cref="FromSettings"/> chooses, without reading a pinned file.</summary>
    public static MapepireTlsMode ModeFor(bool ignoreUnauthorized, string? caPath, bool plain = false) =>
        plain ? MapepireTlsMode.Plain
        : !string.IsNullOrWhiteSpace(caPath) ? MapepireTlsMode.Pinned
        : ignoreUnauthorized ? MapepireTlsMode.Ignore : MapepireTlsMode.TrustOnFirstUse;

    /// <summary>From DB2i_IGNORE_UNAUTHORIZED and DB2i_CA_PATH. Build it once: a pinned file is read here.</summary>
    internal static MapepireTlsPolicy FromServer(ServerOptions server) =>
        FromSettings(server.Db2iIgnoreUnauthorized, server.Db2iCaPath);

    public MapepireTlsMode Mode { get; }

    /// <summary>Where pinned certificates came from (a path, or "trust on first use"), for messages.</summary>
    public string? Source { get; }

    public IReadOnlyList<X509Certificate2> PinnedCertificates => [.. _pinned];

    /// <summary>Verification against the system's roots (and trust on first use, which keeps it for a publicly trusted
    /// certificate): the process must keep the system trust store (<see cref="Configuration.SystemTrustStore"/>).</summary>
    public bool UsesSystemRoots => UsesSystemRootsIn(Mode);

    public static bool UsesSystemRootsIn(MapepireTlsMode mode) => mode is MapepireTlsMode.Verify or MapepireTlsMode.TrustOnFirstUse;

    /// <summary>True when the composition root must warn at startup: server identity is not checked.</summary>
    public bool IsInsecure => Mode is MapepireTlsMode.Ignore or MapepireTlsMode.Plain;

    /// <summary>The startup warning for insecure modes, or null.</summary>
    public string? StartupWarning => Mode switch
    {
        MapepireTlsMode.Ignore => "Mapepire TLS certificates are NOT verified (DB2i_IGNORE_UNAUTHORIZED=true): anyone on the path can impersonate the IBM i server and read passwords. Set DB2i_CA_PATH or DB2i_IGNORE_UNAUTHORIZED=false.",
        MapepireTlsMode.Plain => "Mapepire runs over plain ws://: IBM i passwords and data cross the network unencrypted.",
        _ => null,
    };

    /// <summary>
    /// The chain policy the handshake builds the server's chain with. When trust is ours to decide (any certificate,
    /// or the pinned ones) the chain is built against the pinned certificates alone, with no revocation check and no
    /// download: a certificate we do not trust never makes this process fetch the URLs it names (AIA, CRL).
    /// System verification keeps the platform's default.
    /// </summary>
    internal X509ChainPolicy? ChainPolicy() =>
        Mode is MapepireTlsMode.Ignore or MapepireTlsMode.Pinned ? ServerChainPolicy.TrustingOnly(_pinned) : null;

    /// <summary>
    /// Decides one handshake. <paramref name="rejection"/> explains a refusal so connect errors can say why.
    /// </summary>
    internal bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, out string? rejection)
    {
        rejection = null;
        switch (Mode)
        {
            case MapepireTlsMode.Ignore:
            case MapepireTlsMode.Plain:
                return true;
            case MapepireTlsMode.Verify:
            case MapepireTlsMode.TrustOnFirstUse: // unresolved TOFU never reaches a socket; verify if it does
                if (errors == SslPolicyErrors.None) return true;
                rejection = OutOfDate(chain) ?? Describe(errors);
                return false;
        }

        if (certificate is null || (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0)
        {
            rejection = "the server presented no certificate";
            return false;
        }
        if ((errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0)
        {
            // IBM i's generated certificate names only the FQDN (no SAN, spec §1.3): say which name would work.
            rejection = $"the certificate does not match the host name (it is issued to {certificate.Subject}; connect with that name)";
            return false;
        }
        // The handshake built the chain under ChainPolicy(): the pinned certificates as the only roots, the TLS server
        // usage, nothing downloaded. No error means it reached one of them; building it again would only cost time.
        if (errors == SslPolicyErrors.None) return true;
        var leaf = certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
        // Pinning a certificate trusts its key, not beyond its dates: an expired pinned certificate is refused like any other.
        if (OutOfDate(leaf) is { } dates)
        {
            rejection = dates;
            return false;
        }
        foreach (var pinned in _pinned)
            if (pinned.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span)) return true;

        // Once more with every certificate the server sent, under the same policy: a refused certificate must not make
        // this process fetch the addresses it names, nor pass for a server with a usage that excludes it.
        using var custom = new X509Chain { ChainPolicy = ChainPolicy()! };
        if (chain is not null)
        {
            foreach (var element in chain.ChainElements)
                if (!element.Certificate.RawDataMemory.Span.SequenceEqual(leaf.RawDataMemory.Span))
                    custom.ChainPolicy.ExtraStore.Add(element.Certificate);
            custom.ChainPolicy.ExtraStore.AddRange(chain.ChainPolicy.ExtraStore);
        }
        try
        {
            if (custom.Build(leaf)) return true;
            rejection = OutOfDate(custom)
                ?? (custom.ChainStatus.Any(s => s.Status == X509ChainStatusFlags.NotValidForUsage)
                    ? $"the certificate is not issued for TLS server authentication (its extended key usage excludes it; pinned: {Source ?? "pinned"})"
                    : $"the certificate is not signed by the pinned certificate ({Source ?? "pinned"})");
            return false;
        }
        finally { ServerChainPolicy.DisposeElements(custom); }
    }

    /// <summary>Why a certificate of the chain is outside its dates (expired, or not yet valid), or null.</summary>
    private static string? OutOfDate(X509Chain? chain)
    {
        if (chain is null) return null;
        foreach (var element in chain.ChainElements)
            if (OutOfDate(element.Certificate) is { } dates) return dates;
        return null;
    }

    private static string? OutOfDate(X509Certificate2 certificate)
    {
        var now = DateTime.Now;
        if (now >= certificate.NotBefore && now <= certificate.NotAfter) return null;
        var verb = now > certificate.NotAfter ? "expired on" : "is not valid before";
        var when = now > certificate.NotAfter ? certificate.NotAfter : certificate.NotBefore;
        return $"the certificate {certificate.Subject} {verb} {when.ToUniversalTime():yyyy-MM-dd HH:mm} UTC";
    }

    private static string Describe(SslPolicyErrors errors) =>
        (errors & SslPolicyErrors.RemoteCertificateNameMismatch) != 0 ? "the certificate does not match the host name"
        : (errors & SslPolicyErrors.RemoteCertificateNotAvailable) != 0 ? "the server presented no certificate"
        : "the certificate is not trusted by the system roots (self-signed? set DB2i_CA_PATH or DB2i_IGNORE_UNAUTHORIZED=false)";

    /// <summary>
    /// Trust on first use: handshake without verifying, take the root of what the server presents and pin it. When
    /// that chain is already trusted by the system roots, plain verification is kept (as the reference does).
    /// </summary>
    internal static async Task<MapepireTlsPolicy> ResolveTrustOnFirstUseAsync(string host, int port, TimeSpan timeout, CancellationToken ct)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        cts.CancelAfter(timeout);
        X509Certificate2? root = null;
        var publiclyTrusted = false;
        try
        {
            using var tcp = new TcpClient();
            await tcp.ConnectAsync(host, port, cts.Token).ConfigureAwait(false);
            await using var ssl = new SslStream(tcp.GetStream(), leaveInnerStreamOpen: false);
            await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
            {
                TargetHost = host,
                RemoteCertificateValidationCallback = (_, cert, chain, errors) =>
                {
                    publiclyTrusted = errors == SslPolicyErrors.None;
                    if (chain is { ChainElements.Count: > 0 })
                    {
                        // The last element is the self-signed root when the server sent one, else the top of what it sent.
                        var top = chain.ChainElements[^1].Certificate;
                        root = X509CertificateLoader.LoadCertificate(top.RawDataMemory.Span);
                    }
                    else if (cert is not null)
                    {
                        root = X509CertificateLoader.LoadCertificate(cert.GetRawCertData());
                    }
                    return true;
                },
            }, cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new MapepireException(MapepireFailure.Timeout, $"Fetching the certificate of {host}:{port} timed out after {(int)timeout.TotalMilliseconds} ms.");
        }
        catch (SocketException ex)
        {
            throw new MapepireException(MapepireFailure.Unreachable, $"Cannot reach the IBM i Mapepire server {host}:{port}: {ex.Message}", inner: ex);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException)
        {
            throw new MapepireException(MapepireFailure.Tls, $"TLS handshake with {host}:{port} failed while fetching its certificate: {ex.Message}", inner: ex);
        }
        if (publiclyTrusted) return Verify;
        if (root is null) throw new MapepireException(MapepireFailure.Tls, $"The Mapepire server {host}:{port} presented no certificate.");
        return new(MapepireTlsMode.Pinned, [root], "trust on first use");
    }
}

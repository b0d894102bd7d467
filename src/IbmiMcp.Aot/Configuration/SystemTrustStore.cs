using System.Net.Security;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IbmiMcp.Configuration;

/// <summary>
/// The system's trust store (the ~150 certificate files of /etc/ssl/certs) costs tens of milliseconds of CPU to load,
/// and .NET loads it on the first TLS handshake of a process whether or not the handshake trusts it: a chain is built
/// for every server certificate, and the chain builder reads the system roots and intermediates even when the caller
/// trusts only its own certificates (measured in bench/RESULTS.md, issue 28: a CLI call 66 → ~10 ms of CPU). Each
/// entry point decides once, before its first connection, whether any TLS client it will run verifies against the
/// system roots; when none does (Mapepire pinned or not verified, no HTTPS identity provider), the process points
/// OpenSSL's documented SSL_CERT_FILE and SSL_CERT_DIR at nothing. That only takes trust away: a handshake that
/// unexpectedly wanted the system roots is refused, never accepted.
/// A client that verifies against the system roots only now and then (client metadata documents of the OAuth server)
/// does not keep the whole process on the store: it validates with <see cref="ValidateWithSystemRoots"/>, which loads
/// the roots from where OpenSSL would have read them, once, on the first handshake that needs them.
/// </summary>
internal static unsafe class SystemTrustStore
{
    private static int s_decided;
    // SSL_CERT_FILE and SSL_CERT_DIR as the process started with them (null: OpenSSL's defaults, looked up on first use).
    private static string? s_certFile;
    private static string? s_certDir;
    private static X509Certificate2Collection? s_roots;

    /// <summary>True once this process has chosen to run without the system roots.</summary>
    public static bool Skipped { get; private set; }

    /// <summary>The first call decides for the process; later calls change nothing (a process serves one configuration).</summary>
    public static void UseOnlyIfNeeded(bool needed)
    {
        if (Interlocked.Exchange(ref s_decided, 1) != 0 || needed || !OperatingSystem.IsLinux())
            return;
        // OpenSSL (and .NET's chain builder, which asks OpenSSL where the roots are) read these with getenv(3), so
        // they are set in the C library's environment, not only in .NET's copy of it.
        if (!NativeLibrary.TryLoad("libc.so.6", out var libc) || !NativeLibrary.TryGetExport(libc, "setenv", out var export))
            return;
        var setenv = (delegate* unmanaged<byte*, byte*, int, int>)export;
        s_certFile = Environment.GetEnvironmentVariable("SSL_CERT_FILE");
        s_certDir = Environment.GetEnvironmentVariable("SSL_CERT_DIR");
        Set(setenv, "SSL_CERT_FILE"u8, "/dev/null"u8);
        Set(setenv, "SSL_CERT_DIR"u8, "/nonexistent/ibmi-mcp-system-roots-unused"u8);
        Skipped = true;
    }

    private static void Set(delegate* unmanaged<byte*, byte*, int, int> setenv, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        Span<byte> n = stackalloc byte[name.Length + 1];
        Span<byte> v = stackalloc byte[value.Length + 1];
        name.CopyTo(n);
        value.CopyTo(v);
        n[^1] = 0;
        v[^1] = 0;
        fixed (byte* pn = n)
        fixed (byte* pv = v)
            _ = setenv(pn, pv, 1);
    }

    /// <summary>
    /// Certificate validation for an HTTPS client that trusts the system roots, usable whether or not this process
    /// skipped them: when it did not, the framework's own verdict stands; when it did, a chain that failed only for want
    /// of roots is built again against the system roots, loaded once. A name mismatch or a missing certificate is never
    /// forgiven, and no intermediate is downloaded (a certificate's AIA address is chosen by whoever made it).
    /// </summary>
    public static bool ValidateWithSystemRoots(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors)
        => Validate(certificate, chain, errors, Skipped, static () => Roots);

    internal static bool Validate(X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors, bool skipped, Func<X509Certificate2Collection> roots)
    {
        if (errors == SslPolicyErrors.None) return true;
        if (!skipped || errors != SslPolicyErrors.RemoteCertificateChainErrors || certificate is not X509Certificate2 leaf) return false;
        return BuildsTo(leaf, chain?.ChainPolicy.ExtraStore, roots());
    }

    /// <summary>True when <paramref name="leaf"/> chains, through <paramref name="intermediates"/>, to one of
    /// <paramref name="roots"/>, under <see cref="ServerChainPolicy"/>.</summary>
    internal static bool BuildsTo(X509Certificate2 leaf, X509Certificate2Collection? intermediates, X509Certificate2Collection roots)
    {
        using var chain = new X509Chain { ChainPolicy = ServerChainPolicy.TrustingOnly(roots) };
        if (intermediates is not null) chain.ChainPolicy.ExtraStore.AddRange(intermediates);
        try { return chain.Build(leaf); }
        finally { ServerChainPolicy.DisposeElements(chain); }
    }

    /// <summary>The system roots from where OpenSSL reads them (SSL_CERT_FILE, SSL_CERT_DIR, or its built-in paths, as
    /// they were when the process started), loaded on first use and kept.</summary>
    internal static X509Certificate2Collection Roots => LazyInitializer.EnsureInitialized(ref s_roots, static () =>
    {
        var (file, directories) = OpenSslRootLocations(s_certFile, s_certDir);
        return LoadRoots(file, directories);
    });

    internal static X509Certificate2Collection LoadRoots(string? file, IEnumerable<string> directories)
    {
        var roots = new X509Certificate2Collection();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        void Add(string path)
        {
            var found = new X509Certificate2Collection();
            try { found.ImportFromPemFile(path); }
            catch (Exception ex) when (ex is CryptographicException or IOException or UnauthorizedAccessException) { return; }
            foreach (var certificate in found)
            {
                if (seen.Add(certificate.Thumbprint)) roots.Add(certificate);
                else certificate.Dispose();
            }
        }
        if (file is not null && File.Exists(file)) Add(file);
        foreach (var directory in directories)
        {
            if (!Directory.Exists(directory)) continue;
            foreach (var path in Directory.EnumerateFiles(directory)) Add(path);
        }
        return roots;
    }

    /// <summary>Where OpenSSL (and .NET's store on Linux) would read the roots: the environment first, else its defaults.</summary>
    private static (string? File, string[] Directories) OpenSslRootLocations(string? file, string? dirs)
    {
        if (file is null || dirs is null)
        {
            string? defaultFile = null, defaultDir = null;
            foreach (var name in (ReadOnlySpan<string>)["libcrypto.so.3", "libcrypto.so.1.1"])
            {
                if (!NativeLibrary.TryLoad(name, out var libcrypto)) continue;
                defaultFile = DefaultPath(libcrypto, "X509_get_default_cert_file");
                defaultDir = DefaultPath(libcrypto, "X509_get_default_cert_dir");
                break;
            }
            file ??= defaultFile ?? "/etc/ssl/certs/ca-certificates.crt";
            dirs ??= defaultDir ?? "/etc/ssl/certs";
        }
        return (file, dirs.Split(':', StringSplitOptions.RemoveEmptyEntries));
    }

    private static string? DefaultPath(IntPtr libcrypto, string export)
        => NativeLibrary.TryGetExport(libcrypto, export, out var function)
            ? Marshal.PtrToStringUTF8((IntPtr)((delegate* unmanaged<byte*>)function)())
            : null;
}

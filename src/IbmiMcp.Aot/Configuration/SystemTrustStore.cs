using System.Runtime.InteropServices;

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
/// </summary>
internal static unsafe class SystemTrustStore
{
    private static int s_decided;

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
}

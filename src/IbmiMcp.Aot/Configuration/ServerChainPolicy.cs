using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IbmiMcp.Configuration;

/// <summary>
/// How this process checks a TLS server's chain whenever it chooses the roots itself (a pinned Mapepire certificate or
/// CA, the system roots loaded for client metadata documents): only those roots, the TLS server-authentication usage
/// (what SslStream asks of an empty list; stated so a chain built outside a handshake asks it too), no revocation
/// check, and nothing downloaded — a certificate's AIA and CRL addresses are chosen by whoever made it.
/// </summary>
internal static class ServerChainPolicy
{
    private static readonly Oid ServerAuthentication = new("1.3.6.1.5.5.7.3.1", "Server Authentication");

    public static X509ChainPolicy TrustingOnly(X509Certificate2Collection roots)
    {
        var policy = new X509ChainPolicy
        {
            TrustMode = X509ChainTrustMode.CustomRootTrust,
            RevocationMode = X509RevocationMode.NoCheck,
            DisableCertificateDownloads = true,
        };
        policy.ApplicationPolicy.Add(ServerAuthentication);
        policy.CustomTrustStore.AddRange(roots);
        return policy;
    }

    /// <summary>
    /// Disposes the certificates a <see cref="X509Chain.Build"/> made for its elements: the chain owns them, but
    /// disposing the chain does not free them, and each holds a native certificate until a finalizer runs.
    /// </summary>
    public static void DisposeElements(X509Chain chain)
    {
        foreach (var element in chain.ChainElements)
            element.Certificate.Dispose();
    }
}

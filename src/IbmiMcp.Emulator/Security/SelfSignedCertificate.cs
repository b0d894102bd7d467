using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IbmiMcp.Emulator.Security;

/// <summary>
/// The emulator's TLS identity: a self-signed certificate (subject = issuer, CN=localhost, SAN DNS:localhost and
/// IP:127.0.0.1) so hostname-checking clients can pin it, or a PEM pair from disk.
/// </summary>
internal static class SelfSignedCertificate
{
    private static readonly Lazy<X509Certificate2> Shared = new(Create);

    /// <summary>One generated certificate per process: key generation is the slowest part of starting a host.</summary>
    public static X509Certificate2 Get() => Shared.Value;

    public static X509Certificate2 Create()
    {
        using var rsa = RSA.Create(2048);
        var req = new CertificateRequest("CN=localhost, OU=Web Socket Server, O=Db2 for IBM i emulator", rsa, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        san.AddIpAddress(IPAddress.IPv6Loopback);
        req.CertificateExtensions.Add(san.Build());
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.KeyCertSign, false));
        req.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        req.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(req.PublicKey, false));
        using var cert = req.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(10));
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(cert.Export(X509ContentType.Pkcs12), null);
    }

    public static X509Certificate2 Load(string certPem, string keyPem)
    {
        using var pem = X509Certificate2.CreateFromPemFile(certPem, keyPem);
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }
}

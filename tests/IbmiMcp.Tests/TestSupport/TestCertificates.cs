using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace IbmiMcp.Tests.TestSupport;

/// <summary>A private CA and a server certificate it signed, as PEM files (what a shop's internal PKI hands out).</summary>
internal static class TestCertificates
{
    public static (string CaPath, string CertPath, string KeyPath) WriteCaAndServer(string dir, string ip)
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=ibmi-mcp test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Parse(ip));
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), RandomNumberGenerator.GetBytes(8));

        var caPath = Path.Combine(dir, "ca.pem");
        var certPath = Path.Combine(dir, "server.pem");
        var keyPath = Path.Combine(dir, "server.key");
        File.WriteAllText(caPath, ca.ExportCertificatePem());
        File.WriteAllText(certPath, server.ExportCertificatePem());
        File.WriteAllText(keyPath, serverKey.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(keyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        return (caPath, certPath, keyPath);
    }
}

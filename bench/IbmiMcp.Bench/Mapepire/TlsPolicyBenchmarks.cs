using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using BenchmarkDotNet.Attributes;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Bench.Mapepire;

/// <summary>
/// The trust decision for one Mapepire connection under a pinned CA (DB2i_CA_PATH naming the shop's CA, Mapepire's
/// certificate signed by it). The handshake has already built the chain under the pool's policy; <c>Accepted</c> is
/// what a connection costs when that chain reached the CA, <c>Rebuilt</c> what it costs when the decision builds the
/// chain once more (as every CA-pinned connection did before the decision trusted the handshake's chain).
/// </summary>
[MemoryDiagnoser]
public class TlsPolicyBenchmarks
{
    private MapepireTlsPolicy _policy = null!;
    private X509Certificate2 _server = null!;
    private X509Chain _chain = null!;

    [GlobalSetup]
    public void Setup()
    {
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=bench CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using var serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=localhost", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), [1, 2, 3, 4]);
        _server = X509CertificateLoader.LoadCertificate(server.RawData);
        _policy = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(ca.RawData)], "ca.pem");
        _chain = new X509Chain { ChainPolicy = _policy.ChainPolicy()! };
        if (!_chain.Build(_server)) throw new InvalidOperationException("the bench chain does not build");
    }

    [Benchmark(Baseline = true)]
    public bool Accepted() => _policy.Validate(_server, _chain, SslPolicyErrors.None, out _);

    /// <summary>The same certificate through the rebuild (reached when the handshake's chain did not build).</summary>
    [Benchmark]
    public bool Rebuilt() => _policy.Validate(_server, _chain, SslPolicyErrors.RemoteCertificateChainErrors, out _);
}

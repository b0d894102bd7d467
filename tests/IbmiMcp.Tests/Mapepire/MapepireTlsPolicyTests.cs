using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class MapepireTlsPolicyTests
{
    private static readonly X509Certificate2 s_serverCert = FakeMapepireServer.CreateCertificate();

    private static FakeMapepireServer TlsServer() => FakeMapepireServer.Responding(new FakeTable(1).Reply, s_serverCert);

    [Fact]
    public async Task Ignore_accepts_a_self_signed_certificate()
    {
        await using var server = TlsServer();
        await using var connection = await MapepireConnectionTests.OpenAsync(server.Port, tls: MapepireTlsPolicy.Ignore);
        Assert.False(connection.IsBroken);
        Assert.True(MapepireTlsPolicy.Ignore.IsInsecure);
        Assert.NotNull(MapepireTlsPolicy.Ignore.StartupWarning);
    }

    [Fact]
    public async Task Verify_refuses_a_self_signed_certificate_as_a_tls_failure()
    {
        await using var server = TlsServer();
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port, tls: MapepireTlsPolicy.Verify));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
    }

    [Fact]
    public async Task Pinning_the_server_certificate_accepts_it()
    {
        await using var server = TlsServer();
        var pinned = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(s_serverCert.RawData)]);
        await using var connection = await MapepireConnectionTests.OpenAsync(server.Port, tls: pinned);
        Assert.False(connection.IsBroken);
        Assert.False(pinned.IsInsecure);
    }

    [Fact]
    public async Task Pinning_a_different_certificate_refuses_the_server()
    {
        await using var server = TlsServer();
        using var other = FakeMapepireServer.CreateCertificate();
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port,
            tls: MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(other.RawData)])));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
        Assert.Contains("pinned", ex.Message);
    }

    [Fact]
    public async Task Pinning_keeps_the_host_name_check()
    {
        using var cert = FakeMapepireServer.CreateCertificate("ibmi.example");
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply, cert);
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port, host: "localhost",
            tls: MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(cert.RawData)])));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
        Assert.Contains("host name", ex.Message);
    }

    [Fact]
    public async Task Pinned_certificates_load_from_pem_and_der_files()
    {
        var dir = Directory.CreateTempSubdirectory();
        try
        {
            var pem = Path.Combine(dir.FullName, "ca.pem");
            var der = Path.Combine(dir.FullName, "ca.der");
            await File.WriteAllTextAsync(pem, s_serverCert.ExportCertificatePem());
            await File.WriteAllBytesAsync(der, s_serverCert.RawData);
            await using var server = TlsServer();
            foreach (var path in new[] { pem, der })
            {
                var policy = MapepireTlsPolicy.FromSettings(ignoreUnauthorized: true, caPath: path);
                Assert.Equal(MapepireTlsMode.Pinned, policy.Mode);
                await using var connection = await MapepireConnectionTests.OpenAsync(server.Port, tls: policy);
                Assert.False(connection.IsBroken);
            }
            var junk = Path.Combine(dir.FullName, "junk.pem");
            await File.WriteAllTextAsync(junk, "not a certificate");
            Assert.Equal(MapepireFailure.Tls, Assert.Throws<MapepireException>(() => MapepireTlsPolicy.PinnedFromFile(junk)).Failure);
        }
        finally { dir.Delete(recursive: true); }
    }

    [Fact]
    public void Settings_choose_the_mode_like_the_reference()
    {
        Assert.Same(MapepireTlsPolicy.Ignore, MapepireTlsPolicy.FromSettings(ignoreUnauthorized: true, caPath: null));
        Assert.Same(MapepireTlsPolicy.TrustOnFirstUse, MapepireTlsPolicy.FromSettings(ignoreUnauthorized: false, caPath: null));
        Assert.Same(MapepireTlsPolicy.Plain, MapepireTlsPolicy.FromSettings(ignoreUnauthorized: false, caPath: null, plain: true));
    }

    [Fact]
    public async Task Trust_on_first_use_pins_the_servers_root_for_the_pool()
    {
        await using var server = TlsServer();
        var endpoint = new MapepireEndpoint("127.0.0.1", server.Port, MapepireTlsPolicy.TrustOnFirstUse);
        await using var pool = await MapepirePool.OpenAsync(endpoint, new MapepireCredentials("MCPUSER", "mcppass1"),
            new MapepirePoolOptions { PoolStart = 1, PoolMax = 2 });
        Assert.Equal(MapepireTlsMode.Pinned, pool.Endpoint!.Tls.Mode);
        Assert.Equal(s_serverCert.Thumbprint, pool.Endpoint.Tls.PinnedCertificates.Single().Thumbprint);
        using var result = await pool.ExecuteAsync(new SqlCommand { Sql = "select * from t" }, CancellationToken.None);
        Assert.Single(result.Rows);
    }
}

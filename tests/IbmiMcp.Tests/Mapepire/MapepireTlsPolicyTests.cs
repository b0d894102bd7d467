using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Mapepire;

namespace IbmiMcp.Tests.Mapepire;

public sealed class MapepireTlsPolicyTests
{
    private static readonly X509Certificate2 s_serverCert = FakeMapepireServer.CreateCertificate();

    private static FakeMapepireServer TlsServer() => FakeMapepireServer.Responding(new FakeTable(1).Reply, s_serverCert);

    /// <summary>Connects by the name "localhost" to a server presenting <paramref name="presented"/> with
    /// <paramref name="pinned"/> pinned; asserts a TLS refusal and returns its message.</summary>
    private static async Task<string> RefusalAsync(X509Certificate2 presented, X509Certificate2 pinned, string? source = null)
    {
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply, presented);
        var ex = await Assert.ThrowsAsync<MapepireException>(() => MapepireConnectionTests.OpenAsync(server.Port, host: "localhost",
            tls: MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(pinned.RawData)], source)));
        Assert.Equal(MapepireFailure.Tls, ex.Failure);
        return ex.Message;
    }

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
    public async Task A_pinned_certificate_that_has_expired_is_refused_and_the_reason_says_so()
    {
        // docs/troubleshooting.md: a pinned leaf certificate must be replaced when it expires (a pinned CA outlives renewals).
        using var expired = FakeMapepireServer.CreateCertificate(notAfter: DateTimeOffset.UtcNow.AddDays(-2));
        Assert.Contains("expired on", await RefusalAsync(presented: expired, pinned: expired));
    }

    [Fact]
    public async Task Under_a_pinned_ca_an_expired_server_certificate_is_refused_as_expired()
    {
        using var ca = FakeMapepireServer.CreateCa();
        using var expired = FakeMapepireServer.CreateSignedBy(ca, notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        Assert.Contains("expired on", await RefusalAsync(presented: expired, pinned: ca));
    }

    [Fact]
    public async Task Pinning_a_different_certificate_refuses_the_server()
    {
        using var other = FakeMapepireServer.CreateCertificate();
        Assert.Contains("pinned", await RefusalAsync(presented: s_serverCert, pinned: other));
    }

    [Fact]
    public async Task Pinning_keeps_the_host_name_check()
    {
        using var cert = FakeMapepireServer.CreateCertificate("ibmi.example");
        Assert.Contains("host name", await RefusalAsync(presented: cert, pinned: cert));
    }

    [Fact]
    public async Task Pinning_a_ca_accepts_the_server_certificates_it_signed_and_no_other()
    {
        using var ca = FakeMapepireServer.CreateCa();
        using var signed = FakeMapepireServer.CreateSignedBy(ca);
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply, signed);
        var pinned = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(ca.RawData)], "ca.pem");
        await using (var connection = await MapepireConnectionTests.OpenAsync(server.Port, host: "localhost", tls: pinned))
            Assert.False(connection.IsBroken);

        using var stranger = FakeMapepireServer.CreateCa("another CA");
        Assert.Contains("not signed by the pinned certificate (other.pem)", await RefusalAsync(presented: signed, pinned: stranger, "other.pem"));
    }

    [Fact]
    public async Task Pinning_the_root_accepts_a_server_that_sends_its_intermediate_ca()
    {
        // Root -> intermediate -> Mapepire: the shop pins its root; the server sends its certificate and the intermediate.
        using var root = FakeMapepireServer.CreateCa("shop root");
        using var intermediate = FakeMapepireServer.CreateCa("shop issuing CA", issuer: root);
        using var signed = FakeMapepireServer.CreateSignedBy(intermediate);
        await using var server = FakeMapepireServer.Responding(new FakeTable(1).Reply, signed);
        server.Intermediates = [X509CertificateLoader.LoadCertificate(intermediate.RawData)];
        var pinned = MapepireTlsPolicy.Pinned([X509CertificateLoader.LoadCertificate(root.RawData)], "root.pem");
        await using var connection = await MapepireConnectionTests.OpenAsync(server.Port, host: "localhost", tls: pinned);
        Assert.False(connection.IsBroken);
    }

    [Fact]
    public async Task Pinning_a_ca_refuses_a_certificate_it_signed_for_client_authentication_only()
    {
        // Signed by the pinned CA, but for TLS clients: a user certificate of the same PKI must not pass for the server.
        using var ca = FakeMapepireServer.CreateCa();
        using var clientOnly = FakeMapepireServer.CreateSignedBy(ca, usages: ["1.3.6.1.5.5.7.3.2"]);
        Assert.Contains("not issued for TLS server authentication", await RefusalAsync(presented: clientOnly, pinned: ca));
    }

    [Fact]
    public async Task A_refused_certificate_never_makes_the_process_fetch_the_issuer_it_names()
    {
        // The certificate names where its issuer can be downloaded (AIA): a hostile server could point that anywhere
        // the process can reach. Refusing it must not cost a request there.
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        using var unknownCa = FakeMapepireServer.CreateCa("unknown CA");
        using var signed = FakeMapepireServer.CreateSignedBy(unknownCa, caIssuersUrl: $"http://127.0.0.1:{port}/ca.cer");
        using var pinnedCa = FakeMapepireServer.CreateCa();
        await RefusalAsync(presented: signed, pinned: pinnedCa);
        Assert.False(listener.Pending(), "the issuer address named by the refused certificate was fetched");
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

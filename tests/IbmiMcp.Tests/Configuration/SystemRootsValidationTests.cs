using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using IbmiMcp.Configuration;
using IbmiMcp.Tests.BlackBox;
using IbmiMcp.Tests.TestSupport;

namespace IbmiMcp.Tests;

/// <summary>
/// The system roots loaded on demand (SystemTrustStore.ValidateWithSystemRoots): a client that verifies against them in
/// a process that skipped the store must accept what the store would have accepted and nothing more.
/// </summary>
public sealed class SystemRootsValidationTests
{
    private readonly string _dir = ServerProcess.CreateEmptyDirectory();

    [Fact]
    public void A_certificate_chains_only_to_the_roots_that_signed_it()
    {
        var (caPath, certPath, _) = TestCertificates.WriteCaAndServer(_dir, "127.0.0.1");
        var (otherCaPath, _, _) = TestCertificates.WriteCaAndServer(ServerProcess.CreateEmptyDirectory(), "127.0.0.1");
        using var leaf = X509Certificate2.CreateFromPem(File.ReadAllText(certPath));

        Assert.True(SystemTrustStore.BuildsTo(leaf, null, SystemTrustStore.LoadRoots(caPath, [])));
        Assert.False(SystemTrustStore.BuildsTo(leaf, null, SystemTrustStore.LoadRoots(otherCaPath, [])));
        Assert.False(SystemTrustStore.BuildsTo(leaf, null, []));
    }

    [Fact]
    public void A_self_signed_leaf_in_the_roots_is_trusted_and_one_outside_is_not()
    {
        using var self = IbmiMcp.Emulator.Security.SelfSignedCertificate.Create();
        var path = Path.Combine(_dir, "self.pem");
        File.WriteAllText(path, self.ExportCertificatePem());
        using var leaf = X509Certificate2.CreateFromPem(self.ExportCertificatePem());
        Assert.True(SystemTrustStore.BuildsTo(leaf, null, SystemTrustStore.LoadRoots(path, [])));
        using var other = IbmiMcp.Emulator.Security.SelfSignedCertificate.Create();
        Assert.False(SystemTrustStore.BuildsTo(other, null, SystemTrustStore.LoadRoots(path, [])));
    }

    [Fact]
    public void Roots_come_from_the_file_and_every_directory_once_each_and_unreadable_files_are_skipped()
    {
        var (caPath, _, _) = TestCertificates.WriteCaAndServer(_dir, "127.0.0.1");
        var (secondCa, _, _) = TestCertificates.WriteCaAndServer(ServerProcess.CreateEmptyDirectory(), "127.0.0.1");
        var directory = Path.Combine(_dir, "certs");
        Directory.CreateDirectory(directory);
        File.Copy(caPath, Path.Combine(directory, "same-as-the-file.pem"));          // a hash link's twin: counted once
        File.Copy(secondCa, Path.Combine(directory, "second.pem"));
        File.WriteAllText(Path.Combine(directory, "README"), "not a certificate");

        var roots = SystemTrustStore.LoadRoots(caPath, [directory, Path.Combine(_dir, "missing")]);
        Assert.Equal(2, roots.Count);
        Assert.Empty(SystemTrustStore.LoadRoots(Path.Combine(_dir, "none.pem"), []));
    }

    [Fact]
    public void A_name_mismatch_or_a_missing_certificate_is_never_forgiven_and_chain_errors_only_when_the_store_was_skipped()
    {
        using var self = IbmiMcp.Emulator.Security.SelfSignedCertificate.Create();
        var path = Path.Combine(_dir, "roots.pem");
        File.WriteAllText(path, self.ExportCertificatePem());
        var loads = 0;
        X509Certificate2Collection Roots() { loads++; return SystemTrustStore.LoadRoots(path, []); }

        Assert.True(SystemTrustStore.Validate(self, null, SslPolicyErrors.None, skipped: true, Roots));
        Assert.False(SystemTrustStore.Validate(self, null, SslPolicyErrors.RemoteCertificateNameMismatch, skipped: true, Roots));
        Assert.False(SystemTrustStore.Validate(null, null, SslPolicyErrors.RemoteCertificateNotAvailable, skipped: true, Roots));
        Assert.False(SystemTrustStore.Validate(self, null,
            SslPolicyErrors.RemoteCertificateChainErrors | SslPolicyErrors.RemoteCertificateNameMismatch, skipped: true, Roots));
        Assert.Equal(0, loads);
        // A process that kept its store: the framework's verdict on the chain stands.
        Assert.False(SystemTrustStore.Validate(self, null, SslPolicyErrors.RemoteCertificateChainErrors, skipped: false, Roots));
        Assert.Equal(0, loads);
        // A process that skipped it: the chain is built again against the system roots.
        Assert.True(SystemTrustStore.Validate(self, null, SslPolicyErrors.RemoteCertificateChainErrors, skipped: true, Roots));
        using var stranger = IbmiMcp.Emulator.Security.SelfSignedCertificate.Create();
        Assert.False(SystemTrustStore.Validate(stranger, null, SslPolicyErrors.RemoteCertificateChainErrors, skipped: true, Roots));
    }
}

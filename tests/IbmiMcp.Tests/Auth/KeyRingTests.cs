using System.Security.Cryptography;
using IbmiMcp.Auth;

namespace IbmiMcp.Tests.Auth;

public sealed class KeyRingTests : IDisposable
{
    private readonly TestKeys _files = new();

    public void Dispose() => _files.Dispose();

    private (KeyRing? Ring, List<string> Errors) Load(string? keyId = "k1", string? priv = null, string? pub = null, string? retired = null)
    {
        var errors = new List<string>();
        var ring = KeyRing.Load(keyId, priv ?? _files.PrivatePath, pub ?? _files.PublicPath, retired, errors);
        return (ring, errors);
    }

    [Fact]
    public void Active_key_and_its_public_pem_are_served_verbatim()
    {
        var (ring, errors) = Load();
        Assert.Empty(errors);
        using (ring)
        {
            Assert.Equal("k1", ring!.ActiveKeyId);
            Assert.Equal(File.ReadAllText(_files.PublicPath), ring.ActivePublicKeyPem);
            Assert.True(ring.TryGetPrivateKey("k1", out _));
            Assert.False(ring.TryGetPrivateKey("k2", out _));
        }
    }

    [Fact]
    public void Refuses_to_start_when_the_private_key_is_readable_by_group_or_others()
    {
        File.SetUnixFileMode(_files.PrivatePath, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead);
        var (ring, errors) = Load();
        Assert.Null(ring);
        var message = Assert.Single(errors);
        Assert.Contains("accessible by group or others (mode 0640)", message);
        Assert.Contains("chmod 600", message);
    }

    [Fact]
    public void Refuses_keys_shorter_than_2048_bits()
    {
        using var small = RSA.Create(1024);
        TestKeys.WritePrivate(_files.PrivatePath, small);
        File.WriteAllText(_files.PublicPath, small.ExportSubjectPublicKeyInfoPem());
        var (ring, errors) = Load();
        Assert.Null(ring);
        Assert.Contains("1024 bits; at least 2048", Assert.Single(errors));
    }

    [Fact]
    public void Refuses_a_public_key_that_is_not_the_private_keys_pair()
    {
        File.WriteAllText(_files.PublicPath, TestKeys.Secondary.ExportSubjectPublicKeyInfoPem());
        var (ring, errors) = Load();
        Assert.Null(ring);
        Assert.Contains("is not the public half", Assert.Single(errors));
    }

    [Fact]
    public void Missing_settings_are_each_named()
    {
        var errors = new List<string>();
        Assert.Null(KeyRing.Load(null, null, " ", null, errors));
        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_KEY_ID"));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_PRIVATE_KEY_PATH"));
        Assert.Contains(errors, e => e.StartsWith("IBMI_AUTH_PUBLIC_KEY_PATH"));
    }

    [Fact]
    public void Garbage_or_public_only_private_key_files_are_refused()
    {
        File.WriteAllText(_files.PrivatePath, "not a key");
        Assert.Contains("not an unencrypted RSA private key", Assert.Single(Load().Errors));
        TestKeys.WritePrivate(_files.PrivatePath, TestKeys.Primary);
        File.WriteAllText(_files.PrivatePath, TestKeys.Primary.ExportSubjectPublicKeyInfoPem());
        Assert.Contains("holds a public key", Assert.Single(Load().Errors));
    }

    [Fact]
    public void Retired_keys_are_loaded_by_file_name_and_checked_like_the_active_one()
    {
        var dir = _files.AddRetired("2025-key");
        var (ring, errors) = Load(retired: dir);
        Assert.Empty(errors);
        using (ring) Assert.True(ring!.TryGetPrivateKey("2025-key", out _));

        File.SetUnixFileMode(Path.Combine(dir, "2025-key.pem"), UnixFileMode.UserRead | UnixFileMode.OtherRead);
        Assert.Contains("IBMI_AUTH_RETIRED_KEYS_DIR", Assert.Single(Load(retired: dir).Errors));
    }

    [Fact]
    public void A_retired_file_named_like_the_active_key_is_an_error()
    {
        var dir = _files.AddRetired("k1");
        Assert.Contains("the active IBMI_AUTH_KEY_ID", Assert.Single(Load(retired: dir).Errors));
    }
}

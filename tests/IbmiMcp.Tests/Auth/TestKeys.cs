using System.Security.Cryptography;

namespace IbmiMcp.Tests.Auth;

/// <summary>RSA key files in a private temp directory, as the server expects them (0600 private, 0644 public).</summary>
internal sealed class TestKeys : IDisposable
{
    // Key generation costs ~0.1 s each; share them across tests (they are never mutated).
    private static readonly Lazy<RSA> s_primary = new(() => RSA.Create(2048));
    private static readonly Lazy<RSA> s_secondary = new(() => RSA.Create(2048));

    public TestKeys()
    {
        Dir = Directory.CreateTempSubdirectory("ibmi-auth-test-").FullName;
        PrivatePath = Path.Combine(Dir, "private.pem");
        PublicPath = Path.Combine(Dir, "public.pem");
        WritePrivate(PrivatePath, Primary);
        File.WriteAllText(PublicPath, Primary.ExportSubjectPublicKeyInfoPem());
    }

    public static RSA Primary => s_primary.Value;
    public static RSA Secondary => s_secondary.Value;
    public string Dir { get; }
    public string PrivatePath { get; }
    public string PublicPath { get; }

    /// <summary>Creates a retired-keys directory holding <paramref name="keyId"/>.pem = the secondary key.</summary>
    public string AddRetired(string keyId)
    {
        var dir = Path.Combine(Dir, "retired");
        Directory.CreateDirectory(dir);
        WritePrivate(Path.Combine(dir, keyId + ".pem"), Secondary);
        return dir;
    }

    public static void WritePrivate(string path, RSA rsa, UnixFileMode mode = UnixFileMode.UserRead | UnixFileMode.UserWrite)
    {
        File.WriteAllText(path, rsa.ExportPkcs8PrivateKeyPem());
        File.SetUnixFileMode(path, mode);
    }

    public void Dispose()
    {
        try { Directory.Delete(Dir, recursive: true); } catch (IOException) { }
    }
}

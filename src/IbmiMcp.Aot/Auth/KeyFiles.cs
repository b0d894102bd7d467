using System.Security.Cryptography;

namespace IbmiMcp.Auth;

/// <summary>
/// Writes the secrets the auth endpoints read — the RSA key pair of the credential envelope and the session key that
/// seals shared sessions — with the file modes they need: created with their final mode (never a moment in which a
/// private key is readable by others), in a directory only the owner may enter.
/// </summary>
internal static class KeyFiles
{
    private const UnixFileMode PrivateFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode PublicFile = PrivateFile | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
    private const UnixFileMode PrivateDirectory = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>A new RSA key pair: private.pem (PKCS#8, 0600) and public.pem (SPKI, 0644) in <paramref name="directory"/>
    /// (made 0700). Returns true when an existing directory had to be tightened to 0700. Throws IOException and
    /// UnauthorizedAccessException.</summary>
    public static bool WriteKeyPair(string directory, int bits, string privatePath, string publicPath)
    {
        var tightened = EnsurePrivateDirectory(directory);
        using var rsa = RSA.Create(bits);
        WriteNew(privatePath, rsa.ExportPkcs8PrivateKeyPem(), PrivateFile);
        WriteNew(publicPath, rsa.ExportSubjectPublicKeyInfoPem(), PublicFile);
        return tightened;
    }

    /// <summary>A new 32-byte session key (base64, 0600); returns its key id (<see cref="Sessions.SessionKeyRing.IdOf"/>).</summary>
    public static string WriteSessionKey(string path)
    {
        var key = RandomNumberGenerator.GetBytes(Sessions.SessionKeyRing.KeyBytes);
        try
        {
            var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
            if (!Directory.Exists(directory)) EnsurePrivateDirectory(directory);
            WriteNew(path, Convert.ToBase64String(key) + "\n", PrivateFile);
            return Sessions.SessionKeyRing.IdOf(key);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static bool EnsurePrivateDirectory(string directory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(directory);
            return false;
        }
        if (!Directory.Exists(directory))
        {
            Directory.CreateDirectory(directory, PrivateDirectory);
            return false;
        }
        if ((File.GetUnixFileMode(directory) & ~PrivateDirectory) == 0)
            return false;
        File.SetUnixFileMode(directory, PrivateDirectory);
        return true;
    }

    private static void WriteNew(string path, string text, UnixFileMode mode)
    {
        File.Delete(path); // --force; a no-op otherwise (existence was checked)
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
            writer.Write(text);
        // The umask may have cleared bits of UnixCreateMode (e.g. 0644 under umask 077); set the mode we promise.
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, mode);
    }
}

using System.Security.Cryptography;

namespace IbmiMcp.Auth;

/// <summary>
/// The RSA keys the server decrypts envelopes with: the active key (published by GET /api/v1/auth/public-key) and
/// retired keys still accepted during a rotation (IBMI_AUTH_RETIRED_KEYS_DIR, one <c>&lt;keyId&gt;.pem</c> private key
/// per file). The reference supports exactly one key (spec §1.5).
/// </summary>
/// <remarks>
/// One <see cref="RSA"/> per key is shared by all requests: on Linux every decrypt builds its own EVP_PKEY_CTX over the
/// immutable EVP_PKEY (dotnet/runtime pal_rsa.c CryptoNative_RsaDecrypt), so concurrent decrypts need no lock.
/// </remarks>
internal sealed class KeyRing : IDisposable
{
    public const int MinimumKeyBits = 2048;
    private readonly Dictionary<string, RSA> _keys;

    private KeyRing(string activeKeyId, string activePublicKeyPem, Dictionary<string, RSA> keys)
    {
        ActiveKeyId = activeKeyId; ActivePublicKeyPem = activePublicKeyPem; _keys = keys;
    }

    public string ActiveKeyId { get; }
    /// <summary>The public key file's text, verbatim, as the reference serves it.</summary>
    public string ActivePublicKeyPem { get; }
    public IEnumerable<string> KeyIds => _keys.Keys;

    public bool TryGetPrivateKey(string keyId, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out RSA? key)
        => _keys.TryGetValue(keyId, out key);

    /// <summary>
    /// Loads and checks every key. Returns null and adds one message per problem (naming the setting and the path)
    /// when the server must not start.
    /// </summary>
    public static KeyRing? Load(string? keyId, string? privateKeyPath, string? publicKeyPath, string? retiredKeysDir, List<string> errors)
    {
        int before = errors.Count;
        if (string.IsNullOrWhiteSpace(keyId)) errors.Add("IBMI_AUTH_KEY_ID is required when IBMI_HTTP_AUTH_ENABLED=true.");
        if (string.IsNullOrWhiteSpace(privateKeyPath)) errors.Add("IBMI_AUTH_PRIVATE_KEY_PATH is required when IBMI_HTTP_AUTH_ENABLED=true (create one with: ibmi-mcp keygen).");
        if (string.IsNullOrWhiteSpace(publicKeyPath)) errors.Add("IBMI_AUTH_PUBLIC_KEY_PATH is required when IBMI_HTTP_AUTH_ENABLED=true.");
        if (errors.Count > before) return null;

        var keys = new Dictionary<string, RSA>(StringComparer.Ordinal);
        string? publicPem = null;
        var active = LoadPrivateKey("IBMI_AUTH_PRIVATE_KEY_PATH", Path.GetFullPath(privateKeyPath!), errors);
        if (active is not null)
        {
            keys[keyId!] = active;
            publicPem = LoadPublicKey(Path.GetFullPath(publicKeyPath!), active, errors);
        }

        if (!string.IsNullOrWhiteSpace(retiredKeysDir))
        {
            var dir = Path.GetFullPath(retiredKeysDir);
            if (!Directory.Exists(dir))
                errors.Add($"IBMI_AUTH_RETIRED_KEYS_DIR '{dir}' does not exist.");
            else
                foreach (var file in Directory.EnumerateFiles(dir, "*.pem").Order(StringComparer.Ordinal))
                {
                    var id = Path.GetFileNameWithoutExtension(file);
                    if (id == keyId)
                    {
                        errors.Add($"IBMI_AUTH_RETIRED_KEYS_DIR holds '{Path.GetFileName(file)}', the active IBMI_AUTH_KEY_ID; a retired key needs its own key id.");
                        continue;
                    }
                    var rsa = LoadPrivateKey("IBMI_AUTH_RETIRED_KEYS_DIR", file, errors);
                    if (rsa is not null) keys[id] = rsa;
                }
        }

        if (errors.Count > before)
        {
            foreach (var k in keys.Values) k.Dispose();
            return null;
        }
        return new KeyRing(keyId!, publicPem!, keys);
    }

    private static RSA? LoadPrivateKey(string setting, string path, List<string> errors)
    {
        if (!PrivateKeyFile.Check(setting, path, "private key file", errors))
            return null;
        string pem;
        try { pem = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{setting}: cannot read private key file '{path}': {ex.Message}");
            return null;
        }
        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(pem);
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            rsa.Dispose();
            errors.Add($"{setting}: '{path}' is not an unencrypted RSA private key in PEM (PKCS#8 'PRIVATE KEY' or PKCS#1 'RSA PRIVATE KEY').");
            return null;
        }
        if (!HasPrivateKey(rsa))
        {
            rsa.Dispose();
            errors.Add($"{setting}: '{path}' holds a public key; the server needs the private key.");
            return null;
        }
        if (rsa.KeySize < MinimumKeyBits)
        {
            errors.Add($"{setting}: private key '{path}' has {rsa.KeySize} bits; at least {MinimumKeyBits} are required (create one with: ibmi-mcp keygen --bits 3072).");
            rsa.Dispose();
            return null;
        }
        return rsa;
    }

    private static string? LoadPublicKey(string path, RSA privateKey, List<string> errors)
    {
        if (!File.Exists(path))
        {
            errors.Add($"IBMI_AUTH_PUBLIC_KEY_PATH: public key file '{path}' does not exist.");
            return null;
        }
        string pem;
        try { pem = File.ReadAllText(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"IBMI_AUTH_PUBLIC_KEY_PATH: cannot read '{path}': {ex.Message}");
            return null;
        }
        using var pub = RSA.Create();
        try { pub.ImportFromPem(pem); }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            errors.Add($"IBMI_AUTH_PUBLIC_KEY_PATH: '{path}' is not an RSA public key in PEM.");
            return null;
        }
        // Clients encrypt with the published key; if it is not the private key's pair every sign-on would fail with an
        // unhelpful "Unable to decrypt session key", so refuse at start instead.
        var a = pub.ExportParameters(false);
        var b = privateKey.ExportParameters(false);
        if (!a.Modulus.AsSpan().SequenceEqual(b.Modulus) || !a.Exponent.AsSpan().SequenceEqual(b.Exponent))
        {
            errors.Add($"IBMI_AUTH_PUBLIC_KEY_PATH: '{path}' is not the public half of IBMI_AUTH_PRIVATE_KEY_PATH.");
            return null;
        }
        return pem;
    }

    private static bool HasPrivateKey(RSA rsa)
    {
        try
        {
            // Exporting private parameters fails for public-only keys; cheaper than a trial decrypt.
            var p = rsa.ExportParameters(true);
            CryptographicOperations.ZeroMemory(p.D);
            CryptographicOperations.ZeroMemory(p.P);
            CryptographicOperations.ZeroMemory(p.Q);
            CryptographicOperations.ZeroMemory(p.DP);
            CryptographicOperations.ZeroMemory(p.DQ);
            CryptographicOperations.ZeroMemory(p.InverseQ);
            return true;
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    public void Dispose()
    {
        foreach (var k in _keys.Values) k.Dispose();
    }
}

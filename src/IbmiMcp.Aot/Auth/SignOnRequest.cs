namespace IbmiMcp.Auth;

/// <summary>
/// A decrypted sign-on: who, where, and the per-token pool shape. The password is UTF-8 in a pinned array (so the GC
/// never leaves copies behind when compacting) and is zeroed by <see cref="Dispose"/>; it never becomes a string.
/// </summary>
internal sealed class SignOnRequest : IDisposable
{
    private byte[] _password;

    public SignOnRequest(string user, byte[] password, string host, int? durationSeconds, int poolStart, int poolMax)
    {
        User = user; _password = password; Host = host; DurationSeconds = durationSeconds; PoolStart = poolStart; PoolMax = poolMax;
    }

    /// <summary>IBM i user profile as sent (trimmed); IBM i compares it case-insensitively.</summary>
    public string User { get; }
    /// <summary>UTF-8 password. Valid until <see cref="Dispose"/>; a pool that keeps it must copy it.</summary>
    public ReadOnlySpan<byte> Password => _password;
    /// <summary>IBM i host (trimmed), already checked against the allow-list when a pool factory sees it.</summary>
    public string Host { get; }
    /// <summary>Requested token lifetime; null = IBMI_AUTH_TOKEN_EXPIRY_SECONDS.</summary>
    public int? DurationSeconds { get; }
    public int PoolStart { get; }
    public int PoolMax { get; }
    /// <summary>The envelope's optional issued-at (Unix seconds), written by <c>ibmi-mcp token</c>; null from older clients.</summary>
    public long? IssuedAt { get; init; }
    /// <summary>The RSA key id the envelope was sealed to.</summary>
    public string? KeyId { get; init; }
    /// <summary>A digest of the envelope's wrapped key, IV and tag: the same body sent twice has the same fingerprint.</summary>
    public EnvelopeFingerprint Fingerprint { get; init; }

    public void Dispose()
    {
        var p = Interlocked.Exchange(ref _password, []);
        System.Security.Cryptography.CryptographicOperations.ZeroMemory(p);
    }
}

using System.Runtime.InteropServices;

namespace IbmiMcp.Auth;

/// <summary>
/// SHA-256 of a token's 32 random bytes: the only form in which a token is kept. Equality compares the fixed 32 bytes
/// as four words; that is not constant-time, and need not be: timing can reveal at most how many bytes of a hash
/// matched, and turning that into a token means inverting SHA-256.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct TokenKey : IEquatable<TokenKey>
{
    private readonly ulong _a, _b, _c, _d;

    public TokenKey(ReadOnlySpan<byte> sha256)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(sha256[..32]);
        _a = words[0]; _b = words[1]; _c = words[2]; _d = words[3];
    }

    public bool Equals(TokenKey other) => _a == other._a & _b == other._b & _c == other._c & _d == other._d;
    public override bool Equals(object? obj) => obj is TokenKey k && Equals(k);
    // The words are uniformly random (a hash of random bytes), so any 32 bits make a good bucket index.
    public override int GetHashCode() => (int)_a;

    /// <summary>Short, non-secret handle for logs and audit (the first 6 bytes of the hash, hex).</summary>
    public string ToSessionId() => (_a & 0xFFFF_FFFF_FFFF).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);
}

using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace IbmiMcp.Auth;

/// <summary>
/// The one-way image of a token's 32 random bytes (<see cref="TokenHasher"/>): the only form in which a token is kept.
/// Equality compares all 32 bytes as four words without short-circuiting. It need not be constant-time anyway: the
/// table is probed by key, so timing can reveal at most how much of a stored key matched the key of a presented token,
/// which an attacker cannot compute without the per-process hash key, nor turn into a token without a preimage.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly struct TokenKey : IEquatable<TokenKey>
{
    private readonly ulong _a, _b, _c, _d;

    public TokenKey(ReadOnlySpan<byte> digest)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(digest[..32]);
        _a = words[0]; _b = words[1]; _c = words[2]; _d = words[3];
    }

    public TokenKey(Vector128<byte> low, Vector128<byte> high)
    {
        var l = low.AsUInt64(); var h = high.AsUInt64();
        _a = l.GetElement(0); _b = l.GetElement(1); _c = h.GetElement(0); _d = h.GetElement(1);
    }

    public bool Equals(TokenKey other) => (_a == other._a) & (_b == other._b) & (_c == other._c) & (_d == other._d);
    public override bool Equals(object? obj) => obj is TokenKey k && Equals(k);
    // The words are already uniformly random (a keyed one-way image of random bytes), so the first 32 bits make a good
    // bucket index; nothing needs mixing.
    public override int GetHashCode() => (int)_a;

    /// <summary>Short, non-secret handle for logs and audit (the first 6 bytes of the key, hex).</summary>
    public string ToSessionId() => (_a & 0xFFFF_FFFF_FFFF).ToString("x12", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>The 32 bytes, for tests.</summary>
    internal void CopyTo(Span<byte> destination)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(destination[..32]);
        words[0] = _a; words[1] = _b; words[2] = _c; words[3] = _d;
    }
}

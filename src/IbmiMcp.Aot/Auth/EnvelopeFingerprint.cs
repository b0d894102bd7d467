using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace IbmiMcp.Auth;

/// <summary>
/// 128 bits of SHA-256 over an envelope's wrapped key, IV and tag. RSA-OAEP is randomized and the IV is random, so two
/// envelopes built by a client never share it; a captured body sent again always does. What the replay window keeps.
/// </summary>
[StructLayout(LayoutKind.Sequential)]
internal readonly record struct EnvelopeFingerprint(ulong High, ulong Low)
{
    public const int Bytes = 16;

    public static EnvelopeFingerprint Of(ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> tag)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        sha.AppendData(wrappedKey);
        sha.AppendData(iv);
        sha.AppendData(tag);
        Span<byte> digest = stackalloc byte[32];
        sha.GetHashAndReset(digest);
        var words = MemoryMarshal.Cast<byte, ulong>(digest);
        return new EnvelopeFingerprint(words[0], words[1]);
    }

    /// <summary>The fingerprint of a one-time secret of another kind (an OAuth code): SHA-256 of its kind and value.</summary>
    public static EnvelopeFingerprint OfSecret(string kind, string value)
    {
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(kind + "\n" + value), digest);
        var words = MemoryMarshal.Cast<byte, ulong>(digest);
        return new EnvelopeFingerprint(words[0], words[1]);
    }

    public void CopyTo(Span<byte> destination)
    {
        var words = MemoryMarshal.Cast<byte, ulong>(destination[..Bytes]);
        words[0] = High;
        words[1] = Low;
    }
}

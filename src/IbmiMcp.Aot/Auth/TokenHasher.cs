using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using X86Aes = System.Runtime.Intrinsics.X86.Aes;
using Sse2 = System.Runtime.Intrinsics.X86.Sse2;

namespace IbmiMcp.Auth;

/// <summary>
/// The one-way function that turns a token's 32 random bytes into its <see cref="TokenKey"/>: Matyas–Meyer–Oseas over
/// AES-128 with AES-NI, h_i = AES_k(m_i) ⊕ m_i for each 16-byte half m_i, and SHA-256 where the CPU has no AES-NI.
/// </summary>
/// <remarks>
/// <para>
/// Why not SHA-256 everywhere: the one-shot SHA-256 through OpenSSL costs 0.5–3 µs for 32 bytes (per-call EVP setup)
/// and runs on every /mcp request; 20 AES rounds cost a few nanoseconds. The input is 256 uniformly random bits, so the
/// only property needed is preimage resistance: from a stored key, recover a token. MMO is preimage-resistant in the
/// ideal-cipher model even when the key is public (Black–Rogaway–Shrimpton 2002), about 2^128 work per half.
/// Collision resistance (2^64 per half) does not matter: nobody but this class chooses the inputs that get stored.
/// </para>
/// <para>
/// Key choice: a fresh random key per process (<see cref="CreateRandom"/>), not a constant. Security does not rest on
/// its secrecy, but it costs nothing here: tokens live in one process anyway (a restart signs everybody out), and it
/// makes the table worthless without the key, rules out any precomputation across processes, and turns the function
/// into a PRF for an outside attacker, so the dictionary's bucket and equality timings say nothing about a stored key.
/// A shared token store across replicas would need one shared key (or SHA-256) instead.
/// </para>
/// <para>
/// Both halves use the same key; that is fine because every half is independent random input. No table-driven software
/// AES fallback: its cache timing would depend on token bytes. Only x86 AES-NI is used; Arm (whose AESE has no key
/// schedule helper and a different round split) takes the SHA-256 path until it can be tested on real hardware.
/// </para>
/// </remarks>
internal sealed class TokenHasher
{
    public const int InputBytes = 32;

    private readonly RoundKeys _keys;
    private readonly bool _aes;

    /// <summary>AES-NI MMO under <paramref name="key"/> when the CPU has it; SHA-256 otherwise (or when forced).</summary>
    public TokenHasher(ReadOnlySpan<byte> key, bool forceSha256 = false)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(key.Length, 16);
        _aes = IsHardwareAccelerated && !forceSha256;
        if (_aes) ExpandKey(Vector128.Create(key), ref _keys);
    }

    /// <summary>True when the MMO path (x86 AES-NI) is available.</summary>
    public static bool IsHardwareAccelerated => X86Aes.IsSupported && Sse2.IsSupported;

    public bool UsesAes => _aes;

    public static TokenHasher CreateRandom()
    {
        Span<byte> key = stackalloc byte[16];
        RandomNumberGenerator.Fill(key);
        var hasher = new TokenHasher(key);
        CryptographicOperations.ZeroMemory(key);
        return hasher;
    }

    /// <summary>The stored form of a 32-byte token.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public TokenKey Hash(ReadOnlySpan<byte> token)
    {
        ArgumentOutOfRangeException.ThrowIfNotEqual(token.Length, InputBytes);
        if (_aes)
        {
            var m0 = Vector128.Create(token);
            var m1 = Vector128.Create(token[16..]);
            return new TokenKey(EncryptPair(m0, m1, out var c1) ^ m0, c1 ^ m1);
        }
        Span<byte> digest = stackalloc byte[32];
        SHA256.HashData(token, digest);
        return new TokenKey(digest);
    }

    /// <summary>Plain AES-128 of one block (for the FIPS-197 test); requires AES-NI.</summary>
    internal Vector128<byte> Encrypt(Vector128<byte> block)
    {
        if (!_aes) throw new PlatformNotSupportedException("AES-NI is not in use.");
        return EncryptPair(block, block, out _);
    }

    // Both halves go through the rounds side by side: AESENC has a latency of ~4 cycles but a throughput of one or two
    // per cycle, so interleaving two independent blocks costs almost nothing over one.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Vector128<byte> EncryptPair(Vector128<byte> a, Vector128<byte> b, out Vector128<byte> bOut)
    {
        ref readonly var k = ref _keys;
        a ^= k[0]; b ^= k[0];
        a = X86Aes.Encrypt(a, k[1]); b = X86Aes.Encrypt(b, k[1]);
        a = X86Aes.Encrypt(a, k[2]); b = X86Aes.Encrypt(b, k[2]);
        a = X86Aes.Encrypt(a, k[3]); b = X86Aes.Encrypt(b, k[3]);
        a = X86Aes.Encrypt(a, k[4]); b = X86Aes.Encrypt(b, k[4]);
        a = X86Aes.Encrypt(a, k[5]); b = X86Aes.Encrypt(b, k[5]);
        a = X86Aes.Encrypt(a, k[6]); b = X86Aes.Encrypt(b, k[6]);
        a = X86Aes.Encrypt(a, k[7]); b = X86Aes.Encrypt(b, k[7]);
        a = X86Aes.Encrypt(a, k[8]); b = X86Aes.Encrypt(b, k[8]);
        a = X86Aes.Encrypt(a, k[9]); b = X86Aes.Encrypt(b, k[9]);
        bOut = X86Aes.EncryptLast(b, k[10]);
        return X86Aes.EncryptLast(a, k[10]);
    }

    /// <summary>Round key <paramref name="round"/> (0–10) of the AES-128 schedule, for the FIPS-197 test.</summary>
    internal Vector128<byte> RoundKey(int round) => _keys[round];

    // FIPS-197 §5.2 for Nk = 4, one round key per step: AESKEYGENASSIST yields SubWord(RotWord(w3)) ⊕ Rcon in its top
    // word; broadcast it and add it to the running prefix-XOR of the previous round key's words. The immediates must be
    // constants, hence the unrolled calls.
    private static void ExpandKey(Vector128<byte> key, ref RoundKeys keys)
    {
        keys[0] = key;
        keys[1] = key = Step(key, X86Aes.KeygenAssist(key, 0x01));
        keys[2] = key = Step(key, X86Aes.KeygenAssist(key, 0x02));
        keys[3] = key = Step(key, X86Aes.KeygenAssist(key, 0x04));
        keys[4] = key = Step(key, X86Aes.KeygenAssist(key, 0x08));
        keys[5] = key = Step(key, X86Aes.KeygenAssist(key, 0x10));
        keys[6] = key = Step(key, X86Aes.KeygenAssist(key, 0x20));
        keys[7] = key = Step(key, X86Aes.KeygenAssist(key, 0x40));
        keys[8] = key = Step(key, X86Aes.KeygenAssist(key, 0x80));
        keys[9] = key = Step(key, X86Aes.KeygenAssist(key, 0x1B));
        keys[10] = Step(key, X86Aes.KeygenAssist(key, 0x36));

        static Vector128<byte> Step(Vector128<byte> key, Vector128<byte> assist)
        {
            var t = Sse2.Shuffle(assist.AsUInt32(), 0xFF).AsByte();
            key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
            key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
            key ^= Sse2.ShiftLeftLogical128BitLane(key, 4);
            return key ^ t;
        }
    }

    [InlineArray(11)]
    private struct RoundKeys
    {
        private Vector128<byte> _first;
    }
}

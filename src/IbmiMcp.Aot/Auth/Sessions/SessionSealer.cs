using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// Seals a session record for a shared store so that neither half alone opens it: the AES-256-GCM key is
/// HKDF-SHA256(server session key, salt = the token's 32 bytes). A store dump without the tokens reveals nothing; a
/// stolen token without the server's key reveals nothing either. The sealed form is text,
/// <c>v1.&lt;keyId&gt;.&lt;base64url(nonce ‖ ciphertext ‖ tag)&gt;</c>; the <c>v1.&lt;keyId&gt;</c> header is authenticated
/// as associated data, so it cannot be edited to point at another key.
/// </summary>
internal sealed class SessionSealer
{
    public const int NonceBytes = 12;
    public const int TagBytes = 16;
    private const string Version = "v1";
    private static ReadOnlySpan<byte> SealInfo => "ibmi-mcp/session-seal/v1"u8;

    private readonly SessionKeyRing _keys;

    public SessionSealer(SessionKeyRing keys) => _keys = keys;

    public string ActiveKeyId => _keys.ActiveKeyId;

    /// <summary>Seals <paramref name="plaintext"/> for the token <paramref name="token"/> (its 32 raw bytes) under the active key.</summary>
    public string Seal(ReadOnlySpan<byte> token, ReadOnlySpan<byte> plaintext)
    {
        var keyId = _keys.ActiveKeyId;
        var header = Version + "." + keyId;
        Span<byte> aad = stackalloc byte[64];
        int aadLength = Encoding.ASCII.GetBytes(header, aad);

        int blobLength = NonceBytes + plaintext.Length + TagBytes;
        var blob = ArrayPool<byte>.Shared.Rent(blobLength);
        Span<byte> key = stackalloc byte[32];
        try
        {
            DeriveKey(_keys.ActiveKey, token, key);
            var nonce = blob.AsSpan(0, NonceBytes);
            RandomNumberGenerator.Fill(nonce);
            using (var aes = new AesGcm(key, TagBytes))
                aes.Encrypt(nonce, plaintext, blob.AsSpan(NonceBytes, plaintext.Length), blob.AsSpan(NonceBytes + plaintext.Length, TagBytes), aad[..aadLength]);
            return header + "." + Base64Url.EncodeToString(blob.AsSpan(0, blobLength));
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            ArrayPool<byte>.Shared.Return(blob, clearArray: true);
        }
    }

    /// <summary>
    /// Opens a sealed record. On success <paramref name="plaintext"/> is a new array the caller must zero when done.
    /// </summary>
    public UnsealResult TryUnseal(string sealedText, ReadOnlySpan<byte> token, out byte[]? plaintext)
    {
        plaintext = null;
        var text = sealedText.AsSpan();
        int first = text.IndexOf('.');
        if (first <= 0) return UnsealResult.Malformed;
        int second = text[(first + 1)..].IndexOf('.');
        if (second <= 0) return UnsealResult.Malformed;
        second += first + 1;
        if (!text[..first].SequenceEqual(Version)) return UnsealResult.Malformed;
        var keyId = text[(first + 1)..second].ToString();
        if (!_keys.TryGetKey(keyId, out var serverKey)) return UnsealResult.UnknownKey;

        var encoded = text[(second + 1)..];
        int maxBlob = Base64Url.GetMaxDecodedLength(encoded.Length);
        if (maxBlob < NonceBytes + TagBytes) return UnsealResult.Malformed;
        var blob = ArrayPool<byte>.Shared.Rent(maxBlob);
        Span<byte> key = stackalloc byte[32];
        Span<byte> aad = stackalloc byte[64];
        try
        {
            if (Base64Url.DecodeFromChars(encoded, blob, out _, out int blobLength) != OperationStatus.Done || blobLength < NonceBytes + TagBytes)
                return UnsealResult.Malformed;
            int aadLength = Encoding.ASCII.GetBytes(text[..second], aad);
            int length = blobLength - NonceBytes - TagBytes;
            var result = GC.AllocateUninitializedArray<byte>(length, pinned: true);
            DeriveKey(serverKey, token, key);
            try
            {
                using var aes = new AesGcm(key, TagBytes);
                aes.Decrypt(blob.AsSpan(0, NonceBytes), blob.AsSpan(NonceBytes, length), blob.AsSpan(NonceBytes + length, TagBytes), result, aad[..aadLength]);
            }
            catch (CryptographicException)
            {
                CryptographicOperations.ZeroMemory(result);
                return UnsealResult.Tampered;
            }
            plaintext = result;
            return UnsealResult.Opened;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
            ArrayPool<byte>.Shared.Return(blob, clearArray: true);
        }
    }

    private static void DeriveKey(ReadOnlySpan<byte> serverKey, ReadOnlySpan<byte> token, Span<byte> destination)
        => HKDF.DeriveKey(HashAlgorithmName.SHA256, serverKey, destination, token, SealInfo);
}

internal enum UnsealResult
{
    Opened,
    /// <summary>Not a sealed record of a version this server reads.</summary>
    Malformed,
    /// <summary>Sealed under a key this server no longer (or never) had: neither active nor retired.</summary>
    UnknownKey,
    /// <summary>Authentication failed: another token, an edited record, or a truncated one.</summary>
    Tampered,
}

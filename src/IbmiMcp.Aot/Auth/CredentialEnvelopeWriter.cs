using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace IbmiMcp.Auth;

/// <summary>
/// The client half of the envelope (what the reference's get-access-token.js does, spec §7): a random 32-byte AES key
/// and 12-byte IV, AES-256-GCM over the credentials JSON, RSA-OAEP-SHA256 wrap of the key, and the base64 body for
/// POST /api/v1/auth. Used by <c>ibmi-mcp token</c> and the tests.
/// </summary>
internal static class CredentialEnvelopeWriter
{
    /// <summary>Optional request fields; null leaves a field out, as the reference's client would with undefined.</summary>
    /// <param name="IssuedAt">Unix seconds written as top-level <c>iat</c>, so the server can refuse the envelope once it is old
    /// (replay protection; the reference's client does not send it and servers ignore what they do not know).</param>
    public readonly record struct Options(int? Duration = null, int? PoolStart = null, int? PoolMax = null, long? IssuedAt = null);

    public static byte[] Write(RSA publicKey, string keyId, string username, ReadOnlySpan<byte> passwordUtf8, string host, Options options = default)
    {
        var plain = new ArrayBufferWriter<byte>(256);
        using (var w = new Utf8JsonWriter(plain))
        {
            w.WriteStartObject();
            w.WriteStartObject("credentials"u8);
            w.WriteString("username"u8, username);
            w.WriteString("password"u8, passwordUtf8);
            w.WriteEndObject();
            w.WriteStartObject("request"u8);
            w.WriteString("host"u8, host);
            if (options.Duration is { } d) w.WriteNumber("duration"u8, d);
            if (options.PoolStart is { } s) w.WriteNumber("poolstart"u8, s);
            if (options.PoolMax is { } m) w.WriteNumber("poolmax"u8, m);
            w.WriteEndObject();
            if (options.IssuedAt is { } iat) w.WriteNumber("iat"u8, iat);
            w.WriteEndObject();
        }
        try
        {
            return Seal(publicKey, keyId, plain.WrittenSpan);
        }
        finally
        {
            plain.Clear(); // zeroes the written bytes: the password was among them
        }
    }

    /// <summary>Encrypts arbitrary plaintext (tests use it to send malformed credential JSON).</summary>
    public static byte[] Seal(RSA publicKey, string keyId, ReadOnlySpan<byte> plaintext, int ivBytes = CredentialEnvelope.IvBytes, int tagBytes = CredentialEnvelope.TagBytes)
    {
        Span<byte> key = stackalloc byte[CredentialEnvelope.SessionKeyBytes];
        Span<byte> iv = stackalloc byte[ivBytes];
        Span<byte> tag = stackalloc byte[tagBytes];
        RandomNumberGenerator.Fill(key);
        RandomNumberGenerator.Fill(iv);
        var ciphertext = new byte[plaintext.Length];
        try
        {
            using (var aes = new AesGcm(key, tagBytes))
                aes.Encrypt(iv, plaintext, ciphertext, tag);
            var wrapped = new byte[publicKey.KeySize / 8];
            if (!publicKey.TryEncrypt(key, wrapped, RSAEncryptionPadding.OaepSHA256, out int n))
                throw new CryptographicException("RSA-OAEP wrap failed.");
            return WriteBody(keyId, wrapped.AsSpan(0, n), iv, tag, ciphertext);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }
    }

    public static byte[] WriteBody(string keyId, ReadOnlySpan<byte> wrappedKey, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> ciphertext)
    {
        var body = new ArrayBufferWriter<byte>(1024);
        // Relaxed escaping: base64 '+' stays literal, as JSON.stringify writes it.
        using (var w = new Utf8JsonWriter(body, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("keyId"u8, keyId);
            w.WriteBase64String("encryptedSessionKey"u8, wrappedKey);
            w.WriteBase64String("iv"u8, iv);
            w.WriteBase64String("authTag"u8, tag);
            w.WriteBase64String("ciphertext"u8, ciphertext);
            w.WriteEndObject();
        }
        return body.WrittenSpan.ToArray();
    }
}

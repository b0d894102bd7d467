using System.Buffers;
using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace IbmiMcp.Auth;

/// <summary>
/// Opens the POST /api/v1/auth envelope (spec §1.3): <c>{keyId, encryptedSessionKey, iv, authTag, ciphertext}</c>,
/// RSA-OAEP-SHA256 unwrap of a 32-byte key, AES-256-GCM decrypt (12-byte IV, 16-byte tag, no AAD), then the plaintext
/// <c>{"credentials":{username,password},"request":{host,duration,poolstart,poolmax}}</c> (plus an optional top-level
/// <c>iat</c>, Unix seconds, that this project's client adds). Errors are checked in the
/// reference's order. Every secret stays in stack or pooled memory and is zeroed before this returns; the password
/// leaves only inside the returned <see cref="SignOnRequest"/>.
/// </summary>
internal static class CredentialEnvelope
{
    /// <summary>Largest request body accepted: a 4096-bit envelope of a few hundred bytes of credentials is ~1.5 KiB.</summary>
    public const int MaxBodyBytes = 16 * 1024;
    public const int IvBytes = 12;
    public const int TagBytes = 16;
    public const int SessionKeyBytes = 32;
    public const int MaxDurationSeconds = 86_400;
    public const int DefaultPoolStart = 2;
    public const int DefaultPoolMax = 10;
    private const int StackPlaintextBytes = 1024;

    private enum Field { KeyId, EncryptedSessionKey, Iv, AuthTag, Ciphertext }
    private static readonly string[] s_fieldNames = ["keyId", "encryptedSessionKey", "iv", "authTag", "ciphertext"];

    public static bool TryOpen(ReadOnlySpan<byte> body, KeyRing keys, out SignOnRequest? request, out AuthRejection rejection)
    {
        request = null;
        // Base64 text of each field is copied here and decoded in place; the region layout follows the body's length,
        // so one rent covers all five fields.
        var scratch = ArrayPool<byte>.Shared.Rent(body.Length + 16);
        try
        {
            Span<Range> decoded = stackalloc Range[5];
            Span<bool> present = stackalloc bool[5];
            Span<bool> valid = stackalloc bool[5];
            string? keyId = null;
            int used = 0;

            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 16 });
            try
            {
                if (!reader.Read())
                    return Fail(AuthErrors.InvalidJson, out rejection);
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    // Validate the rest so "[" is reported as bad JSON, as JSON.parse would, not as "not an object".
                    reader.Skip();
                    if (reader.Read()) throw new JsonException();
                    return Fail(AuthErrors.NotAnObject, out rejection);
                }
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    int field = FieldOf(ref reader);
                    reader.Read();
                    if (field < 0 || reader.TokenType != JsonTokenType.String)
                    {
                        reader.Skip();
                        if (field >= 0) present[field] = false; // last occurrence wins, as with JSON.parse
                        continue;
                    }
                    var text = scratch.AsSpan(used);
                    int n = reader.ValueIsEscaped ? reader.CopyString(text) : Copy(reader.ValueSpan, text);
                    var trimmed = TrimAscii(text[..n], out int lead);
                    present[field] = trimmed.Length > 0;
                    if (!present[field]) continue;
                    if (field == (int)Field.KeyId)
                    {
                        keyId = Encoding.UTF8.GetString(trimmed);
                        continue;
                    }
                    valid[field] = TryDecodeBase64InPlace(scratch.AsSpan(used + lead), trimmed.Length, out int bytes);
                    decoded[field] = new Range(used + lead, used + lead + bytes);
                    used += n;
                }
                if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                    throw new JsonException();
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)   // a string that is not valid UTF-8 throws the latter when read
            {
                return Fail(AuthErrors.InvalidJson, out rejection);
            }

            for (int i = 0; i < 5; i++)
                if (!present[i])
                    return Fail(AuthErrors.MissingField(s_fieldNames[i]), out rejection);
            if (!keys.TryGetPrivateKey(keyId!, out var rsa))
                return Fail(AuthErrors.UnsupportedKey, out rejection);

            Span<byte> sessionKey = stackalloc byte[512];
            try
            {
                if (!valid[(int)Field.EncryptedSessionKey] || !TryUnwrap(rsa, scratch.AsSpan(decoded[(int)Field.EncryptedSessionKey]), sessionKey, out int keyLength))
                    return Fail(AuthErrors.SessionKey, out rejection);
                if (keyLength != SessionKeyBytes)
                    return Fail(AuthErrors.Payload, out rejection);
                if (!valid[(int)Field.Iv] || !valid[(int)Field.AuthTag] || !valid[(int)Field.Ciphertext])
                    return Fail(AuthErrors.Payload, out rejection);
                var iv = scratch.AsSpan(decoded[(int)Field.Iv]);
                var tag = scratch.AsSpan(decoded[(int)Field.AuthTag]);
                var ciphertext = scratch.AsSpan(decoded[(int)Field.Ciphertext]);
                if (iv.Length != IvBytes)
                    return Fail(AuthErrors.IvLength, out rejection);
                if (tag.Length != TagBytes)
                    return Fail(AuthErrors.TagLength, out rejection);
                var fingerprint = EnvelopeFingerprint.Of(scratch.AsSpan(decoded[(int)Field.EncryptedSessionKey]), iv, tag);
                return TryDecryptAndParse(sessionKey[..SessionKeyBytes], iv, tag, ciphertext, keyId!, fingerprint, out request, out rejection);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(sessionKey);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(scratch, clearArray: true);
        }
    }

    private static bool TryUnwrap(RSA rsa, ReadOnlySpan<byte> wrapped, Span<byte> destination, out int written)
    {
        try
        {
            return rsa.TryDecrypt(wrapped, destination, RSAEncryptionPadding.OaepSHA256, out written);
        }
        catch (CryptographicException)
        {
            written = 0;
            return false;
        }
    }

    private static bool TryDecryptAndParse(ReadOnlySpan<byte> key, ReadOnlySpan<byte> iv, ReadOnlySpan<byte> tag, ReadOnlySpan<byte> ciphertext,
        string keyId, EnvelopeFingerprint fingerprint, out SignOnRequest? request, out AuthRejection rejection)
    {
        request = null;
        byte[]? rented = null;
        Span<byte> plaintext = ciphertext.Length <= StackPlaintextBytes
            ? stackalloc byte[StackPlaintextBytes]
            : (rented = ArrayPool<byte>.Shared.Rent(ciphertext.Length));
        plaintext = plaintext[..ciphertext.Length];
        try
        {
            try
            {
                // AesGcm keeps one EVP context and is not thread-safe: one per call (≈1 µs next to the ≈0.8 ms RSA op).
                using var aes = new AesGcm(key, TagBytes);
                aes.Decrypt(iv, ciphertext, tag, plaintext);
            }
            catch (CryptographicException)
            {
                return Fail(AuthErrors.Payload, out rejection);
            }
            return TryParsePlaintext(plaintext, out request, out rejection, keyId, fingerprint);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>Parses and validates the decrypted JSON (exposed for tests and the benchmark).</summary>
    internal static bool TryParsePlaintext(ReadOnlySpan<byte> plaintext, out SignOnRequest? request, out AuthRejection rejection,
        string? keyId = null, EnvelopeFingerprint fingerprint = default)
    {
        request = null;
        string? user = null, host = null;
        byte[]? password = null;
        bool credentialsSeen = false, requestIsObject = false;
        JsonTokenType durationType = JsonTokenType.None, poolStartType = JsonTokenType.None, poolMaxType = JsonTokenType.None;
        double duration = 0, poolStart = 0, poolMax = 0, issuedAt = 0;
        JsonTokenType issuedAtType = JsonTokenType.None;
        bool hostIsString = false;
        try
        {
            var reader = new Utf8JsonReader(plaintext, new JsonReaderOptions { MaxDepth = 16 });
            try
            {
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                    return Fail(AuthErrors.Payload, out rejection);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    if (reader.ValueTextEquals("credentials"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); credentialsSeen = false; continue; }
                        credentialsSeen = true;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("username"u8))
                            {
                                reader.Read();
                                user = reader.TokenType == JsonTokenType.String ? reader.GetString()!.Trim() : null;
                                reader.Skip();
                            }
                            else if (reader.ValueTextEquals("password"u8))
                            {
                                reader.Read();
                                Zero(ref password);
                                if (reader.TokenType == JsonTokenType.String)
                                    password = CopyPinned(ref reader);
                                else
                                    reader.Skip();
                            }
                            else { reader.Read(); reader.Skip(); }
                        }
                    }
                    else if (reader.ValueTextEquals("request"u8))
                    {
                        reader.Read();
                        if (reader.TokenType != JsonTokenType.StartObject) { reader.Skip(); requestIsObject = false; continue; }
                        requestIsObject = true;
                        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                        {
                            if (reader.ValueTextEquals("host"u8))
                            {
                                reader.Read();
                                hostIsString = reader.TokenType == JsonTokenType.String;
                                host = hostIsString ? reader.GetString()!.Trim() : null;
                                reader.Skip();
                            }
                            else if (reader.ValueTextEquals("duration"u8)) ReadNumber(ref reader, out durationType, out duration);
                            else if (reader.ValueTextEquals("poolstart"u8)) ReadNumber(ref reader, out poolStartType, out poolStart);
                            else if (reader.ValueTextEquals("poolmax"u8)) ReadNumber(ref reader, out poolMaxType, out poolMax);
                            else { reader.Read(); reader.Skip(); }
                        }
                    }
                    else if (reader.ValueTextEquals("iat"u8)) ReadNumber(ref reader, out issuedAtType, out issuedAt);
                    else { reader.Read(); reader.Skip(); }
                }
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)   // a string that is not valid UTF-8 throws the latter when read
            {
                return Fail(AuthErrors.Payload, out rejection);
            }

            if (!credentialsSeen) return Fail(AuthErrors.Payload, out rejection);
            if (string.IsNullOrEmpty(user)) return Fail(AuthErrors.UsernameRequired, out rejection);
            if (password is null) return Fail(AuthErrors.PasswordRequired, out rejection);
            if (!requestIsObject) return Fail(AuthErrors.RequestNotObject, out rejection);
            if (string.IsNullOrEmpty(host)) return Fail(AuthErrors.HostRequired, out rejection);
            if (durationType != JsonTokenType.None && (durationType != JsonTokenType.Number || !(duration > 0) || duration > MaxDurationSeconds))
                return Fail(AuthErrors.Duration, out rejection);
            if (poolStartType != JsonTokenType.None && !IsIntegerIn(poolStartType, poolStart, 1, 50))
                return Fail(AuthErrors.PoolStart, out rejection);
            if (poolMaxType != JsonTokenType.None && !IsIntegerIn(poolMaxType, poolMax, 1, 100))
                return Fail(AuthErrors.PoolMax, out rejection);
            if (poolStartType != JsonTokenType.None && poolMaxType != JsonTokenType.None && poolStart > poolMax)
                return Fail(AuthErrors.PoolOrder, out rejection);
            // Not in the reference's format: ibmi-mcp token adds it so replays can be refused by age (docs/auth.md).
            if (issuedAtType != JsonTokenType.None && (issuedAtType != JsonTokenType.Number || !(issuedAt > 0) || issuedAt > 1e11))
                return Fail(AuthErrors.IssuedAt, out rejection);

            int start = poolStartType == JsonTokenType.None ? DefaultPoolStart : (int)poolStart;
            int max = poolMaxType == JsonTokenType.None ? Math.Max(DefaultPoolMax, start) : (int)poolMax;
            // Fractional durations round up so the token never lives shorter than asked.
            int? seconds = durationType == JsonTokenType.None ? null : (int)Math.Ceiling(duration);
            request = new SignOnRequest(user, password, host, seconds, start, max)
            {
                IssuedAt = issuedAtType == JsonTokenType.None ? null : (long)issuedAt,
                KeyId = keyId,
                Fingerprint = fingerprint,
            };
            password = null; // ownership moved
            rejection = default;
            return true;
        }
        finally
        {
            Zero(ref password);
        }
    }

    private static void ReadNumber(ref Utf8JsonReader reader, out JsonTokenType type, out double value)
    {
        reader.Read();
        type = reader.TokenType;
        value = type == JsonTokenType.Number && reader.TryGetDouble(out var d) ? d : double.NaN;
        reader.Skip();
    }

    private static bool IsIntegerIn(JsonTokenType type, double value, int min, int max)
        => type == JsonTokenType.Number && value >= min && value <= max && value == Math.Floor(value);

    private static byte[] CopyPinned(ref Utf8JsonReader reader)
    {
        // Pinned so compaction never leaves a stray copy; exact length so no slack holds old bytes.
        int max = reader.HasValueSequence ? checked((int)reader.ValueSequence.Length) : reader.ValueSpan.Length;
        Span<byte> tmp = max <= 512 ? stackalloc byte[512] : new byte[max];
        try
        {
            int n = reader.CopyString(tmp);
            var result = GC.AllocateUninitializedArray<byte>(n, pinned: true);
            tmp[..n].CopyTo(result);
            return result;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(tmp);
        }
    }

    private static void Zero(ref byte[]? secret)
    {
        if (secret is null) return;
        CryptographicOperations.ZeroMemory(secret);
        secret = null;
    }

    private static bool Fail(AuthRejection reason, out AuthRejection rejection)
    {
        rejection = reason;
        return false;
    }

    private static int FieldOf(ref Utf8JsonReader reader)
    {
        if (reader.ValueTextEquals("keyId"u8)) return (int)Field.KeyId;
        if (reader.ValueTextEquals("encryptedSessionKey"u8)) return (int)Field.EncryptedSessionKey;
        if (reader.ValueTextEquals("iv"u8)) return (int)Field.Iv;
        if (reader.ValueTextEquals("authTag"u8)) return (int)Field.AuthTag;
        if (reader.ValueTextEquals("ciphertext"u8)) return (int)Field.Ciphertext;
        return -1;
    }

    private static int Copy(ReadOnlySpan<byte> source, Span<byte> destination)
    {
        source.CopyTo(destination);
        return source.Length;
    }

    private static ReadOnlySpan<byte> TrimAscii(ReadOnlySpan<byte> text, out int lead)
    {
        int start = 0, end = text.Length;
        while (start < end && IsJsWhitespace(text[start])) start++;
        while (end > start && IsJsWhitespace(text[end - 1])) end--;
        lead = start;
        return text[start..end];
    }

    private static bool IsJsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    /// <summary>
    /// Decodes the first <paramref name="length"/> bytes of <paramref name="buffer"/> in place. Standard or URL-safe
    /// alphabet, padding optional (Node's decoder accepts all of these and clients differ); anything else is rejected
    /// rather than skipped, unlike Node. <paramref name="buffer"/> needs room for the padding (length rounded up to 4).
    /// </summary>
    internal static bool TryDecodeBase64InPlace(Span<byte> buffer, int length, out int written)
    {
        written = 0;
        while (length > 0 && buffer[length - 1] == (byte)'=') length--;
        if (length % 4 == 1) return false;
        int padded = (length + 3) / 4 * 4;
        if (padded > buffer.Length) return false;
        for (int i = 0; i < length; i++)
        {
            ref byte c = ref buffer[i];
            if (c == (byte)'-') c = (byte)'+';
            else if (c == (byte)'_') c = (byte)'/';
        }
        buffer[length..padded].Fill((byte)'=');
        return Base64.DecodeFromUtf8InPlace(buffer[..padded], out written) == OperationStatus.Done;
    }
}

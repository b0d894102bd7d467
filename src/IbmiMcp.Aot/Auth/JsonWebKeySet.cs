using System.Buffers.Text;
using System.Text.Json;

namespace IbmiMcp.Auth;

/// <summary>
/// The signing keys of a JWKS document (RFC 7517 §5). Only public RSA and EC signature keys are kept: symmetric
/// ("oct") keys are dropped because a key published in a JWKS is known to everybody, as are keys marked for
/// encryption. Keys that cannot be imported are skipped rather than failing the whole set, so one odd key at the
/// issuer does not lock every client out.
/// </summary>
internal sealed class JsonWebKeySet
{
    private JsonWebKeySet(IReadOnlyList<JsonWebKey> keys) => Keys = keys;

    public IReadOnlyList<JsonWebKey> Keys { get; }

    /// <summary>Null when the document is not a JWKS (not JSON, no <c>keys</c> array).</summary>
    public static JsonWebKeySet? Parse(ReadOnlySpan<byte> json)
    {
        var keys = new List<JsonWebKey>();
        bool sawKeys = false;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (!reader.ValueTextEquals("keys"u8) || sawKeys)
                {
                    reader.Skip();
                    continue;
                }
                sawKeys = true;
                if (!reader.Read() || reader.TokenType != JsonTokenType.StartArray)
                    return null;
                while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
                {
                    if (ReadKey(ref reader) is { } key)
                        keys.Add(key);
                }
                if (reader.TokenType != JsonTokenType.EndArray)
                    return null;
            }
        }
        catch (JsonException)
        {
            return null;
        }
        return sawKeys ? new JsonWebKeySet(keys) : null;
    }

    /// <summary>Reads one key object (reader on its StartObject, left on its EndObject).</summary>
    private static JsonWebKey? ReadKey(ref Utf8JsonReader reader)
    {
        string? kty = null, kid = null, use = null, alg = null, n = null, e = null, crv = null, x = null, y = null;
        bool hasPrivate = false, badOps = false;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            ref string? slot = ref kty;
            if (reader.ValueTextEquals("kty"u8)) slot = ref kty;
            else if (reader.ValueTextEquals("kid"u8)) slot = ref kid;
            else if (reader.ValueTextEquals("use"u8)) slot = ref use;
            else if (reader.ValueTextEquals("alg"u8)) slot = ref alg;
            else if (reader.ValueTextEquals("n"u8)) slot = ref n;
            else if (reader.ValueTextEquals("e"u8)) slot = ref e;
            else if (reader.ValueTextEquals("crv"u8)) slot = ref crv;
            else if (reader.ValueTextEquals("x"u8)) slot = ref x;
            else if (reader.ValueTextEquals("y"u8)) slot = ref y;
            else if (reader.ValueTextEquals("key_ops"u8))
            {
                badOps = !KeyOpsAllowVerify(ref reader);
                continue;
            }
            else
            {
                // "d" (and RSA "p", "q", ...) would mean the issuer publishes a private key: refuse to use it.
                hasPrivate |= reader.ValueTextEquals("d"u8);
                reader.Skip();
                continue;
            }
            reader.Read();
            slot = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                reader.Skip();
        }
        if (hasPrivate || badOps || (use is not null && use != "sig"))
            return null;
        try
        {
            return kty switch
            {
                "RSA" when n is not null && e is not null =>
                    JsonWebKey.FromRsa(kid, alg, Base64Url.DecodeFromChars(n), Base64Url.DecodeFromChars(e)),
                "EC" when crv is not null && x is not null && y is not null =>
                    JsonWebKey.FromEc(kid, alg, crv, Base64Url.DecodeFromChars(x), Base64Url.DecodeFromChars(y)),
                _ => null,
            };
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static bool KeyOpsAllowVerify(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            reader.Skip();
            return false;
        }
        bool verify = false;
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("verify"u8))
                verify = true;
            else
                reader.Skip();
        }
        return verify;
    }
}

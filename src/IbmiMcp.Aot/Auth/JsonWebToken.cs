using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace IbmiMcp.Auth;

/// <summary>
/// A compact-serialised JWS (RFC 7515 §7.1) with the few claims this server reads. Parsing only checks the shape;
/// <see cref="JwtValidator"/> decides whether the token is trusted. Anything unusual (JWE, <c>crit</c>, padding,
/// duplicated or wrongly typed claims) is refused rather than interpreted, since two parsers disagreeing about a
/// token is how JWT bypasses happen.
/// </summary>
internal sealed class JsonWebToken
{
    /// <summary>Far above any real access token; bounds the work a hostile header can cause.</summary>
    internal const int MaxLength = 64 * 1024;

    private JsonWebToken(string raw, int signingInputLength, byte[] signature, string algorithm)
    {
        Raw = raw;
        SigningInputLength = signingInputLength;
        Signature = signature;
        Algorithm = algorithm;
    }

    /// <summary>The token text; its first <see cref="SigningInputLength"/> chars (header.payload) are what was signed.</summary>
    public string Raw { get; }
    public int SigningInputLength { get; }
    public byte[] Signature { get; }

    public string Algorithm { get; }
    public string? KeyId { get; private set; }

    public string? Issuer { get; private set; }
    public IReadOnlyList<string> Audiences { get; private set; } = [];
    /// <summary>Seconds since the Unix epoch (NumericDate); fractions are dropped.</summary>
    public long? ExpiresAt { get; private set; }
    public long? NotBefore { get; private set; }
    public string? Subject { get; private set; }
    public string? ClientId { get; private set; }
    public string? Cid { get; private set; }
    /// <summary>Raw <c>scp</c> values: one per array element, or the single string.</summary>
    public IReadOnlyList<string> Scp { get; private set; } = [];
    public string? Scope { get; private set; }

    public static bool TryParse(string token, out JsonWebToken jwt)
    {
        jwt = null!;
        if (token.Length is 0 or > MaxLength)
            return false;
        int dot1 = token.IndexOf('.');
        int dot2 = dot1 < 0 ? -1 : token.IndexOf('.', dot1 + 1);
        if (dot2 < 0 || token.IndexOf('.', dot2 + 1) >= 0)
            return false;   // not three parts (a JWE has five)

        var headerText = token.AsSpan(0, dot1);
        var payloadText = token.AsSpan(dot1 + 1, dot2 - dot1 - 1);
        var signatureText = token.AsSpan(dot2 + 1);
        if (headerText.IsEmpty || payloadText.IsEmpty || signatureText.IsEmpty)
            return false;   // an empty signature is the "alg": "none" shape

        byte[] signature;
        if (!TryDecode(signatureText, out var rented, out int length))
            return false;
        signature = rented.AsSpan(0, length).ToArray();
        ArrayPool<byte>.Shared.Return(rented);

        if (!TryDecode(headerText, out rented, out length))
            return false;
        string? algorithm, keyId;
        try
        {
            if (!TryReadHeader(rented.AsSpan(0, length), out algorithm, out keyId))
                return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        var parsed = new JsonWebToken(token, dot2, signature, algorithm) { KeyId = keyId };
        if (!TryDecode(payloadText, out rented, out length))
            return false;
        try
        {
            if (!parsed.TryReadPayload(rented.AsSpan(0, length)))
                return false;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented, clearArray: true);
        }
        jwt = parsed;
        return true;
    }

    private static bool TryDecode(ReadOnlySpan<char> text, out byte[] buffer, out int length)
    {
        buffer = [];
        length = 0;
        // Strict alphabet: the decoder would otherwise skip whitespace and accept padding.
        foreach (char c in text)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c == '_'))
                return false;
        }
        buffer = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(text.Length));
        if (Base64Url.DecodeFromChars(text, buffer, out _, out length) != OperationStatus.Done)
        {
            ArrayPool<byte>.Shared.Return(buffer);
            return false;
        }
        return true;
    }

    private static bool TryReadHeader(ReadOnlySpan<byte> json, out string algorithm, out string? keyId)
    {
        algorithm = "";
        keyId = null;
        string? alg = null;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("alg"u8))
                {
                    if (alg is not null || !ReadString(ref reader, out alg))
                        return false;
                }
                else if (reader.ValueTextEquals("kid"u8))
                {
                    if (keyId is not null || !ReadString(ref reader, out keyId))
                        return false;
                }
                else if (reader.ValueTextEquals("crit"u8) || reader.ValueTextEquals("enc"u8) || reader.ValueTextEquals("b64"u8))
                {
                    return false;   // extensions we do not implement must not be silently ignored (RFC 7515 §4.1.11)
                }
                else
                {
                    reader.Skip();
                }
            }
            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
                return false;
        }
        catch (JsonException)
        {
            return false;
        }
        if (string.IsNullOrEmpty(alg))
            return false;
        algorithm = alg;
        return true;
    }

    private bool TryReadPayload(ReadOnlySpan<byte> json)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 32 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                string? name = reader.ValueTextEquals("iss"u8) ? "iss"
                    : reader.ValueTextEquals("aud"u8) ? "aud"
                    : reader.ValueTextEquals("exp"u8) ? "exp"
                    : reader.ValueTextEquals("nbf"u8) ? "nbf"
                    : reader.ValueTextEquals("sub"u8) ? "sub"
                    : reader.ValueTextEquals("client_id"u8) ? "client_id"
                    : reader.ValueTextEquals("cid"u8) ? "cid"
                    : reader.ValueTextEquals("scp"u8) ? "scp"
                    : reader.ValueTextEquals("scope"u8) ? "scope"
                    : null;
                if (name is null)
                {
                    reader.Skip();
                    continue;
                }
                if (!seen.Add(name))
                    return false;   // a duplicated claim means different parsers may see different tokens
                bool ok;
                switch (name)
                {
                    case "iss": ok = ReadString(ref reader, out var iss); Issuer = iss; break;
                    case "aud": ok = ReadStringOrArray(ref reader, out var aud); Audiences = aud; break;
                    case "exp": ok = ReadNumericDate(ref reader, out var exp); ExpiresAt = exp; break;
                    case "nbf": ok = ReadNumericDate(ref reader, out var nbf); NotBefore = nbf; break;
                    case "sub": ok = ReadString(ref reader, out var sub); Subject = sub; break;
                    case "client_id": ok = ReadString(ref reader, out var clientId); ClientId = clientId; break;
                    case "cid": ok = ReadString(ref reader, out var cid); Cid = cid; break;
                    case "scp": ok = ReadStringOrArray(ref reader, out var scp); Scp = scp; break;
                    default: ok = ReadString(ref reader, out var scope); Scope = scope; break;
                }
                if (!ok)
                    return false;
            }
            return reader.TokenType == JsonTokenType.EndObject && !reader.Read();
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static bool ReadString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.String)
            return false;
        value = reader.GetString();
        return true;
    }

    private static bool ReadStringOrArray(ref Utf8JsonReader reader, out IReadOnlyList<string> values)
    {
        values = [];
        if (!reader.Read())
            return false;
        if (reader.TokenType == JsonTokenType.String)
        {
            values = [reader.GetString()!];
            return true;
        }
        if (reader.TokenType != JsonTokenType.StartArray)
            return false;
        var list = new List<string>();
        while (reader.Read() && reader.TokenType == JsonTokenType.String)
            list.Add(reader.GetString()!);
        values = list;
        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool ReadNumericDate(ref Utf8JsonReader reader, out long? value)
    {
        value = null;
        if (!reader.Read() || reader.TokenType != JsonTokenType.Number)
            return false;
        if (reader.TryGetInt64(out long whole))
        {
            value = whole;
            return true;
        }
        // RFC 7519 allows fractional seconds; anything outside the DateTimeOffset range is nonsense.
        if (!reader.TryGetDouble(out double d) || !double.IsFinite(d) || d < 0 || d > 253_402_300_799d)
            return false;
        value = (long)Math.Floor(d);
        return true;
    }
}

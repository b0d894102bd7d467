using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;

namespace IbmiMcp.Auth;

/// <summary>
/// The two rules this server adds before Microsoft.IdentityModel validates a compact JWS, because the library (8.x)
/// accepts what the RFC says to refuse: a <c>crit</c> header (RFC 7515 §4.1.11: a recipient must refuse extensions it
/// does not understand, and none is understood here), and duplicated member names in the header or the payload
/// (§5.2: a parser may not pick one silently — a parser differential is how a claim gets smuggled past a proxy).
/// Shape, encoding, algorithms, signatures, keys, lifetimes, issuer and audience are the library's job; tests pin
/// which of these it refuses by itself (padding, white space, a non-numeric exp, a non-object payload).
/// </summary>
internal static class JwsShape
{
    private const int MaxTokenLength = 16 * 1024;

    public static bool IsStrict(string token)
    {
        if (token.Length is 0 or > MaxTokenLength) return false;
        var span = token.AsSpan();
        int first = span.IndexOf('.');
        if (first <= 0) return false;
        int second = span[(first + 1)..].IndexOf('.');
        if (second < 0) return false;
        return HasUniqueMembers(span[..first], forbidCrit: true) && HasUniqueMembers(span[(first + 1)..(first + 1 + second)], forbidCrit: false);
    }

    private static bool HasUniqueMembers(ReadOnlySpan<char> part, bool forbidCrit)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(Base64Url.GetMaxDecodedLength(part.Length));
        try
        {
            // Anything that does not decode to a JSON object is left for the library to refuse.
            if (Base64Url.DecodeFromChars(part, bytes, out _, out int length) != OperationStatus.Done) return true;
            var reader = new Utf8JsonReader(bytes.AsSpan(0, length), new JsonReaderOptions { MaxDepth = 16 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return true;
            var names = new HashSet<string>(StringComparer.Ordinal);
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var name = reader.GetString()!;
                if (!names.Add(name) || (forbidCrit && name == "crit")) return false;
                reader.Read();
                reader.Skip();
            }
            return true;
        }
        catch (JsonException)
        {
            return true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}

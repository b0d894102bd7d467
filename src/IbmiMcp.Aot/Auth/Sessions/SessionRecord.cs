using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// Everything another replica needs to serve a token: who signed on, where, the pool shape, the lifetime and the
/// password to reopen the pool with. Serialized as compact JSON and only ever stored sealed (<see cref="SessionSealer"/>).
/// </summary>
internal sealed class SessionRecord
{
    public required string User { get; init; }
    public required string Host { get; init; }
    public int Port { get; init; }
    public int PoolMax { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset ExpiresAt { get; init; }
    /// <summary>The client address of the sign-on, for audit lines on other replicas.</summary>
    public string? ClientAddress { get; init; }
    /// <summary>The RSA key id the sign-on envelope was sealed to (audit; rotation analysis).</summary>
    public string? EnvelopeKeyId { get; init; }
    /// <summary>Group profile and supplemental groups, read at sign-on (tool authorization).</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];
    public IReadOnlyList<string> SpecialAuthorities { get; init; } = [];
    /// <summary>False when the profile could not be read at sign-on.</summary>
    public bool ProfileComplete { get; init; } = true;

    /// <summary>UTF-8 JSON of the record with the password; the result is pinned and must be zeroed by the caller.</summary>
    public byte[] Serialize(ReadOnlySpan<byte> password)
    {
        var buffer = new ArrayBufferWriter<byte>(256 + password.Length * 2);
        try
        {
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                w.WriteString("u"u8, User);
                w.WriteString("h"u8, Host);
                w.WriteNumber("p"u8, Port);
                w.WriteNumber("pm"u8, PoolMax);
                w.WriteNumber("c"u8, CreatedAt.ToUnixTimeMilliseconds());
                w.WriteNumber("e"u8, ExpiresAt.ToUnixTimeMilliseconds());
                if (ClientAddress is not null) w.WriteString("a"u8, ClientAddress);
                if (EnvelopeKeyId is not null) w.WriteString("k"u8, EnvelopeKeyId);
                WriteList(w, "g"u8, Groups);
                WriteList(w, "sa"u8, SpecialAuthorities);
                if (!ProfileComplete) w.WriteBoolean("pc"u8, false);
                w.WriteBase64String("pw"u8, password);
                w.WriteEndObject();
            }
            var result = GC.AllocateUninitializedArray<byte>(buffer.WrittenCount, pinned: true);
            buffer.WrittenSpan.CopyTo(result);
            return result;
        }
        finally
        {
            buffer.Clear(); // zeroes what was written: the password was among it
        }
    }

    private static void WriteList(Utf8JsonWriter w, ReadOnlySpan<byte> name, IReadOnlyList<string> items)
    {
        if (items.Count == 0) return;
        w.WriteStartArray(name);
        foreach (var item in items) w.WriteStringValue(item);
        w.WriteEndArray();
    }

    private static List<string> ReadList(ref Utf8JsonReader reader)
    {
        var items = new List<string>();
        if (reader.TokenType != JsonTokenType.StartArray) { reader.Skip(); return items; }
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            if (reader.TokenType == JsonTokenType.String) items.Add(reader.GetString()!);
        return items;
    }

    /// <summary>
    /// Parses what <see cref="Serialize"/> wrote. On success <paramref name="password"/> is a pinned array the caller
    /// owns and must zero. Unknown fields are ignored, so newer replicas may add fields during a rolling upgrade.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> json, out SessionRecord? record, out byte[]? password)
    {
        record = null;
        password = null;
        string? user = null, host = null, client = null, keyId = null;
        long created = 0, expires = 0;
        int port = 0, poolMax = 0;
        List<string> groups = [], authorities = [];
        bool complete = true;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject) return false;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("u"u8)) { reader.Read(); user = reader.GetString(); }
                else if (reader.ValueTextEquals("h"u8)) { reader.Read(); host = reader.GetString(); }
                else if (reader.ValueTextEquals("p"u8)) { reader.Read(); port = reader.GetInt32(); }
                else if (reader.ValueTextEquals("pm"u8)) { reader.Read(); poolMax = reader.GetInt32(); }
                else if (reader.ValueTextEquals("c"u8)) { reader.Read(); created = reader.GetInt64(); }
                else if (reader.ValueTextEquals("e"u8)) { reader.Read(); expires = reader.GetInt64(); }
                else if (reader.ValueTextEquals("a"u8)) { reader.Read(); client = reader.GetString(); }
                else if (reader.ValueTextEquals("k"u8)) { reader.Read(); keyId = reader.GetString(); }
                else if (reader.ValueTextEquals("g"u8)) { reader.Read(); groups = ReadList(ref reader); }
                else if (reader.ValueTextEquals("sa"u8)) { reader.Read(); authorities = ReadList(ref reader); }
                else if (reader.ValueTextEquals("pc"u8)) { reader.Read(); complete = reader.GetBoolean(); }
                else if (reader.ValueTextEquals("pw"u8))
                {
                    reader.Read();
                    if (password is not null) CryptographicOperations.ZeroMemory(password);
                    password = DecodePinned(ref reader);
                }
                else { reader.Read(); reader.Skip(); }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            Zero(ref password);
            return false;
        }
        if (string.IsNullOrEmpty(user) || string.IsNullOrEmpty(host) || password is null || port is < 1 or > 65535 || poolMax < 1 || expires <= 0)
        {
            Zero(ref password);
            return false;
        }
        record = new SessionRecord
        {
            User = user, Host = host, Port = port, PoolMax = poolMax,
            CreatedAt = DateTimeOffset.FromUnixTimeMilliseconds(created), ExpiresAt = DateTimeOffset.FromUnixTimeMilliseconds(expires),
            ClientAddress = client, EnvelopeKeyId = keyId, Groups = groups, SpecialAuthorities = authorities, ProfileComplete = complete,
        };
        return true;
    }

    private static byte[] DecodePinned(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.String || reader.ValueIsEscaped || reader.HasValueSequence)
            throw new FormatException("pw is not plain base64 text");
        var text = reader.ValueSpan;
        Span<byte> tmp = text.Length <= 1024 ? stackalloc byte[1024] : new byte[text.Length];
        try
        {
            if (System.Buffers.Text.Base64.DecodeFromUtf8(text, tmp, out _, out int written) != OperationStatus.Done)
                throw new FormatException("pw is not base64");
            var result = GC.AllocateUninitializedArray<byte>(written, pinned: true);
            tmp[..written].CopyTo(result);
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
}

using System.Text;
using StackExchange.Redis;

namespace IbmiMcp.Tests.TestSupport;

/// <summary>
/// Everything a Redis holds, read the ways an attacker with access would (every key by SCAN, every value by type, and
/// DUMP's serialized form), and a search of it for secrets in every encoding a careless store might use.
/// </summary>
public static class RedisDump
{
    public static async Task<List<(string Key, byte[] Value)>> ReadAllAsync(RedisServer redis)
    {
        var db = await redis.AdminAsync();
        var server = await redis.AdminServerAsync();
        var items = new List<(string, byte[])>();
        await foreach (var key in server.KeysAsync(pattern: "*"))
        {
            var type = await db.KeyTypeAsync(key);
            var text = new StringBuilder();
            switch (type)
            {
                case RedisType.String: text.Append((string?)await db.StringGetAsync(key)); break;
                case RedisType.Hash: foreach (var e in await db.HashGetAllAsync(key)) text.Append(e.Name).Append('=').Append(e.Value).Append(';'); break;
                case RedisType.SortedSet: foreach (var e in await db.SortedSetRangeByRankWithScoresAsync(key)) text.Append(e.Element).Append(':').Append(e.Score).Append(';'); break;
                case RedisType.Set: foreach (var e in await db.SetMembersAsync(key)) text.Append(e).Append(';'); break;
                case RedisType.List: foreach (var e in await db.ListRangeAsync(key)) text.Append(e).Append(';'); break;
            }
            var dump = await db.KeyDumpAsync(key) ?? [];
            items.Add((key!, [.. Encoding.UTF8.GetBytes(text.ToString()), 0, .. dump]));
        }
        return items;
    }

    /// <summary>Fails naming the key and the encoding when any secret or name appears anywhere.</summary>
    public static void AssertNothingRevealed(List<(string Key, byte[] Value)> dump, string password, string token, IEnumerable<string> names)
    {
        var needles = new List<(string What, byte[] Bytes)>();
        foreach (var (what, form) in Encodings(password)) needles.Add(("password " + what, form));
        foreach (var (what, form) in Encodings(token)) needles.Add(("token " + what, form));
        var raw = new byte[32];
        if (IbmiMcp.Auth.Sessions.SessionTable.TryDecode(token, raw))
        {
            needles.Add(("token bytes", raw));
            needles.Add(("token hex", Encoding.ASCII.GetBytes(Convert.ToHexString(raw))));
            needles.Add(("token hex lower", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(raw))));
            needles.Add(("token base64", Encoding.ASCII.GetBytes(Convert.ToBase64String(raw))));
        }
        foreach (var name in names) needles.Add(("name " + name, Encoding.UTF8.GetBytes(name)));
        foreach (var (key, value) in dump)
            foreach (var (what, needle) in needles)
            {
                Assert.False(Encoding.UTF8.GetBytes(key).AsSpan().IndexOf(needle) >= 0, $"key '{key}' contains the {what}");
                Assert.False(value.AsSpan().IndexOf(needle) >= 0, $"value of '{key}' contains the {what}");
            }
    }

    /// <summary>UTF-8, UTF-16 (both orders), Latin-1, hex, base64 and base64url at every alignment inside a longer blob, JSON-escaped, URL-encoded.</summary>
    public static IEnumerable<(string What, byte[] Bytes)> Encodings(string secret)
    {
        var utf8 = Encoding.UTF8.GetBytes(secret);
        yield return ("utf-8", utf8);
        yield return ("utf-16le", Encoding.Unicode.GetBytes(secret));
        yield return ("utf-16be", Encoding.BigEndianUnicode.GetBytes(secret));
        yield return ("latin-1", Encoding.Latin1.GetBytes(secret));
        yield return ("hex", Encoding.ASCII.GetBytes(Convert.ToHexString(utf8)));
        yield return ("hex lower", Encoding.ASCII.GetBytes(Convert.ToHexStringLower(utf8)));
        var escaped = System.Text.Json.JsonSerializer.Serialize(secret).Trim('"');
        yield return ("json-escaped", Encoding.UTF8.GetBytes(escaped));
        yield return ("json-escaped (lower-case hex)", Encoding.UTF8.GetBytes(System.Text.RegularExpressions.Regex.Replace(escaped, @"\\u[0-9A-F]{4}", m => m.Value.ToLowerInvariant())));
        yield return ("url-encoded", Encoding.ASCII.GetBytes(Uri.EscapeDataString(secret)));
        for (int shift = 0; shift < 3; shift++)
        {
            // The secret's base64 inside a larger base64 blob depends on its offset mod 3; the middle is stable.
            var padded = new byte[shift + utf8.Length];
            utf8.CopyTo(padded, shift);
            var b64 = Convert.ToBase64String(padded);
            int skip = (shift + 2) / 3 * 4, keep = (utf8.Length - ((3 - shift) % 3)) / 3 * 4;
            if (keep >= 8)
            {
                var middle = b64.Substring(skip, keep);
                yield return ($"base64 @{shift}", Encoding.ASCII.GetBytes(middle));
                yield return ($"base64url @{shift}", Encoding.ASCII.GetBytes(middle.Replace('+', '-').Replace('/', '_')));
            }
        }
    }
}

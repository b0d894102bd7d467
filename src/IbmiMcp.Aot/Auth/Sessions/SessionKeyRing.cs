using System.Security.Cryptography;
using System.Text;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// The server session keys that seal session records in a shared store: the active key
/// (IBMI_AUTH_SESSION_KEY_PATH), which seals new records, and retired keys (every file in
/// IBMI_AUTH_RETIRED_SESSION_KEYS_DIR), which still open records sealed before a rotation. A key id is derived from the
/// key itself, so a record always names the key that opens it and no configuration can pair the wrong id with a key.
/// </summary>
internal sealed class SessionKeyRing : IDisposable
{
    public const int KeyBytes = 32;
    private readonly Dictionary<string, byte[]> _keys;

    private SessionKeyRing(string activeKeyId, Dictionary<string, byte[]> keys)
    {
        ActiveKeyId = activeKeyId;
        _keys = keys;
    }

    public string ActiveKeyId { get; }

    public IEnumerable<string> KeyIds => _keys.Keys;

    /// <summary>The active key's bytes (sealing, and the store's non-secret key derivations).</summary>
    public ReadOnlySpan<byte> ActiveKey => _keys[ActiveKeyId];

    public bool TryGetKey(string keyId, out ReadOnlySpan<byte> key)
    {
        if (_keys.TryGetValue(keyId, out var bytes))
        {
            key = bytes;
            return true;
        }
        key = default;
        return false;
    }

    /// <summary>For tests and the benchmark: a ring over keys held in memory, the first one active.</summary>
    internal static SessionKeyRing FromKeys(params byte[][] keys)
    {
        var map = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var key in keys)
            map[IdOf(key)] = key.ToArray();
        return new SessionKeyRing(IdOf(keys[0]), map);
    }

    /// <summary>Loads the keys, or returns null with one message per problem (each names its setting and file).</summary>
    public static SessionKeyRing? Load(string? activePath, string? retiredDir, List<string> errors)
    {
        int before = errors.Count;
        if (string.IsNullOrWhiteSpace(activePath))
        {
            errors.Add("IBMI_AUTH_SESSION_KEY_PATH: required with IBMI_AUTH_SESSION_STORE=redis (create one with: ibmi-mcp keygen --session-key secrets/session.key).");
            return null;
        }
        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        var active = Read("IBMI_AUTH_SESSION_KEY_PATH", Path.GetFullPath(activePath), errors);
        string? activeId = null;
        if (active is not null)
        {
            activeId = IdOf(active);
            keys[activeId] = active;
        }
        if (!string.IsNullOrWhiteSpace(retiredDir))
        {
            var dir = Path.GetFullPath(retiredDir);
            if (!Directory.Exists(dir))
                errors.Add($"IBMI_AUTH_RETIRED_SESSION_KEYS_DIR: '{dir}' does not exist.");
            else
                foreach (var file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
                {
                    if (Path.GetFileName(file).StartsWith('.')) continue;
                    var key = Read("IBMI_AUTH_RETIRED_SESSION_KEYS_DIR", file, errors);
                    if (key is null) continue;
                    var id = IdOf(key);
                    if (id == activeId)
                    {
                        CryptographicOperations.ZeroMemory(key);
                        errors.Add($"IBMI_AUTH_RETIRED_SESSION_KEYS_DIR: '{file}' is the active IBMI_AUTH_SESSION_KEY_PATH key; a retired key must be an older one.");
                        continue;
                    }
                    keys.TryAdd(id, key);
                }
        }
        if (errors.Count > before)
        {
            foreach (var k in keys.Values) CryptographicOperations.ZeroMemory(k);
            return null;
        }
        return new SessionKeyRing(activeId!, keys);
    }

    /// <summary>
    /// A key file holds 32 random bytes: raw, or as base64 or hex text (what <c>ibmi-mcp keygen --session-key</c> writes,
    /// convenient for Kubernetes secrets). Anything else is refused rather than stretched into a key.
    /// </summary>
    internal static byte[]? Read(string setting, string path, List<string> errors)
    {
        if (!PrivateKeyFile.Check(setting, path, "session key file", errors))
            return null;
        byte[] content;
        try { content = File.ReadAllBytes(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{setting}: cannot read session key file '{path}': {ex.Message}");
            return null;
        }
        try
        {
            if (TryDecode(content, out var key))
                return key;
            errors.Add($"{setting}: '{path}' is not a session key: it must hold exactly {KeyBytes} random bytes (raw, base64 or hex); create one with: ibmi-mcp keygen --session-key '{path}'.");
            return null;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(content);
        }
    }

    internal static bool TryDecode(ReadOnlySpan<byte> content, out byte[] key)
    {
        key = [];
        if (content.Length == KeyBytes)
        {
            key = content.ToArray();
            return true;
        }
        var text = content.Trim(" \t\r\n"u8);
        Span<byte> decoded = stackalloc byte[64];
        try
        {
            if (text.Length == 2 * KeyBytes && Convert.FromHexString(Encoding.ASCII.GetString(text), decoded, out _, out int hexWritten)
                    == System.Buffers.OperationStatus.Done && hexWritten == KeyBytes)
            {
                key = decoded[..KeyBytes].ToArray();
                return true;
            }
            if (System.Buffers.Text.Base64.DecodeFromUtf8(text, decoded, out int consumed, out int written) == System.Buffers.OperationStatus.Done
                && consumed == text.Length && written == KeyBytes)
            {
                key = decoded[..KeyBytes].ToArray();
                return true;
            }
            return false;
        }
        finally
        {
            CryptographicOperations.ZeroMemory(decoded);
        }
    }

    /// <summary>8 hex digits of a domain-separated SHA-256 of the key: names the key without revealing it.</summary>
    internal static string IdOf(ReadOnlySpan<byte> key)
    {
        Span<byte> input = stackalloc byte[KeyIdLabel.Length + KeyBytes];
        KeyIdLabel.CopyTo(input);
        key.CopyTo(input[KeyIdLabel.Length..]);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(input, hash);
        CryptographicOperations.ZeroMemory(input);
        return Convert.ToHexStringLower(hash[..4]);
    }

    private static ReadOnlySpan<byte> KeyIdLabel => "ibmi-mcp/session-key-id/v1"u8;

    public void Dispose()
    {
        foreach (var k in _keys.Values) CryptographicOperations.ZeroMemory(k);
    }
}

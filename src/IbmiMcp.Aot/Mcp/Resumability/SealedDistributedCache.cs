using System.Security.Cryptography;
using System.Text;
using IbmiMcp.Auth.Sessions;
using Microsoft.Extensions.Caching.Distributed;

namespace IbmiMcp.Mcp.Resumability;

/// <summary>
/// An <see cref="IDistributedCache"/> that seals every value before it reaches the shared store: stream events carry
/// tool results (rows of business data), and a Redis dump must not show them. Each value is AES-256-GCM sealed by
/// <see cref="SessionSealer"/> under a key derived from the server session key with the entry's own key as salt, so a
/// value copied under another key does not open. A value that does not open (other key ring, edited) reads as absent.
/// </summary>
internal sealed class SealedDistributedCache(IDistributedCache inner, SessionSealer sealer) : IDistributedCache
{
    public byte[]? Get(string key) => Open(key, inner.Get(key));

    public async Task<byte[]?> GetAsync(string key, CancellationToken token = default)
        => Open(key, await inner.GetAsync(key, token).ConfigureAwait(false));

    public void Set(string key, byte[] value, DistributedCacheEntryOptions options) => inner.Set(key, Seal(key, value), options);

    public Task SetAsync(string key, byte[] value, DistributedCacheEntryOptions options, CancellationToken token = default)
        => inner.SetAsync(key, Seal(key, value), options, token);

    public void Refresh(string key) => inner.Refresh(key);

    public Task RefreshAsync(string key, CancellationToken token = default) => inner.RefreshAsync(key, token);

    public void Remove(string key) => inner.Remove(key);

    public Task RemoveAsync(string key, CancellationToken token = default) => inner.RemoveAsync(key, token);

    private byte[] Seal(string key, byte[] value) => Encoding.ASCII.GetBytes(sealer.Seal(Salt(key), value));

    private byte[]? Open(string key, byte[]? stored)
    {
        if (stored is null)
            return null;
        return sealer.TryUnseal(Encoding.ASCII.GetString(stored), Salt(key), out var plaintext) == UnsealResult.Opened ? plaintext : null;
    }

    private static byte[] Salt(string key) => SHA256.HashData(Encoding.UTF8.GetBytes(key));
}

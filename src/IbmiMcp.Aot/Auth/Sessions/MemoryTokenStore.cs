using System.Buffers.Text;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// IBMI_AUTH_SESSION_STORE=memory (the default): every session lives in this process, nothing to install; a restart
/// signs everybody out. Tokens are 32 random bytes in base64url (43 characters). The session limit is a counter of
/// live sessions plus reservations, moved with compare-and-swap, so concurrent sign-ons can never exceed it (the
/// reference checks the map size, then inserts: spec §2.3).
/// </summary>
internal sealed class MemoryTokenStore : ITokenStore
{
    private static readonly ValueTask<SessionSlot> s_granted = new(new SessionSlot(true));
    private static readonly ValueTask<SessionSlot> s_refused = new(SessionSlot.Refused);

    private readonly SessionTable _table;
    private readonly int _maxSessions;
    private int _slots;

    public MemoryTokenStore(int maxSessions, TimeProvider time, ILogger log, Observability.Telemetry? telemetry = null, TokenHasher? hasher = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSessions, 1);
        _maxSessions = maxSessions;
        // Only the caller that actually removes an entry gives its slot back, so racing removals (reaper, expiry at
        // use, revoke) release each slot exactly once.
        _table = new SessionTable(time, log, telemetry, hasher) { Removed = _ => Interlocked.Decrement(ref _slots) };
    }

    public string Kind => "memory";

    public int Count => Volatile.Read(ref _slots);

    internal SessionTable Table => _table;

    public ValueTask<SessionSlot> TryReserveAsync(CancellationToken cancellationToken) => TryReserve() ? s_granted : s_refused;

    internal bool TryReserve()
    {
        // CAS instead of Increment-then-check: a failed attempt must never make the count overshoot, even briefly,
        // or a concurrent reserve could be refused while a slot is actually free.
        int current = Volatile.Read(ref _slots);
        while (current < _maxSessions)
        {
            int seen = Interlocked.CompareExchange(ref _slots, current + 1, current);
            if (seen == current) return true;
            current = seen;
        }
        return false;
    }

    public ValueTask ReleaseAsync(SessionSlot slot)
    {
        if (slot.IsGranted) Interlocked.Decrement(ref _slots);
        return ValueTask.CompletedTask;
    }

    public ValueTask<string> IssueAsync(SessionSlot slot, AuthSession session, SignOnRequest request, CancellationToken cancellationToken)
        => new(Issue(session));

    internal string Issue(AuthSession session)
    {
        Span<byte> raw = stackalloc byte[SessionTable.TokenBytes];
        while (true)
        {
            RandomNumberGenerator.Fill(raw);
            var key = _table.KeyOf(raw);
            session.SessionId = key.ToSessionId();
            // A collision of 256-bit random values does not happen; the loop only keeps TryAdd honest.
            if (_table.TryAdd(key, session))
            {
                var token = Base64Url.EncodeToString(raw);
                CryptographicOperations.ZeroMemory(raw);
                return token;
            }
        }
    }

    public TokenLookup TryGet(ReadOnlySpan<char> token, out AuthSession? session)
    {
        session = null;
        if (!_table.TryKeyOf(token, out var key))
            return TokenLookup.Malformed;
        return _table.TryGet(key, out session);
    }

    // This process is the only store: what TryGet said is final.
    public ValueTask<TokenResolution> ResolveAsync(string token, CancellationToken cancellationToken)
    {
        var lookup = TryGet(token, out var session);
        return new(new TokenResolution(lookup, session));
    }

    public ValueTask<bool> RevokeAsync(string token)
    {
        if (!_table.TryKeyOf(token, out var key) || _table.TryGet(key, out var found) != TokenLookup.Valid)
            return new(false);
        if (!_table.TryRemove(key, found!))
            return new(false);
        return CloseAsync(found!);

        async ValueTask<bool> CloseAsync(AuthSession s)
        {
            await s.CloseAsync().ConfigureAwait(false);
            return true;
        }
    }

    public ValueTask<int> RemoveExpiredAsync() => _table.RemoveExpiredAsync();

    public ValueTask<TimeSpan?> TimeUntilNextExpiryAsync()
    {
        if (_table.EarliestExpiry() is not { } earliest) return new((TimeSpan?)null);
        var left = earliest - _table.Time.GetUtcNow();
        return new(left < TimeSpan.Zero ? TimeSpan.Zero : left);
    }

    public ValueTask DisposeAsync() => _table.ClearAsync();
}

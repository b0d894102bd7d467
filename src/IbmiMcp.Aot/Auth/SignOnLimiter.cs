namespace IbmiMcp.Auth;

/// <summary>
/// The in-process <see cref="ISignOnGuard"/> (IBMI_AUTH_SESSION_STORE=memory): every failed sign-on counts against the
/// user profile (per host) and against the client address; at IBMI_AUTH_MAX_FAILED_ATTEMPTS either one is locked out
/// for IBMI_AUTH_LOCKOUT_SECONDS (429 + Retry-After). Attempts still in flight at one profile count as failures until
/// they end, so a burst of concurrent guesses cannot slip past the limit. A success resets the user's count.
/// </summary>
internal sealed class SignOnLimiter : ISignOnGuard
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly int _maxFailures;
    private readonly TimeSpan _lockout;

    public SignOnLimiter(int maxFailures, TimeSpan lockout, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        _maxFailures = maxFailures; _lockout = lockout; _time = time;
    }

    /// <summary>Key for a user profile on a host (IBM i counts failures per system and profile, case-insensitively).</summary>
    public static string UserKey(string user, string host) => "u:" + user.ToUpperInvariant() + "@" + host.ToLowerInvariant();
    public static string AddressKey(string? address) => "a:" + (address ?? "unknown");

    public ValueTask<SignOnAdmission> TryBeginAsync(string user, string host, string? client, CancellationToken cancellationToken)
    {
        var userKey = UserKey(user, host);
        var addressKey = AddressKey(client);
        bool admitted = TryBegin(userKey, addressKey, out int wait);
        return new(new SignOnAdmission(admitted, wait, userKey, addressKey));
    }

    public ValueTask EndAsync(SignOnAdmission admission, SignOnOutcome outcome)
    {
        End(admission.UserKey, admission.AddressKey, outcome);
        return ValueTask.CompletedTask;
    }

    /// <summary>Admits one attempt, or says how long to wait. An admitted attempt must be closed with <see cref="End"/>.</summary>
    public bool TryBegin(string userKey, string addressKey, out int retryAfterSeconds)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var user = Get(userKey, now);
            var address = Get(addressKey, now);
            // In-flight attempts count against the user (a burst of guesses at one profile must not pass QMAXSIGN) but
            // not against the address: many users behind one NAT sign on at once, and a burst spread over many
            // profiles costs each profile at most one failure before the address is locked.
            int wait = Math.Max(user.RetryAfter(now, _maxFailures, countInFlight: true), address.RetryAfter(now, _maxFailures, countInFlight: false));
            if (wait > 0)
            {
                retryAfterSeconds = wait;
                return false;
            }
            user.InFlight++;
            address.InFlight++;
        }
        retryAfterSeconds = 0;
        return true;
    }

    /// <summary>Closes an attempt. Only <see cref="SignOnOutcome.Rejected"/> (IBM i refused the password) counts as a failure.</summary>
    public void End(string userKey, string addressKey, SignOnOutcome outcome)
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            var user = Get(userKey, now);
            var address = Get(addressKey, now);
            user.InFlight--;
            address.InFlight--;
            if (outcome == SignOnOutcome.Rejected)
            {
                user.Fail(now, _maxFailures, _lockout);
                address.Fail(now, _maxFailures, _lockout);
            }
            else if (outcome == SignOnOutcome.Succeeded)
            {
                user.Failures = 0;
            }
        }
    }

    /// <summary>Forgets idle entries whose failures have aged out (called by the reaper).</summary>
    public void Prune()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            List<string>? idle = null;
            foreach (var pair in _entries)
            {
                pair.Value.Age(now, _lockout);
                if (pair.Value.InFlight == 0 && pair.Value.Failures == 0 && pair.Value.LockedUntil <= now)
                    (idle ??= []).Add(pair.Key);
            }
            if (idle is not null)
                foreach (var key in idle) _entries.Remove(key);
        }
    }

    internal int TrackedCount { get { lock (_lock) return _entries.Count; } }

    private Entry Get(string key, DateTimeOffset now)
    {
        if (!_entries.TryGetValue(key, out var entry))
            _entries[key] = entry = new Entry();
        entry.Age(now, _lockout);
        return entry;
    }

    private sealed class Entry
    {
        public int Failures;
        public int InFlight;
        public DateTimeOffset LastFailure;
        public DateTimeOffset LockedUntil;

        // Failures older than the lockout window are forgiven, as a lockout would have ended by then.
        public void Age(DateTimeOffset now, TimeSpan window)
        {
            if (Failures > 0 && now - LastFailure >= window && LockedUntil <= now)
                Failures = 0;
        }

        public void Fail(DateTimeOffset now, int max, TimeSpan lockout)
        {
            Failures++;
            LastFailure = now;
            if (Failures >= max)
            {
                LockedUntil = now + lockout;
                Failures = 0; // the lockout now carries the penalty; afterwards the count starts over
            }
        }

        public int RetryAfter(DateTimeOffset now, int max, bool countInFlight)
        {
            if (LockedUntil > now)
                return Math.Max(1, (int)Math.Ceiling((LockedUntil - now).TotalSeconds));
            // Attempts in flight may all fail; admitting more could exceed the limit.
            return Failures + (countInFlight ? InFlight : 0) >= max ? 1 : 0;
        }
    }
}

internal enum SignOnOutcome
{
    Succeeded,
    /// <summary>IBM i refused the profile or password: the only outcome that counts toward the lockout.</summary>
    Rejected,
    /// <summary>Anything else (unreachable, TLS, timeout, cancelled): says nothing about the password.</summary>
    Inconclusive,
}

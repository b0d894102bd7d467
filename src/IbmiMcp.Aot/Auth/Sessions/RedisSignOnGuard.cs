using System.Buffers.Text;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace IbmiMcp.Auth.Sessions;

/// <summary>
/// The shared <see cref="ISignOnGuard"/>: the same rules as <see cref="SignOnLimiter"/>, kept in Redis and applied by
/// Lua scripts, so every replica counts the same failures and N replicas together never relay more than
/// IBMI_AUTH_MAX_FAILED_ATTEMPTS bad passwords for one profile to IBM i. In-flight attempts are members of a sorted
/// set with their own deadline, so a replica that dies mid sign-on cannot leave an attempt counted forever. Keys are
/// HMAC digests of the profile and address (<see cref="RedisSessionBackend.HiddenKey(string, string)"/>).
/// </summary>
internal sealed class RedisSignOnGuard : ISignOnGuard
{
    // KEYS: user state, user in-flight set, address state. ARGV: max, lockout ms, attempt id, attempt lifetime ms.
    // State hashes hold f (failures), l (last failure, ms) and u (locked until, ms); failures older than the lockout
    // window are forgiven, as the memory guard does.
    private const string BeginScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local max = tonumber(ARGV[1])
        local lockout = tonumber(ARGV[2])
        local function load(key)
          local v = redis.call('HMGET', key, 'f', 'l', 'u')
          local f = tonumber(v[1]) or 0
          local last = tonumber(v[2]) or 0
          local locked = tonumber(v[3]) or 0
          if f > 0 and now - last >= lockout and locked <= now then f = 0 end
          return f, locked
        end
        local uf, ul = load(KEYS[1])
        local af, al = load(KEYS[3])
        redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
        local inflight = redis.call('ZCARD', KEYS[2])
        local wait = 0
        if ul > now then wait = math.max(wait, math.ceil((ul - now) / 1000))
        elseif uf + inflight >= max then wait = math.max(wait, 1) end
        if al > now then wait = math.max(wait, math.ceil((al - now) / 1000))
        elseif af >= max then wait = math.max(wait, 1) end
        if wait > 0 then return wait end
        redis.call('ZADD', KEYS[2], now + tonumber(ARGV[4]), ARGV[3])
        redis.call('PEXPIRE', KEYS[2], tonumber(ARGV[4]) + lockout)
        return 0
        """;

    // Same KEYS. ARGV: max, lockout ms, attempt id, outcome (0 succeeded, 1 rejected, 2 inconclusive).
    private const string EndScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        local max = tonumber(ARGV[1])
        local lockout = tonumber(ARGV[2])
        redis.call('ZREM', KEYS[2], ARGV[3])
        local outcome = tonumber(ARGV[4])
        local function fail(key)
          local v = redis.call('HMGET', key, 'f', 'l', 'u')
          local f = tonumber(v[1]) or 0
          local last = tonumber(v[2]) or 0
          local locked = tonumber(v[3]) or 0
          if f > 0 and now - last >= lockout and locked <= now then f = 0 end
          f = f + 1
          if f >= max then
            redis.call('HSET', key, 'f', 0, 'l', now, 'u', now + lockout)
          else
            redis.call('HSET', key, 'f', f, 'l', now)
          end
          redis.call('PEXPIRE', key, 2 * lockout)
        end
        if outcome == 1 then
          fail(KEYS[1])
          fail(KEYS[3])
        elseif outcome == 0 then
          redis.call('HSET', KEYS[1], 'f', 0)
          redis.call('PEXPIRE', KEYS[1], 2 * lockout)
        end
        return 1
        """;

    private readonly RedisSessionBackend _redis;
    private readonly int _maxFailures;
    private readonly long _lockoutMs;
    private readonly long _attemptLifetimeMs;

    /// <param name="attemptLifetime">Longest an attempt can stay in flight (the sign-on deadline plus a margin).</param>
    public RedisSignOnGuard(RedisSessionBackend redis, int maxFailures, TimeSpan lockout, TimeSpan attemptLifetime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFailures, 1);
        _redis = redis; _maxFailures = maxFailures;
        _lockoutMs = (long)lockout.TotalMilliseconds;
        _attemptLifetimeMs = (long)attemptLifetime.TotalMilliseconds;
    }

    public async ValueTask<SignOnAdmission> TryBeginAsync(string user, string host, string? client, CancellationToken cancellationToken)
    {
        var userKey = SignOnLimiter.UserKey(user, host);
        var addressKey = SignOnLimiter.AddressKey(client);
        var attempt = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(12));
        var wait = (int)await _redis.EvaluateAsync(BeginScript, Keys(userKey, addressKey),
            [_maxFailures, _lockoutMs, attempt, _attemptLifetimeMs], "sign-on guard").ConfigureAwait(false);
        return new SignOnAdmission(wait == 0, wait, userKey, addressKey, attempt);
    }

    public async ValueTask EndAsync(SignOnAdmission admission, SignOnOutcome outcome)
    {
        int code = outcome switch { SignOnOutcome.Succeeded => 0, SignOnOutcome.Rejected => 1, _ => 2 };
        try
        {
            await _redis.EvaluateAsync(EndScript, Keys(admission.UserKey, admission.AddressKey),
                [_maxFailures, _lockoutMs, admission.AttemptId ?? "", code], "sign-on guard").ConfigureAwait(false);
        }
        catch (SessionStoreUnavailableException)
        {
            // The attempt's own deadline ends it; a failure that cannot be recorded errs towards fewer lockouts, and
            // the next attempt is refused anyway while Redis is down (TryBegin cannot reach it either).
        }
    }

    // Redis expires the keys itself.
    public void Prune() { }

    private RedisKey[] Keys(string userKey, string addressKey) =>
        [_redis.HiddenKey("g", userKey), _redis.HiddenKey("gi", userKey), _redis.HiddenKey("g", addressKey)];
}

using Microsoft.Extensions.Logging;

namespace IbmiMcp.Auth;

/// <summary>
/// Log events of the Auth concern (ids 2000–2099). Never pass passwords, tokens, envelopes or keys: sessions are
/// named by <see cref="AuthSession.SessionId"/>. Next free id: 2027.
/// </summary>
internal static partial class AuthLog
{
    [LoggerMessage(2000, LogLevel.Information, "IBM i sign-on succeeded: user {User} on {Host} from {Client}, session {SessionId}, pool {PoolStart}/{PoolMax}, expires {ExpiresAt:O}")]
    public static partial void SignOnSucceeded(ILogger logger, string user, string host, string? client, string sessionId, int poolStart, int poolMax, DateTimeOffset expiresAt);

    [LoggerMessage(2001, LogLevel.Warning, "IBM i sign-on failed ({Failure}): user {User} on {Host} from {Client}: {Detail}")]
    public static partial void SignOnFailed(ILogger logger, string failure, string user, string host, string? client, string detail);

    [LoggerMessage(2002, LogLevel.Warning, "Sign-on refused before reaching IBM i: too many failures for user {User} or client {Client}; retry in {RetryAfter} s")]
    public static partial void SignOnThrottled(ILogger logger, string user, string? client, int retryAfter);

    [LoggerMessage(2003, LogLevel.Warning, "Sign-on refused: host {Host} is not in IBMI_AUTH_ALLOWED_HOSTS (client {Client})")]
    public static partial void HostNotAllowed(ILogger logger, string host, string? client);

    [LoggerMessage(2004, LogLevel.Warning, "Sign-on refused: {Max} concurrent sessions reached (IBMI_AUTH_MAX_CONCURRENT_SESSIONS)")]
    public static partial void MaxSessions(ILogger logger, int max);

    [LoggerMessage(2005, LogLevel.Information, "Envelope rejected from {Client}: {Reason}")]
    public static partial void EnvelopeRejected(ILogger logger, string? client, string reason);

    [LoggerMessage(2006, LogLevel.Information, "Session {SessionId} of {User} closed and its pool disposed")]
    public static partial void SessionClosed(ILogger logger, string sessionId, string user);

    [LoggerMessage(2007, LogLevel.Warning, "Closing the pool of session {SessionId} failed")]
    public static partial void SessionCloseFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(2008, LogLevel.Information, "Session {SessionId} of {User} signed out")]
    public static partial void SignedOut(ILogger logger, string sessionId, string user);

    [LoggerMessage(2009, LogLevel.Debug, "Reaper removed {Count} expired sessions; {Live} remain")]
    public static partial void Reaped(ILogger logger, int count, int live);

    [LoggerMessage(2010, LogLevel.Warning, "IBMI_AUTH_ALLOW_HTTP=true: credentials may be posted to /api/v1/auth over plain HTTP. Use it only on loopback or behind a TLS-terminating proxy listed in MCP_TRUSTED_PROXIES.")]
    public static partial void PlainHttpAllowed(ILogger logger);

    [LoggerMessage(2011, LogLevel.Error, "Sign-on of {User} on {Host} failed unexpectedly")]
    public static partial void SignOnError(ILogger logger, string user, string host, Exception exception);

    [LoggerMessage(2012, LogLevel.Warning, "Reaper tick took {Elapsed} ms")]
    public static partial void ReaperSlow(ILogger logger, long elapsed);

    [LoggerMessage(2013, LogLevel.Information, "IBM i HTTP auth ready: active key {KeyId}, {Retired} retired key(s), allowed hosts {Hosts}")]
    public static partial void Ready(ILogger logger, string keyId, int retired, string hosts);

    [LoggerMessage(2014, LogLevel.Warning, "Session store (Redis) connection to {Endpoint} failed: {Failure}")]
    public static partial void StoreConnectionFailed(ILogger logger, string endpoint, string failure);

    [LoggerMessage(2015, LogLevel.Information, "Session store (Redis) connection to {Endpoint} restored")]
    public static partial void StoreConnectionRestored(ILogger logger, string endpoint);

    [LoggerMessage(2016, LogLevel.Warning, "Session store (Redis) unavailable during {Operation}: {Error}: {Detail}")]
    public static partial void StoreUnavailable(ILogger logger, string operation, string error, string detail);

    [LoggerMessage(2017, LogLevel.Warning, "Session record {SessionId} in the shared store cannot be opened ({Reason}); the token is treated as unknown")]
    public static partial void RecordUnreadable(ILogger logger, string sessionId, string reason);

    [LoggerMessage(2018, LogLevel.Information, "Session {SessionId} of {User} adopted from the shared store (signed on from {Client} at {CreatedAt:O})")]
    public static partial void SessionAdopted(ILogger logger, string sessionId, string user, string? client, DateTimeOffset createdAt);

    [LoggerMessage(2019, LogLevel.Information, "Session {SessionId} revoked on another replica; its pool here is closed")]
    public static partial void RevokedElsewhere(ILogger logger, string sessionId);

    [LoggerMessage(2020, LogLevel.Information, "Session store: {Kind}{Detail}")]
    public static partial void StoreReady(ILogger logger, string kind, string detail);

    [LoggerMessage(2021, LogLevel.Warning, "Sign-on refused from {Client}: the envelope was already used (replay)")]
    public static partial void EnvelopeReplayed(ILogger logger, string? client);

    [LoggerMessage(2022, LogLevel.Warning, "Sign-on refused from {Client}: the envelope was issued {AgeSeconds} s ago, outside IBMI_AUTH_REPLAY_WINDOW_SECONDS")]
    public static partial void EnvelopeTooOld(ILogger logger, string? client, long ageSeconds);

    [LoggerMessage(2023, LogLevel.Warning, "Sign-on refused: the session store is unavailable ({Detail})")]
    public static partial void SignOnStoreUnavailable(ILogger logger, string detail);

    [LoggerMessage(2024, LogLevel.Warning, "Envelope replay window is full ({Entries} envelopes remembered); sign-on refused until older entries age out")]
    public static partial void ReplayWindowFull(ILogger logger, int entries);

    [LoggerMessage(2025, LogLevel.Warning, "The IBM i profile of {User} could not be read at sign-on ({Detail}); tools whose rules need groups or special authorities are refused to this session")]
    public static partial void ProfileUnreadable(ILogger logger, string user, string detail);

    [LoggerMessage(2026, LogLevel.Debug, "Profile of {User}: groups {Groups}, special authorities {Authorities}")]
    public static partial void ProfileRead(ILogger logger, string user, string groups, string authorities);
}

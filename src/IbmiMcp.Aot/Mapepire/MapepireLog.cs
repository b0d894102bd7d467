using Microsoft.Extensions.Logging;

namespace IbmiMcp.Mapepire;

/// <summary>
/// Mapepire log lines. Event ids 4000-4099 belong to this folder (issue 4); next free id: 4014.
/// Never pass passwords, headers or statement parameters.
/// </summary>
internal static partial class MapepireLog
{
    [LoggerMessage(4000, LogLevel.Debug, "Mapepire connection to {Endpoint} opened as {User}, job {Job}")]
    public static partial void ConnectionOpened(ILogger logger, string endpoint, string user, string job);

    [LoggerMessage(4001, LogLevel.Warning, "Mapepire connection (job {Job}) broken: {Failure}: {Reason}")]
    public static partial void ConnectionBroken(ILogger logger, string job, MapepireFailure failure, string reason);

    [LoggerMessage(4002, LogLevel.Information, "Mapepire pool for {User} at {Endpoint} opened with {Count} connection(s), max {Max}, TLS {TlsMode}")]
    public static partial void PoolOpened(ILogger logger, string user, string endpoint, int count, int max, MapepireTlsMode tlsMode);

    [LoggerMessage(4003, LogLevel.Warning, "Mapepire pool for {User} exhausted: {Message}")]
    public static partial void PoolExhausted(ILogger logger, string user, string message);

    [LoggerMessage(4004, LogLevel.Debug, "Mapepire pool for {User} closed idle connection (job {Job})")]
    public static partial void IdleConnectionClosed(ILogger logger, string user, string job);

    [LoggerMessage(4005, LogLevel.Warning, "Mapepire query on job {Job} exceeded {TimeoutMs} ms; closing that connection")]
    public static partial void QueryTimedOut(ILogger logger, string job, long timeoutMs);

    [LoggerMessage(4006, LogLevel.Warning, "{Warning}")]
    public static partial void InsecureTls(ILogger logger, string warning);

    [LoggerMessage(4007, LogLevel.Information, "Mapepire trust on first use for {Endpoint}: pinned {Subject} (SHA-256 {Thumbprint})")]
    public static partial void TrustOnFirstUsePinned(ILogger logger, string endpoint, string subject, string thumbprint);

    [LoggerMessage(4008, LogLevel.Debug, "Setting client information on job {Job} failed; continuing: {Message}")]
    public static partial void ClientInfoFailed(ILogger logger, string job, string message);

    [LoggerMessage(4009, LogLevel.Warning, "Opening a Mapepire connection to {Endpoint} as {User} failed: {Failure}: {Message}")]
    public static partial void OpenFailed(ILogger logger, string endpoint, string user, MapepireFailure failure, string message);

    [LoggerMessage(4010, LogLevel.Debug, "Mapepire reply with unknown id {Id} dropped (cancelled or late)")]
    public static partial void OrphanReply(ILogger logger, long id);

    [LoggerMessage(4011, LogLevel.Information, "Mapepire pool for {User} closed")]
    public static partial void PoolClosed(ILogger logger, string user);

    [LoggerMessage(4012, LogLevel.Debug, "Retrying a statement for {User} on another connection after: {Message}")]
    public static partial void Retrying(ILogger logger, string user, string message);

    [LoggerMessage(4013, LogLevel.Warning, "Closing Mapepire cursor {ContinuationId} on job {Job} failed: {Message}")]
    public static partial void CloseCursorFailed(ILogger logger, long continuationId, string job, string message);
}

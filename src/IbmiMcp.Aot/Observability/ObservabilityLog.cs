using Microsoft.Extensions.Logging;

namespace IbmiMcp.Observability;

/// <summary>Diagnostic log lines of the observability layer. Never pass audit contents. Next free id: 9004.</summary>
internal static partial class ObservabilityLog
{
    [LoggerMessage(9000, LogLevel.Information, "Audit log writing to {Destination}")]
    public static partial void AuditStarted(ILogger logger, string destination);

    [LoggerMessage(9001, LogLevel.Error, "Audit log write failed; events are lost until it recovers")]
    public static partial void AuditWriteFailed(ILogger logger, Exception exception);

    [LoggerMessage(9002, LogLevel.Information, "Audit log writing again after {Failed} failed lines")]
    public static partial void AuditRecovered(ILogger logger, long failed);

    [LoggerMessage(9003, LogLevel.Warning, "Audit buffer full: {Count} events dropped ({Total} in total)")]
    public static partial void AuditDropped(ILogger logger, long count, long total);
}

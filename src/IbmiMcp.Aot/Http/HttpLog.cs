using Microsoft.Extensions.Logging;

namespace IbmiMcp.Http;

internal static partial class HttpLog
{
    // Event ids 100-199 belong to Http. Next free id: 104.
    [LoggerMessage(100, LogLevel.Error, "Internal error (ref {Reference}) on route {Route}")]
    public static partial void UnhandledError(ILogger logger, Route route, string reference, Exception exception);

    [LoggerMessage(101, LogLevel.Information, "Listening on {Address}")]
    public static partial void Listening(ILogger logger, string address);

    [LoggerMessage(102, LogLevel.Information, "Shutting down")]
    public static partial void ShuttingDown(ILogger logger);

    [LoggerMessage(103, LogLevel.Information, "Stopped")]
    public static partial void Stopped(ILogger logger);
}

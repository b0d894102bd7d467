using Microsoft.Extensions.Logging;

namespace IbmiMcp.Tools;

/// <summary>Log messages of the Tools concern. Event ids 6000–6099; next free: 6010. Never logs argument values or passwords.</summary>
internal static partial class ToolsLog
{
    [LoggerMessage(6000, LogLevel.Information, "Loaded {ToolCount} YAML tools in {ToolsetCount} toolsets from {FileCount} files")]
    public static partial void Loaded(ILogger logger, int toolCount, int toolsetCount, int fileCount);

    [LoggerMessage(6001, LogLevel.Warning, "Tool file notice: {Notice}")]
    public static partial void LoadWarning(ILogger logger, string notice);

    [LoggerMessage(6002, LogLevel.Error, "Tool file error: {Error}")]
    public static partial void LoadError(ILogger logger, string error);

    [LoggerMessage(6003, LogLevel.Error, "Tool reload failed with {ErrorCount} errors; keeping the previous tools")]
    public static partial void ReloadRejected(ILogger logger, int errorCount);

    [LoggerMessage(6004, LogLevel.Information, "Tools reloaded: {ToolCount} tools")]
    public static partial void Reloaded(ILogger logger, int toolCount);

    [LoggerMessage(6005, LogLevel.Information, "Tool call '{Tool}' rejected ({Reason})")]
    public static partial void CallRejected(ILogger logger, string tool, string reason);

    [LoggerMessage(6006, LogLevel.Warning, "Tool call '{Tool}' failed: {Failure} sqlstate={SqlState} sqlcode={SqlCode}")]
    public static partial void CallFailed(ILogger logger, string tool, string failure, string? sqlState, int sqlCode);

    [LoggerMessage(6007, LogLevel.Error, "Internal error (ref {Reference}) in tool call '{Tool}'")]
    public static partial void CallCrashed(ILogger logger, string tool, string reference, Exception exception);

    [LoggerMessage(6008, LogLevel.Warning, "Tool file watcher error")]
    public static partial void WatcherError(ILogger logger, Exception exception);

    [LoggerMessage(6009, LogLevel.Debug, "Tool files changed ({Path}); reloading")]
    public static partial void ReloadTriggered(ILogger logger, string path);
}

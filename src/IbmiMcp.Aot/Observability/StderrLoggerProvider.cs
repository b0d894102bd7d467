using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace IbmiMcp.Observability;

/// <summary>
/// Diagnostic log to stderr (stdout belongs to the stdio transport). One line per event:
/// <c>2026-11-26T08:00:00.000Z info  Category: message</c>. One lock keeps lines whole; each is flushed as written
/// (operators read it live, and it is mostly warnings). Callers never pass secrets (see *Log classes).
/// </summary>
internal sealed class StderrLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentDictionary<string, StderrLogger> _loggers = new(StringComparer.Ordinal);
    private readonly LogLevel _minimum;
    private readonly TextWriter _output;
    private readonly object _gate = new();

    public StderrLoggerProvider(LogLevel minimum, TextWriter? output = null)
    {
        _minimum = minimum;
        _output = output ?? Console.Error;
    }

    public ILogger CreateLogger(string categoryName) => _loggers.GetOrAdd(categoryName, static (name, p) => new StderrLogger(name, p), this);

    public void Dispose() { }

    private void Write(string line)
    {
        lock (_gate)
        {
            _output.WriteLine(line);
            _output.Flush();
        }
    }

    /// <summary>
    /// The server's logger factory: this provider at MCP_LOG_LEVEL, library chatter (ASP.NET, Kestrel, the MCP SDK) from
    /// warnings up. Built directly rather than through LoggerFactory.Create, whose service container costs ~5 ms of
    /// start-up under Native AOT.
    /// </summary>
    public static LoggerFactory CreateFactory(StderrLoggerProvider provider, Configuration.LogLevelSetting level)
    {
        var filter = new LoggerFilterOptions { MinLevel = Map(level) };
        filter.Rules.Add(new LoggerFilterRule(null, "Microsoft", LogLevel.Warning, null));
        filter.Rules.Add(new LoggerFilterRule(null, "ModelContextProtocol", LogLevel.Warning, null));
        return new LoggerFactory([provider], filter);
    }

    public static LogLevel Map(Configuration.LogLevelSetting level) => level switch
    {
        Configuration.LogLevelSetting.Debug => LogLevel.Debug,
        Configuration.LogLevelSetting.Info or Configuration.LogLevelSetting.Notice => LogLevel.Information,
        Configuration.LogLevelSetting.Warning => LogLevel.Warning,
        Configuration.LogLevelSetting.Error => LogLevel.Error,
        _ => LogLevel.Critical,
    };

    private sealed class StderrLogger(string category, StderrLoggerProvider provider) : ILogger
    {
        private readonly string _shortCategory = category[(category.LastIndexOf('.') + 1)..];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= provider._minimum && logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
                return;
            Write(logLevel, formatter(state, exception), exception);
        }

        // Not generic: Native AOT compiles Log<TState> once per [LoggerMessage] state struct, so the formatting
        // lives here once (about 55 KB of binary saved).
        private void Write(LogLevel logLevel, string message, Exception? exception)
        {
            var level = logLevel switch
            {
                LogLevel.Trace => "trace", LogLevel.Debug => "debug", LogLevel.Information => "info ",
                LogLevel.Warning => "warn ", LogLevel.Error => "error", _ => "crit ",
            };
            var line = exception is null
                ? $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {_shortCategory}: {message}"
                : $"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} {level} {_shortCategory}: {message} ({exception.GetType().Name}: {exception.Message})";
            // An error is something nobody expected: say where it happened. The frames are method names only (no
            // argument values); inner exceptions add their type and frames, not their messages, which can quote data.
            if (logLevel >= LogLevel.Error && exception is not null)
                line += StackText(exception);
            provider.Write(line);
        }

        private static string StackText(Exception exception)
        {
            var text = new System.Text.StringBuilder();
            for (var (e, depth) = (exception, 0); e is not null && depth < 5; (e, depth) = (e.InnerException, depth + 1))
            {
                if (depth > 0) text.Append("\n   --- inner ").Append(e.GetType().Name);
                if (e.StackTrace is { } frames) text.Append('\n').Append(frames);
            }
            return text.ToString();
        }
    }
}

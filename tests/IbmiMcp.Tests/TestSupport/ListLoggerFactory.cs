using Microsoft.Extensions.Logging;

namespace IbmiMcp.Tests.TestSupport;

/// <summary>Keeps every log line (level, formatted text, exception) of the loggers it creates, for tests that read the log.</summary>
internal sealed class ListLoggerFactory : ILoggerFactory
{
    private readonly List<(LogLevel Level, string Text, Exception? Exception)> _lines = [];

    public IReadOnlyList<(LogLevel Level, string Text, Exception? Exception)> Lines { get { lock (_lines) return [.. _lines]; } }

    public ILogger CreateLogger(string categoryName) => new Logger(this);

    public void AddProvider(ILoggerProvider provider) { }

    public void Dispose() { }

    private sealed class Logger(ListLoggerFactory owner) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            lock (owner._lines) owner._lines.Add((logLevel, formatter(state, exception), exception));
        }
    }
}

using Microsoft.Extensions.Logging;

namespace IbmiMcp.Tools;

/// <summary>
/// Holds the current <see cref="ToolCatalog"/> and, with YAML_AUTO_RELOAD, reloads it when tool files change:
/// FileSystemWatcher events are debounced (editors write several times per save), the new catalog replaces the
/// old one atomically and <see cref="Changed"/> fires (the MCP layer sends notifications/tools/list_changed).
/// A bad edit keeps the previous catalog and logs every error.
/// </summary>
internal sealed class ToolCatalogWatcher : IDisposable
{
    private readonly ToolLoadSettings _settings;
    private readonly ILogger? _logger;
    private readonly TimeSpan _debounce;
    private readonly List<FileSystemWatcher> _watchers = [];
    private readonly Timer _timer;
    private readonly Lock _reloadLock = new();
    private ToolCatalog _current;
    private int _disposed;

    public ToolCatalogWatcher(ToolCatalog initial, ToolLoadSettings settings, ILogger? logger = null, TimeSpan? debounce = null)
    {
        _current = initial;
        _settings = settings;
        _logger = logger;
        _debounce = debounce ?? TimeSpan.FromMilliseconds(300);
        using (ExecutionContext.SuppressFlow())
            _timer = new Timer(static s => ((ToolCatalogWatcher)s!).Reload(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>The catalog to serve; read it once per request.</summary>
    public ToolCatalog Current => Volatile.Read(ref _current);

    /// <summary>Raised after a successful reload, with the new catalog (on a thread-pool thread).</summary>
    public event Action<ToolCatalog>? Changed;

    /// <summary>Raised after a reload was rejected, with its errors (the previous catalog stays).</summary>
    public event Action<IReadOnlyList<ToolLoadError>>? ReloadFailed;

    /// <summary>Starts watching the configured path (file or directory). No-op without a path.</summary>
    public void Start()
    {
        if (string.IsNullOrWhiteSpace(_settings.Path)) return;
        var full = Path.GetFullPath(_settings.Path);
        FileSystemWatcher watcher;
        if (Directory.Exists(full))
            watcher = new FileSystemWatcher(full) { IncludeSubdirectories = true };
        else if (Path.GetDirectoryName(full) is { } dir && Directory.Exists(dir))
            watcher = new FileSystemWatcher(dir, Path.GetFileName(full));
        else return;
        watcher.NotifyFilter = NotifyFilters.LastWrite | NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.Size;
        watcher.Changed += OnEvent;
        watcher.Created += OnEvent;
        watcher.Deleted += OnEvent;
        watcher.Renamed += OnEvent;
        watcher.Error += (_, e) => { if (_logger is not null) ToolsLog.WatcherError(_logger, e.GetException()); };
        watcher.EnableRaisingEvents = true;
        _watchers.Add(watcher);
    }

    private void OnEvent(object sender, FileSystemEventArgs e)
    {
        if (Volatile.Read(ref _disposed) != 0) return;
        if (_logger is not null) ToolsLog.ReloadTriggered(_logger, e.FullPath);
        _timer.Change(_debounce, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Reloads now (also what the debounce timer calls). Returns true when the catalog was replaced.</summary>
    public bool Reload()
    {
        if (Volatile.Read(ref _disposed) != 0) return false;
        ToolLoadResult result;
        lock (_reloadLock)
        {
            result = ToolCatalogLoader.Load(_settings);
            if (result.Catalog is null)
            {
                if (_logger is not null)
                {
                    ToolsLog.ReloadRejected(_logger, result.Errors.Count);
                    foreach (var e in result.Errors) ToolsLog.LoadError(_logger, e.ToString());
                }
                ReloadFailed?.Invoke(result.Errors);
                return false;
            }
            Volatile.Write(ref _current, result.Catalog);
        }
        if (_logger is not null) ToolsLog.Reloaded(_logger, result.Catalog.Tools.Count);
        Changed?.Invoke(result.Catalog);
        return true;
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        foreach (var w in _watchers) w.Dispose();
        _timer.Dispose();
    }
}

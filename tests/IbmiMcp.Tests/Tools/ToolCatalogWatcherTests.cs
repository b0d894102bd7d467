using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class ToolCatalogWatcherTests
{
    private const string Good = "sources: {s: {host: h, user: u, password: p}}\ntools:\n  a: {source: s, description: d, statement: SELECT 1 FROM SYSIBM.SYSDUMMY1}\n";

    [Fact]
    public void Reload_swaps_the_catalog_and_raises_changed()
    {
        var path = ToolTestFiles.WriteTemp(Good);
        var settings = new ToolLoadSettings { Path = path };
        using var watcher = new ToolCatalogWatcher(ToolCatalogLoader.Load(settings).Catalog!, settings);
        ToolCatalog? seen = null;
        watcher.Changed += c => seen = c;

        File.WriteAllText(path, Good + "  b: {source: s, description: d, statement: SELECT 2 FROM SYSIBM.SYSDUMMY1}\n");
        Assert.True(watcher.Reload());
        Assert.Same(watcher.Current, seen);
        Assert.True(watcher.Current.Tools.ContainsKey("b"));
    }

    [Fact]
    public void Bad_edit_keeps_the_previous_catalog_and_reports_errors()
    {
        var path = ToolTestFiles.WriteTemp(Good);
        var settings = new ToolLoadSettings { Path = path };
        var initial = ToolCatalogLoader.Load(settings).Catalog!;
        using var watcher = new ToolCatalogWatcher(initial, settings);
        IReadOnlyList<ToolLoadError>? errors = null;
        watcher.ReloadFailed += e => errors = e;

        File.WriteAllText(path, Good + "  b: {source: s, description: d, statement: DELETE FROM X}\n");
        Assert.False(watcher.Reload());
        Assert.Same(initial, watcher.Current);
        Assert.Contains(errors!, e => e.Rule == "security");
    }

    [Fact]
    public async Task File_change_triggers_a_debounced_reload()
    {
        var path = ToolTestFiles.WriteTemp(Good);
        var settings = new ToolLoadSettings { Path = Path.GetDirectoryName(path) };
        using var watcher = new ToolCatalogWatcher(ToolCatalogLoader.Load(settings).Catalog!, settings, debounce: TimeSpan.FromMilliseconds(50));
        var changed = new TaskCompletionSource<ToolCatalog>(TaskCreationOptions.RunContinuationsAsynchronously);
        watcher.Changed += c => changed.TrySetResult(c);
        watcher.Start();

        File.WriteAllText(path, Good + "  c: {source: s, description: d, statement: SELECT 3 FROM SYSIBM.SYSDUMMY1}\n");
        var catalog = await changed.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.True(catalog.Tools.ContainsKey("c"));
    }
}

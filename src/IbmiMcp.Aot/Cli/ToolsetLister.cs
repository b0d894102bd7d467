using IbmiMcp.Tools;

namespace IbmiMcp.Cli;

/// <summary>`--list-toolsets`: prints every defined toolset with its tools to stdout (the reference only logged it).</summary>
internal static class ToolsetLister
{
    public static void Write(ToolCatalog catalog, TextWriter stdout)
    {
        var all = catalog.AvailableToolsets;
        if (all.Count == 0)
        {
            stdout.WriteLine("No toolsets defined.");
            return;
        }
        stdout.WriteLine($"Available toolsets ({all.Count}):");
        foreach (var ts in all)
        {
            bool selected = catalog.SelectedToolsets.Count == 0 || catalog.SelectedToolsets.Contains(ts.Name);
            stdout.WriteLine();
            stdout.Write($"  {ts.Name}");
            if (!string.IsNullOrEmpty(ts.Title)) stdout.Write($" — {ts.Title}");
            if (catalog.SelectedToolsets.Count > 0 && selected) stdout.Write(" [selected]");
            stdout.WriteLine($" ({ts.Tools.Count} tools)");
            if (!string.IsNullOrEmpty(ts.Description)) stdout.WriteLine($"    {ts.Description}");
            foreach (var t in ts.Tools)
            {
                string note = ToolCatalog.GlobalTools.Contains(t) ? " (built-in, in every toolset)" : "";
                stdout.WriteLine($"    - {t}{note}");
            }
        }
        stdout.WriteLine();
        stdout.WriteLine("Select with --toolsets a,b or SELECTED_TOOLSETS=a,b.");
    }
}

using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using IbmiMcp.Tests.Tools;

namespace IbmiMcp.Tests.BlackBox;

/// <summary>
/// The published binary lays out the methods start-up and serving run first, in the order
/// src/IbmiMcp.Aot/startup.order gives (ILC's explicit method layout), so the kernel maps ~2 MiB of code instead of
/// nearly all 9 MiB (bench/RESULTS.md, issue 17). Checked on the symbols of the very build that was published
/// (same GNU build ID): the file still names methods the code has, and the linker honoured it.
/// </summary>
public sealed partial class CodeLayoutTests
{
    [Fact]
    public void Published_binary_starts_its_code_with_the_methods_of_the_order_file()
    {
        if (!ServerProcess.UsesPublishedBinary) return;   // the JIT build has no native layout
        var published = Environment.GetEnvironmentVariable("IBMI_MCP_BIN")!;
        var debugFile = Path.Combine(ToolTestFiles.RepoRoot, "src", "IbmiMcp.Aot", "bin", "Release", "net10.0", "linux-x64", "native", "ibmi-mcp.dbg");
        Assert.True(File.Exists(debugFile), $"{debugFile} is missing: publish.sh keeps the build's symbols there");
        Assert.Equal(BuildId(published), BuildId(debugFile));

        var listed = File.ReadAllLines(Path.Combine(ToolTestFiles.RepoRoot, "src", "IbmiMcp.Aot", "startup.order"))
            .Where(l => l.Length > 0).ToArray();
        Assert.True(listed.Length > 1000, $"the order file lists only {listed.Length} methods");

        var (start, end) = ManagedCodeRange(debugFile);
        var code = Run("nm", "-n", "--defined-only", debugFile).Split('\n')
            .Select(l => l.Split(' '))
            .Where(p => p.Length == 3 && ulong.Parse(p[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture) is var a && a >= start && a < end)
            .Select(p => p[2])
            .ToArray();
        var rank = new Dictionary<string, int>(code.Length, StringComparer.Ordinal);
        foreach (var name in code) rank.TryAdd(name, rank.Count);

        // Methods renamed or removed since bench/startup-order.py last ran are skipped by ILC; many of them mean a rerun is due.
        var present = listed.Where(rank.ContainsKey).ToArray();
        Assert.True(present.Length >= listed.Length * 0.95,
            $"only {present.Length} of the {listed.Length} methods in startup.order exist in this build: rerun bench/startup-order.py");

        // Laid out first: nearly every listed method sits among the first methods of the code (a few kinds of stub, such as
        // unboxing thunks, are placed by ILC's own rules). Without the explicit layout they are spread over all of it.
        int atFront = present.Count(n => rank[n] < present.Length * 1.02);
        Assert.True(atFront >= present.Length * 0.98,
            $"{present.Length - atFront} of {present.Length} listed methods are not at the front of the code: is --method-layout:explicit still passed to ILC?");
    }

    private static string BuildId(string elf) =>
        BuildIdLine().Match(Run("readelf", "-n", elf)) is { Success: true } m ? m.Groups[1].Value : throw new InvalidOperationException($"{elf} has no GNU build ID");

    private static (ulong Start, ulong End) ManagedCodeRange(string elf)
    {
        var m = ManagedCodeSection().Match(Run("readelf", "-SW", elf));
        Assert.True(m.Success, "no __managedcode section in the debug file");
        ulong start = ulong.Parse(m.Groups[1].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return (start, start + ulong.Parse(m.Groups[2].Value, NumberStyles.HexNumber, CultureInfo.InvariantCulture));
    }

    private static string Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        _ = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return stdout;
    }

    [GeneratedRegex(@"Build ID: ([0-9a-f]+)")]
    private static partial Regex BuildIdLine();

    [GeneratedRegex(@"__managedcode\s+\S+\s+([0-9a-f]+)\s+[0-9a-f]+\s+([0-9a-f]+)")]
    private static partial Regex ManagedCodeSection();
}

namespace IbmiMcp.Tests.Tools;

/// <summary>Paths of the YAML corpora the loader must accept, found by walking up from the test binary.</summary>
internal static class ToolTestFiles
{
    public static string RepoRoot { get; } = FindRoot();

    /// <summary>The reference server's own tool files (read-only, shared by the team).</summary>
    public static string CompatDirectory
    {
        get
        {
            foreach (var candidate in new[] { Path.Combine(RepoRoot, "..", "shared", "compat", "upstream-tools"), Path.Combine(RepoRoot, "..", "..", "shared", "compat", "upstream-tools"), "/work/shared/compat/upstream-tools" })
                if (Directory.Exists(candidate)) return Path.GetFullPath(candidate);
            throw new DirectoryNotFoundException("compat/upstream-tools not found next to the repository");
        }
    }

    public static string ShippedDirectory => Path.Combine(RepoRoot, "tools");

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "IbmiMcp.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("IbmiMcp.sln not found above the test binary");
    }

    /// <summary>Writes YAML to a fresh temporary file and returns its path.</summary>
    public static string WriteTemp(string yaml, string name = "tools.yaml")
    {
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-mcp-tools-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, yaml);
        return path;
    }
}

using IbmiMcp.Fuzz;

namespace IbmiMcp.Tests.Fuzz;

/// <summary>
/// Every input the fuzzers found to crash a parser (tests/fuzz/regressions/&lt;target&gt;/), and every seed, replayed
/// through the same targets in-process: each must now be answered the way the parser documents, not thrown.
/// </summary>
public sealed class FuzzRegressionTests
{
    private static readonly string FuzzDirectory = FindFuzzDirectory();

    private static string FindFuzzDirectory()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (Directory.Exists(Path.Combine(dir.FullName, "tests", "fuzz", "corpus")))
                return Path.Combine(dir.FullName, "tests", "fuzz");
        throw new DirectoryNotFoundException("tests/fuzz not found above " + AppContext.BaseDirectory);
    }

    public static TheoryData<string, string> Inputs()
    {
        var data = new TheoryData<string, string>();
        foreach (var kind in new[] { "regressions", "corpus" })
            foreach (var targetDir in Directory.EnumerateDirectories(Path.Combine(FuzzDirectory, kind)).Order())
                foreach (var file in Directory.EnumerateFiles(targetDir).Order())
                    data.Add(Path.GetFileName(targetDir), Path.GetRelativePath(FuzzDirectory, file));
        return data;
    }

    [Theory]
    [MemberData(nameof(Inputs))]
    public void A_found_or_seed_input_is_handled_without_an_exception(string target, string file)
    {
        var input = File.ReadAllBytes(Path.Combine(FuzzDirectory, file));
        Targets.All[target](input);
    }

    // SharpFuzz's first execution under afl-fuzz reads what stdin held when the fork server started, often nothing; a
    // target that skips an empty input reaches no instrumented code and afl-fuzz aborts ("No instrumentation detected").
    [Fact]
    public void An_empty_input_still_reaches_the_mcp_endpoint()
    {
        var before = McpRequestTarget.Posts;
        Targets.All["mcp-request"]([]);
        Assert.Equal(before + 1, McpRequestTarget.Posts);
    }

    [Fact]
    public void Every_target_handles_an_empty_input()
    {
        foreach (var target in Targets.All.Values)
            target([]);
    }

    [Fact]
    public void Every_target_has_a_seed_corpus()
    {
        foreach (var target in Targets.All.Keys)
            Assert.NotEmpty(Directory.EnumerateFiles(Path.Combine(FuzzDirectory, "corpus", target)));
    }
}

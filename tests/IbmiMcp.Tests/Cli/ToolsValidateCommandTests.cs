using IbmiMcp.Cli;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Cli;

public sealed class ToolsValidateCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = ToolsValidateCommand.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Valid_directory_exits_zero_with_a_summary()
    {
        var (code, output, _) = Run("validate", ToolTestFiles.ShippedDirectory);
        Assert.Equal(0, code);
        Assert.StartsWith("OK: 5 file(s), 18 tool(s), 4 toolset(s), 3 prompt(s), 1 source(s)", output);
        Assert.Contains("  explain_table(schema* (completes schemas), table* (completes tables of schema))", output);
    }

    [Fact]
    public void Invalid_file_exits_one_and_prints_file_line_column_and_rule()
    {
        var path = ToolTestFiles.WriteTemp("sources: {s: {host: h, user: u, password: p}}\ntools:\n  t:\n    source: s\n    description: d\n    statement: DROP TABLE X\n");
        var (code, output, errors) = Run(path);
        Assert.Equal(1, code);
        Assert.StartsWith("FAILED: 1 error(s)", output);
        Assert.Contains($"{path}:6:16: Tool 't' has security violation: Write operations detected: DROP", errors);
        Assert.Contains("[security] (error)", errors);
    }

    [Fact]
    public void Strict_mode_fails_on_warnings()
    {
        var path = ToolTestFiles.WriteTemp("sources: {s: {host: h, user: u, password: p, colour: blue}}\n");
        Assert.Equal(0, Run(path).Code);
        var (code, _, errors) = Run(path, "--strict");
        Assert.Equal(1, code);
        Assert.Contains("Unknown key 'colour'", errors);
    }

    [Fact]
    public void Missing_path_is_a_usage_error() => Assert.Equal(2, Run("validate").Code);

    [Fact]
    public void Unknown_option_is_a_usage_error() => Assert.Equal(2, Run("x.yaml", "--bogus").Code);
}

using IbmiMcp.Cli;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Cli;

public sealed class ToolsetListerTests
{
    [Fact]
    public void Lists_every_toolset_with_its_tools_and_marks_the_selection()
    {
        var path = Path.Combine(ToolTestFiles.CompatDirectory, "sample", "employee-info.yaml");
        var catalog = ToolCatalogLoader.Load(new ToolLoadSettings { Path = path, SelectedToolsets = ["project_management"] }).Catalog!;
        var output = new StringWriter();
        ToolsetLister.Write(catalog, output);
        var text = output.ToString();
        Assert.Contains("Available toolsets (3):", text);
        Assert.Contains("  project_management — Project Management [selected] (3 tools)", text);
        Assert.Contains("  salary_analysis — Salary Analysis (3 tools)", text);
        Assert.Contains("    - find_project_team_members\n", text.Replace("\r\n", "\n"));
        Assert.Contains("    - describe_sql_object (built-in, in every toolset)", text);
    }

    [Fact]
    public void Says_so_when_there_are_no_toolsets()
    {
        var output = new StringWriter();
        ToolsetLister.Write(ToolCatalog.Empty, output);
        Assert.Equal("No toolsets defined.", output.ToString().Trim());
    }
}

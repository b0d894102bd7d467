using System.Text.Json;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class ToolCatalogLoaderTests
{
    private static ToolLoadResult LoadText(string yaml, ToolLoadSettings? settings = null) =>
        ToolCatalogLoader.LoadText("test.yaml", yaml, settings);

    private const string Source = """
        sources:
          s1:
            host: h
            user: u
            password: p
        """;

    public static TheoryData<string> CompatFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(ToolTestFiles.CompatDirectory, "*.yaml", SearchOption.AllDirectories).Order())
            data.Add(Path.GetRelativePath(ToolTestFiles.CompatDirectory, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(CompatFiles))]
    public void Every_reference_tool_file_loads(string relative)
    {
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = Path.Combine(ToolTestFiles.CompatDirectory, relative) });
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.NotEmpty(result.Catalog!.Tools);
    }

    [Fact]
    public void The_whole_reference_directory_loads_as_one_catalog()
    {
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.CompatDirectory });
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var catalog = result.Catalog!;
        Assert.True(catalog.Tools.ContainsKey("get_employee_details"));
        Assert.True(catalog.Tools.ContainsKey("execute_impersonation_lockdown")); // readOnly: false, QCMDEXC allowed by its author
        Assert.False(catalog.Tools.ContainsKey("describe_object"));                // enabled: false
        Assert.Contains(result.Warnings, w => w.Rule == "disabled" && w.Message.Contains("describe_object"));
        Assert.Contains("describe_sql_object", catalog.Toolsets["performance"].Tools);
        Assert.Equal(9, catalog.Files.Count);
    }

    [Fact]
    public void Every_shipped_tool_file_loads_and_validates()
    {
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.ShippedDirectory });
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Empty(result.Warnings);
        Assert.NotEmpty(result.Catalog!.Tools);
    }

    [Fact]
    public void Yaml_syntax_error_names_file_line_and_column()
    {
        var result = LoadText("tools:\n  a:\n    source: s\n   description: bad indent\n");
        var e = Assert.Single(result.Errors);
        Assert.Equal("yaml-syntax", e.Rule);
        Assert.Equal("test.yaml", e.File);
        Assert.True(e.Line >= 3, e.ToString());
        Assert.Null(result.Catalog);
    }

    [Fact]
    public void All_errors_are_reported_not_just_the_first()
    {
        var result = LoadText(Source + """

            tools:
              a:
                source: nowhere
                description: d
              b:
                source: s1
                statement: SELECT 1 FROM SYSIBM.SYSDUMMY1
              c:
                source: s1
                description: d
                statement: DELETE FROM X
            """);
        Assert.Contains(result.Errors, e => e.Message == "Tool 'a' must have a non-empty statement field" && e.Line == 7);
        Assert.Contains(result.Errors, e => e.Message == "Tool 'a' references non-existent source 'nowhere'" && e.Line == 8 && e.Column == 13);
        Assert.Contains(result.Errors, e => e.Message == "Tool 'b' is missing required field 'description'");
        Assert.Contains(result.Errors, e => e.Rule == "security" && e.Message.StartsWith("Tool 'c' has security violation: Write operations detected: DELETE", StringComparison.Ordinal) && e.Line == 16);
    }

    [Fact]
    public void Empty_file_is_refused_with_the_reference_message()
    {
        var e = Assert.Single(LoadText("# nothing\n").Errors);
        Assert.Equal("YAML file must contain at least one section: sources, tools, toolsets, or typescript_tools", e.Message);
    }

    [Fact]
    public void Typescript_tools_are_accepted_and_ignored_with_a_notice()
    {
        var result = LoadText("typescript_tools:\n  x:\n    domain: d\n    category: c\n");
        Assert.True(result.Success);
        Assert.Contains(result.Warnings, w => w.Rule == "typescript-tools-ignored");
    }

    [Fact]
    public void Variables_are_interpolated_and_unknown_ones_kept_literally()
    {
        var settings = new ToolLoadSettings { Variables = n => n == "HOST" ? "ibmi.example" : null };
        var result = LoadText("sources:\n  s:\n    host: ${HOST}\n    user: ${NOPE}\n    password: x\n", settings);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal("ibmi.example", result.Catalog!.Sources["s"].Host);
        Assert.Equal("${NOPE}", result.Catalog.Sources["s"].User);
    }

    [Fact]
    public void Duplicate_tool_across_files_is_an_error_unless_allowed()
    {
        var dir = Path.GetDirectoryName(ToolTestFiles.WriteTemp(Source + "\ntools:\n  t:\n    source: s1\n    description: one\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n", "a.yaml"))!;
        File.WriteAllText(Path.Combine(dir, "b.yaml"), "tools:\n  t:\n    source: s1\n    description: two\n    statement: SELECT 2 FROM SYSIBM.SYSDUMMY1\n");

        var strict = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir });
        var e = Assert.Single(strict.Errors);
        Assert.Equal("duplicate-tool", e.Rule);
        Assert.StartsWith("Duplicate tool name: t", e.Message);
        Assert.EndsWith("b.yaml", e.File);

        var lenient = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir, AllowDuplicateTools = true });
        Assert.True(lenient.Success);
        Assert.Equal("two", lenient.Catalog!.Tools["t"].Description);
    }

    [Fact]
    public void Conflicting_duplicate_source_is_an_error_but_an_identical_one_is_not()
    {
        var dir = Path.GetDirectoryName(ToolTestFiles.WriteTemp(Source, "a.yaml"))!;
        File.WriteAllText(Path.Combine(dir, "b.yaml"), Source);
        Assert.True(ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir }).Success);

        File.WriteAllText(Path.Combine(dir, "c.yaml"), Source.Replace("host: h", "host: other"));
        var e = Assert.Single(ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir }).Errors);
        Assert.StartsWith("Duplicate source name: s1. To allow duplicate source names, set YAML_ALLOW_DUPLICATE_SOURCES=true in server .env", e.Message);
        Assert.True(ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir, AllowDuplicateSources = true }).Success);
    }

    [Fact]
    public void Toolsets_with_the_same_name_concatenate_or_replace()
    {
        const string tools = "tools:\n  a: {source: s1, description: d, statement: SELECT 1 FROM X}\n  b: {source: s1, description: d, statement: SELECT 2 FROM X}\n";
        var dir = Path.GetDirectoryName(ToolTestFiles.WriteTemp(Source + "\n" + tools + "toolsets:\n  ts:\n    tools: [a]\n", "a.yaml"))!;
        File.WriteAllText(Path.Combine(dir, "b.yaml"), "toolsets:\n  ts:\n    title: T\n    tools: [b]\n");

        var merged = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir }).Catalog!;
        Assert.Equal(["a", "b", "describe_sql_object"], merged.Toolsets["ts"].Tools);
        Assert.Equal("T", merged.Toolsets["ts"].Title);

        var replaced = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir, MergeArrays = false }).Catalog!;
        Assert.Equal(["b", "describe_sql_object"], replaced.Toolsets["ts"].Tools);
    }

    [Fact]
    public void Toolset_referencing_an_unknown_tool_is_an_error()
    {
        var e = Assert.Single(LoadText(Source + "\ntoolsets:\n  ts:\n    tools: [ghost]\n").Errors);
        Assert.Equal("Toolset 'ts' references non-existent tool 'ghost'", e.Message);
        Assert.Equal(8, e.Line);
    }

    [Fact]
    public void Selected_toolsets_keep_only_their_tools()
    {
        var path = Path.Combine(ToolTestFiles.CompatDirectory, "sample", "employee-info.yaml");
        var catalog = ToolCatalogLoader.Load(new ToolLoadSettings { Path = path, SelectedToolsets = ["salary_analysis"] }).Catalog!;
        Assert.Equal(["get_department_salary_stats", "calculate_employee_bonus"], catalog.ToolList.Select(t => t.Name));
        Assert.Equal(["salary_analysis"], catalog.ToolsetList.Select(t => t.Name));
        Assert.Equal(3, catalog.AvailableToolsets.Count);
        Assert.Equal(["salary_analysis"], catalog.Tools["calculate_employee_bonus"].Toolsets);
    }

    [Fact]
    public void Unknown_selected_toolset_is_an_error_listing_the_available_ones()
    {
        var path = Path.Combine(ToolTestFiles.CompatDirectory, "sample", "employee-info.yaml");
        var e = Assert.Single(ToolCatalogLoader.Load(new ToolLoadSettings { Path = path, SelectedToolsets = ["nope"] }).Errors);
        Assert.Equal("Selected toolset 'nope' does not exist (available: employee_information, project_management, salary_analysis)", e.Message);
    }

    [Fact]
    public void Template_markers_are_refused_with_the_reference_message()
    {
        var e = Assert.Single(LoadText(Source + "\ntools:\n  t:\n    source: s1\n    description: d\n    statement: SELECT * FROM X WHERE A = {{a}}\n    parameters: [{name: a, type: string}]\n").Errors);
        Assert.Equal("Tool 't': Template mode ({{param}}) is deprecated. Use named parameters (:param) or positional parameters (?) instead.", e.Message);
    }

    [Fact]
    public void Missing_path_is_reported()
    {
        var e = Assert.Single(ToolCatalogLoader.Load(new ToolLoadSettings { Path = "/nonexistent/tools.yaml" }).Errors);
        Assert.Equal("not-found", e.Rule);
    }

    [Fact]
    public void No_path_gives_an_empty_catalog()
    {
        var result = ToolCatalogLoader.Load(new ToolLoadSettings());
        Assert.True(result.Success);
        Assert.Empty(result.Catalog!.Tools);
    }

    [Fact]
    public void Annotations_are_derived_as_the_reference_does()
    {
        var catalog = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.CompatDirectory }).Catalog!;
        var perf = catalog.Tools["system_status"].ProtocolTool;
        Assert.Equal("System Status", perf.Title);
        Assert.Equal("System Status", perf.Annotations!.Title);
        Assert.True(perf.Annotations.ReadOnlyHint);
        Assert.Null(perf.Annotations.DestructiveHint);

        var lockdown = catalog.Tools["execute_impersonation_lockdown"].ProtocolTool;
        Assert.False(lockdown.Annotations!.ReadOnlyHint);
        Assert.True(lockdown.Annotations.DestructiveHint);
        Assert.True(lockdown.Annotations.OpenWorldHint);
        Assert.Equal("security", (string?)lockdown.Meta!["domain"]);
        Assert.Equal("remediation", (string?)lockdown.Meta["category"]);

        var emp = catalog.Tools["get_employee_details"].ProtocolTool;
        Assert.Equal("Get Employee Details", emp.Title);
        Assert.Equal("employee_information", (string?)emp.Meta!["toolsets"]![0]);

        var svc = catalog.Tools["list_service_categories"].ProtocolTool;
        Assert.Equal("Service categories and counts", (string?)svc.Meta!["customMetadata"]!["title"]);
    }
}

public sealed class ToolFileParserEdgeTests
{
    [Fact]
    public void Duplicate_tool_names_in_one_file_are_an_error_not_a_crash()
    {
        var result = ToolCatalogLoader.LoadText("d.yaml", "sources: {s: {host: h, user: u, password: p}}\ntools:\n  a: {source: s, description: d, statement: SELECT 1 FROM X}\n  a: {source: s, description: d, statement: SELECT 2 FROM X}\n");
        var e = Assert.Single(result.Errors);
        Assert.Equal(4, e.Line);
        Assert.Equal("d.yaml:4:3: Duplicate key a: a name may appear only once in a mapping [duplicate-key]", e.ToString());
    }

    [Fact]
    public void Tabs_and_garbage_are_syntax_errors()
    {
        var result = ToolCatalogLoader.LoadText("g.yaml", "tools:\n\t- [unclosed\n");
        Assert.Equal("yaml-syntax", Assert.Single(result.Errors).Rule);
    }

    [Fact]
    public void Anchors_and_merge_keys_work()
    {
        var result = ToolCatalogLoader.LoadText("m.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            x-common: &common
              source: s
              description: shared
            tools:
              a:
                <<: *common
                statement: SELECT 1 FROM X
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.Equal("shared", result.Catalog!.Tools["a"].Description);
    }

    [Fact]
    public void Bad_parameter_definitions_are_reported_with_their_rule()
    {
        var result = ToolCatalogLoader.LoadText("p.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              t:
                source: s
                description: d
                statement: SELECT * FROM T WHERE A = :a AND B = :b AND C = :c AND D = :d
                parameters:
                  - {name: a, type: integer, min: 1, max: 10, default: 50}
                  - {name: b, type: string, pattern: "([a-z"}
                  - {name: c, type: text}
                  - {name: d, type: string, maxLength: -1}
            """);
        Assert.Contains(result.Errors, e => e.Rule == "default" && e.Message.Contains("'a' must be less than or equal to 10") && e.Line == 8);
        Assert.Contains(result.Errors, e => e.Rule == "pattern" && e.Line == 9);
        Assert.Contains(result.Errors, e => e.Rule == "enum" && e.Message == "Tool 't' parameter 'c' type must be one of: string, boolean, integer, float, array (got 'text')");
        Assert.Contains(result.Errors, e => e.Rule == "range" && e.Message.Contains("maxLength"));
    }
}

using System.Text.Json;
using IbmiMcp.Mapepire;
using IbmiMcp.Tests.Mapepire;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Tools;

/// <summary>Every tool shipped in tools/ runs against the emulator over a real Mapepire pool and returns rows.</summary>
public sealed class ShippedToolsEmulatorTests(EmulatorFixture emulator) : IClassFixture<EmulatorFixture>, IAsyncLifetime
{
    private static readonly ToolCatalog Shipped = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.ShippedDirectory }).Catalog!;
    private MapepirePool _pool = null!;

    /// <summary>Arguments per tool (tools not listed run with none) and whether rows must come back.</summary>
    private static readonly Dictionary<string, (string Args, bool ExpectRows)> Calls = new()
    {
        ["system_status"] = ("{}", true),
        ["system_activity"] = ("{}", true),
        ["memory_pools"] = ("{}", true),
        ["system_values"] = ("""{"name_pattern":"QMAX%"}""", true),
        ["top_cpu_jobs"] = ("{}", true),
        ["browse_schemas"] = ("""{"name_pattern":"SAMP%"}""", true),
        ["list_tables"] = ("""{"schema_name":"sample"}""", true),
        ["describe_table_columns"] = ("""{"schema_name":"SAMPLE","table_name":"employee"}""", true),
        ["find_columns"] = ("""{"schema_name":"SAMPLE","column_pattern":"%DEPT%"}""", true),
        ["list_routines"] = ("""{"schema_name":"QSYS2","name_pattern":"%"}""", true),
        ["employee_profile"] = ("""{"employee_number":"000010"}""", true),
        ["department_staff"] = ("""{"department":"a00"}""", true),
        ["find_employees"] = ("""{"name_contains":"ha"}""", true),
        ["department_salary_summary"] = ("""{"minimum_salary":20000}""", true),
        ["employee_projects"] = ("""{"employee_number":"000130"}""", true),
        ["project_team"] = ("""{"project_numbers":["AD3100","MA2110","OP1000"]}""", true),
        ["special_authority_holders"] = ("{}", true),
        ["profiles_at_risk"] = ("{}", false),
    };

    public async Task InitializeAsync() => _pool = await emulator.OpenPoolAsync();
    public async Task DisposeAsync() => await _pool.DisposeAsync();

    public static TheoryData<string> ToolNames()
    {
        var data = new TheoryData<string>();
        foreach (var t in Shipped.ToolList) data.Add(t.Name);
        return data;
    }

    [Fact]
    public void Every_shipped_tool_has_a_call_in_this_test() =>
        Assert.All(Shipped.ToolList, t => Assert.True(Calls.ContainsKey(t.Name), t.Name));

    [Theory]
    [MemberData(nameof(ToolNames))]
    public async Task Shipped_tool_runs_on_the_emulator(string name)
    {
        var (args, expectRows) = Calls[name];
        var arguments = JsonSerializer.Deserialize(args, TestJson.Default.DictionaryStringJsonElement);
        var result = await SqlToolExecutor.InvokeAsync(Shipped.Tools[name], arguments, _pool, CancellationToken.None);

        var text = ((TextContentBlock)result.Content[0]).Text;
        Assert.True(result.IsError != true, text);
        var s = result.StructuredContent!.Value;
        Assert.True(s.GetProperty("success").GetBoolean());
        if (expectRows) Assert.True(s.GetProperty("data").GetArrayLength() > 0, $"{name} returned no rows:\n{text}");
        Assert.False(s.GetProperty("metadata").GetProperty("truncated").GetBoolean(), $"{name} was truncated");
    }

    [Fact]
    public async Task Sql_error_from_the_emulator_comes_back_as_a_tool_error()
    {
        var result = ToolCatalogLoader.LoadText("e.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              reviews: {source: s, description: d, statement: SELECT * FROM HR.SALARY_REVIEW}
            """);
        var call = await SqlToolExecutor.InvokeAsync(result.Catalog!.Tools["reviews"], null, _pool, CancellationToken.None);
        Assert.True(call.IsError);
        var details = call.StructuredContent!.Value.GetProperty("errorDetails");
        Assert.Equal("42501", details.GetProperty("sqlState").GetString());
        Assert.Equal(-551, details.GetProperty("sqlCode").GetInt32());
    }

    [Fact]
    public async Task Default_fetch_reports_truncation_beyond_one_hundred_rows()
    {
        var result = ToolCatalogLoader.LoadText("c.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              cols: {source: s, description: d, statement: "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM QSYS2.SYSCOLUMNS2"}
              all_cols: {source: s, description: d, statement: "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME FROM QSYS2.SYSCOLUMNS2", fetchAllRows: true, rowsToFetch: 50}
            """);
        var capped = await SqlToolExecutor.InvokeAsync(result.Catalog!.Tools["cols"], null, _pool, CancellationToken.None);
        Assert.True(capped.IsError != true, ((TextContentBlock)capped.Content[0]).Text);
        var m = capped.StructuredContent!.Value.GetProperty("metadata");
        Assert.Equal(100, m.GetProperty("rowCount").GetInt32());
        Assert.True(m.GetProperty("truncated").GetBoolean());

        Assert.False(m.TryGetProperty("nextOffset", out _));   // no page reaches past the tool's 100 rows

        // fetchAllRows: every row is reachable, one budget-sized page at a time, each row once.
        using var count = await _pool.ExecuteAsync(new SqlCommand { Sql = "SELECT COUNT(*) FROM QSYS2.SYSCOLUMNS2" }, CancellationToken.None);
        var total = count.Rows[0][0].GetInt32();
        Assert.True(total > 100);
        var seen = 0;
        int? offset = 0;
        while (offset is int o)
        {
            var page = await SqlToolExecutor.InvokeAsync(result.Catalog.Tools["all_cols"],
                new Dictionary<string, System.Text.Json.JsonElement> { ["resultOffset"] = System.Text.Json.JsonSerializer.SerializeToElement(o) }, _pool, CancellationToken.None);
            Assert.True(page.IsError != true, ((TextContentBlock)page.Content[0]).Text);
            var ma = page.StructuredContent!.Value.GetProperty("metadata");
            seen += ma.GetProperty("rowCount").GetInt32();
            offset = ma.TryGetProperty("nextOffset", out var next) ? next.GetInt32() : null;
        }
        Assert.Equal(total, seen);
    }

    /// <summary>The reference's own SAMPLE tools run unchanged (the compatibility promise, end to end).</summary>
    [Theory]
    [InlineData("get_employee_details", """{"employee_id":"000010"}""")]
    [InlineData("find_employees_by_department", """{"department_id":"A00"}""")]
    [InlineData("find_employees_by_job", """{"job_title":"MANAGER"}""")]
    [InlineData("get_employee_projects", """{"employee_id":"000130","include_completed":true}""")]
    [InlineData("get_department_salary_stats", """{}""")]
    [InlineData("find_project_team_members", """{"project_ids":["MA2100","AD3100","AD3110"]}""")]
    [InlineData("calculate_employee_bonus", """{"employee_id":"000010","performance_multiplier":0.2}""")]
    [InlineData("search_employees", """{"name_search":"an","page_size":5}""")]
    public async Task Reference_sample_tool_runs_unchanged_on_the_emulator(string name, string args)
    {
        var catalog = ToolCatalogLoader.Load(new ToolLoadSettings { Path = Path.Combine(ToolTestFiles.CompatDirectory, "sample", "employee-info.yaml") }).Catalog!;
        var arguments = JsonSerializer.Deserialize(args, TestJson.Default.DictionaryStringJsonElement);
        var result = await SqlToolExecutor.InvokeAsync(catalog.Tools[name], arguments, _pool, CancellationToken.None);
        var text = ((TextContentBlock)result.Content[0]).Text;
        Assert.True(result.IsError != true, text);
        Assert.True(result.StructuredContent!.Value.GetProperty("data").GetArrayLength() > 0, text);
    }
}

public sealed class ShippedToolNameTests
{
    [Fact]
    public void Shipped_tools_do_not_clash_with_built_in_tools()
    {
        var shipped = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.ShippedDirectory }).Catalog!;
        foreach (var builtIn in IbmiMcp.Tools.BuiltIn.BuiltInTools.Create(enableDefaultTools: true, enableExecuteSql: true, executeSqlReadOnly: true))
            Assert.False(shipped.Tools.ContainsKey(builtIn.Name), $"shipped tool '{builtIn.Name}' has a built-in's name");
    }
}

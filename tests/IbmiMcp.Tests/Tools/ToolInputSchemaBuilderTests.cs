using System.Text.Json;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class ToolInputSchemaBuilderTests
{
    private static readonly ToolCatalog Sample = ToolCatalogLoader.Load(new ToolLoadSettings
    {
        Path = Path.Combine(ToolTestFiles.CompatDirectory, "sample", "employee-info.yaml"),
    }).Catalog!;

    private static string Schema(string tool) => Sample.Tools[tool].ProtocolTool.InputSchema.GetRawText();

    [Fact]
    public void Pattern_parameter_is_a_required_string_with_pattern()
    {
        Assert.Equal(
            """{"type":"object","properties":{"employee_id":{"type":"string","pattern":"^[0-9]{6}$","description":"Employee ID (e.g., \u0027000010\u0027) - Must be 6 digits"},"resultOffset":{"type":"integer","minimum":0,"maximum":1000000,"description":"Only to read on after a result that was cut: skip this many rows (the cut result says which value to pass)."}},"required":["employee_id"],"additionalProperties":false,"$schema":"http://json-schema.org/draft-07/schema#"}""",
            Schema("get_employee_details"));
    }

    [Fact]
    public void Enum_becomes_json_enum_and_is_appended_to_the_description()
    {
        using var doc = JsonDocument.Parse(Schema("find_employees_by_department"));
        var p = doc.RootElement.GetProperty("properties").GetProperty("department_id");
        Assert.Equal("string", p.GetProperty("type").GetString());
        Assert.Equal(["A00", "B01", "C01", "D01", "E01"], p.GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("Department ID - Select from predefined departments Must be one of: 'A00', 'B01', 'C01', 'D01', 'E01'", p.GetProperty("description").GetString());
    }

    [Fact]
    public void Defaults_make_parameters_optional_and_bounds_become_minimum_maximum()
    {
        using var doc = JsonDocument.Parse(Schema("get_department_salary_stats"));
        Assert.False(doc.RootElement.TryGetProperty("required", out _));
        var min = doc.RootElement.GetProperty("properties").GetProperty("min_salary");
        Assert.Equal("integer", min.GetProperty("type").GetString());
        Assert.Equal(0, min.GetProperty("minimum").GetDouble());
        Assert.Equal(100000, min.GetProperty("maximum").GetDouble());
        Assert.Equal(0, min.GetProperty("default").GetInt32());
        Assert.Equal("*ALL", doc.RootElement.GetProperty("properties").GetProperty("department_id").GetProperty("default").GetString());
    }

    [Fact]
    public void Array_parameter_has_items_and_item_count_limits()
    {
        using var doc = JsonDocument.Parse(Schema("find_project_team_members"));
        var p = doc.RootElement.GetProperty("properties").GetProperty("project_ids");
        Assert.Equal("array", p.GetProperty("type").GetString());
        Assert.Equal("string", p.GetProperty("items").GetProperty("type").GetString());
        Assert.Equal(1, p.GetProperty("minItems").GetInt32());
        Assert.Equal(10, p.GetProperty("maxItems").GetInt32());
        Assert.Equal(["project_ids"], doc.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void Required_true_with_default_is_still_optional_and_float_is_number()
    {
        using var doc = JsonDocument.Parse(Schema("calculate_employee_bonus"));
        Assert.Equal(["employee_id"], doc.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        var m = doc.RootElement.GetProperty("properties").GetProperty("performance_multiplier");
        Assert.Equal("number", m.GetProperty("type").GetString());
        Assert.Equal(0.3, m.GetProperty("maximum").GetDouble());
    }

    [Fact]
    public void Optional_without_default_is_not_required_and_omitted_required_is_required()
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              t:
                source: s
                description: d
                statement: SELECT * FROM T WHERE A = :a AND B = :b AND C = :c
                parameters:
                  - {name: a, type: string}
                  - {name: b, type: boolean, required: false}
                  - {name: c, type: array}
            """);
        using var doc = JsonDocument.Parse(result.Catalog!.Tools["t"].ProtocolTool.InputSchema.GetRawText());
        Assert.Equal(["a", "c"], doc.RootElement.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("{}", doc.RootElement.GetProperty("properties").GetProperty("c").GetProperty("items").GetRawText());
    }
}

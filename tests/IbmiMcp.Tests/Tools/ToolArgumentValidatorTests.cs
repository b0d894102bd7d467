using System.Text.Json;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

public sealed class ToolArgumentValidatorTests
{
    private static readonly SqlTool Tool = LoadTool();

    private static SqlTool LoadTool()
    {
        var result = ToolCatalogLoader.LoadText("t.yaml", """
            sources: {s: {host: h, user: u, password: p}}
            tools:
              t:
                source: s
                description: d
                statement: SELECT * FROM T WHERE A = :id AND B = :dept AND C = :n AND D = :f AND E = :flag AND F IN (:ids) AND G = :opt
                parameters:
                  - {name: id, type: string, pattern: "^[0-9]{6}$", required: true}
                  - {name: dept, type: string, enum: [A00, B01]}
                  - {name: n, type: integer, min: 1, max: 100, default: 10}
                  - {name: f, type: float, min: 0.0, max: 0.3, default: 0.1}
                  - {name: flag, type: boolean, default: true}
                  - {name: ids, type: array, itemType: string, minLength: 1, maxLength: 3, required: false}
                  - {name: opt, type: string, required: false, maxLength: 5}
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Tools["t"];
    }

    private static (ArgumentValue[] Values, List<string>? Errors) Run(string json)
    {
        var args = JsonSerializer.Deserialize(json, TestJson.Default.DictionaryStringJsonElement)!;
        var values = new ArgumentValue[Tool.Parameters.Count];
        List<string>? errors = null;
        ToolArgumentValidator.TryValidate(Tool, args, values, ref errors);
        return (values, errors);
    }

    [Fact]
    public void Valid_arguments_pass_and_defaults_fill_the_rest()
    {
        var (values, errors) = Run("""{"id":"000010","dept":"A00"}""");
        Assert.Null(errors);
        Assert.Equal(10L, values[2].Scalar.AsInteger);
        Assert.Equal(0.1, values[3].Scalar.AsNumber);
        Assert.True(values[4].Boolean);
        Assert.False(values[5].IsPresent);
        Assert.Equal("", values[6].Scalar.AsString);
    }

    [Fact]
    public void Every_problem_is_reported_with_parameter_and_rule()
    {
        var (_, errors) = Run("""{"id":"12","dept":"Z99","n":500,"f":-1,"flag":"maybe","ids":[],"opt":"toolong","extra":1}""");
        Assert.NotNull(errors);
        Assert.Equal(
        [
            "'id' must match pattern ^[0-9]{6}$",
            "'dept' must be one of: 'A00', 'B01'",
            "'n' must be less than or equal to 100",
            "'f' must be greater than or equal to 0",
            "'flag' must be a boolean, got string \"maybe\"",
            "'ids' must contain at least 1 item",
            "'opt' must be at most 5 characters long",
            "'extra' is not a parameter (parameters: id, dept, n, f, flag, ids, opt)",
        ], errors);
    }

    [Fact]
    public void Missing_required_parameter_uses_the_reference_message()
    {
        var (_, errors) = Run("{}");
        Assert.Equal(["'id' is required but not provided", "'dept' is required but not provided"], errors);
    }

    [Fact]
    public void Reference_coercions_apply()
    {
        var (values, errors) = Run("""{"id":123456,"dept":"A00","n":"42","f":"0.25","flag":"no","ids":"[\"X\",\"Y\"]"}""");
        Assert.Null(errors);
        Assert.Equal("123456", values[0].Scalar.AsString);
        Assert.Equal(42L, values[2].Scalar.AsInteger);
        Assert.Equal(0.25, values[3].Scalar.AsNumber);
        Assert.False(values[4].Boolean);
        Assert.Equal(0L, values[4].Scalar.AsInteger);
        Assert.Equal(["X", "Y"], values[5].Items!.Select(i => i.AsString));
    }

    [Fact]
    public void Fractional_number_for_an_integer_is_refused()
    {
        var (_, errors) = Run("""{"id":"000010","dept":"A00","n":1.5}""");
        Assert.Equal(["'n' must be an integer, got 1.5"], errors);
    }

    [Fact]
    public void Null_argument_counts_as_not_provided()
    {
        var (values, errors) = Run("""{"id":"000010","dept":"A00","n":null}""");
        Assert.Null(errors);
        Assert.Equal(10L, values[2].Scalar.AsInteger);
    }

    [Fact]
    public void Array_items_follow_item_type_and_count_limits()
    {
        var (_, errors) = Run("""{"id":"000010","dept":"A00","ids":["a",{"x":1},"c","d"]}""");
        Assert.Equal(["'ids' must contain at most 3 items", "'ids[1]' must be a string, got an object"], errors);
    }
}

using System.Text.Json;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;

namespace IbmiMcp.Tests.Tools;

/// <summary>
/// Every schema we advertise (input and output, built-in and YAML tools, shipped and the reference's files) must
/// survive clients that map JSON Schema onto a single-type dialect (Gemini function declarations, the MCP Inspector's
/// portability check): one <c>type</c> string per node, never a type array, and no enum without a type.
/// </summary>
public sealed class SchemaPortabilityTests
{
    public static TheoryData<string> Corpora => new() { "builtin", "shipped", "compat" };

    [Theory]
    [MemberData(nameof(Corpora))]
    public void Every_schema_node_has_a_single_type(string corpus)
    {
        var problems = new List<string>();
        foreach (var tool in Tools(corpus))
        {
            Walk(tool.InputSchema, $"{tool.Name} inputSchema", problems);
            if (tool.OutputSchema is { } output)
                Walk(output, $"{tool.Name} outputSchema", problems);
        }
        Assert.Empty(problems);
    }

    [Fact]
    public void A_mixed_enum_becomes_an_anyOf_of_single_typed_enums()
    {
        var result = ToolCatalogLoader.LoadText("mixed.yaml", """
            sources: { s: { host: h, user: u, password: p } }
            tools:
              t:
                source: s
                description: d
                statement: SELECT * FROM T WHERE C = :v
                parameters:
                  - { name: v, type: string, enum: [A, 1, true] }
            """);
        Assert.Empty(result.Errors);
        var v = result.Catalog!.Tools["t"].ProtocolTool.InputSchema.GetProperty("properties").GetProperty("v");
        Assert.False(v.TryGetProperty("type", out _));
        var branches = v.GetProperty("anyOf").EnumerateArray().Select(b => (b.GetProperty("type").GetString(), b.GetProperty("enum").GetRawText())).ToArray();
        Assert.Equal([("string", "[\"A\"]"), ("number", "[1]"), ("boolean", "[true]")], branches);
        var problems = new List<string>();
        Walk(result.Catalog.Tools["t"].ProtocolTool.InputSchema, "t", problems);
        Assert.Empty(problems);
    }

    [Fact]
    public void The_walker_flags_type_arrays_and_untyped_enums()
    {
        // Guard for the guard: the check above must be able to fail.
        var problems = new List<string>();
        Walk(JsonDocument.Parse("""{"type":"object","properties":{"a":{"type":["number","string"]},"b":{"enum":[1,"x"]}}}""").RootElement, "t", problems);
        Assert.Contains(problems, p => p.Contains("not one string"));
        Assert.Contains(problems, p => p.Contains("enum without a type"));
    }

    private static IEnumerable<ModelContextProtocol.Protocol.Tool> Tools(string corpus)
    {
        if (corpus == "builtin")
            return new IbmiMcp.Mcp.BuiltInToolSource(BuiltInTools.Create(true, true, true)).ListTools();
        var path = corpus == "shipped" ? ToolTestFiles.ShippedDirectory : ToolTestFiles.CompatDirectory;
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = path });
        Assert.NotNull(result.Catalog);
        return result.Catalog!.ToolList.Select(t => t.ProtocolTool);
    }

    private static void Walk(JsonElement node, string path, List<string> problems)
    {
        if (node.ValueKind != JsonValueKind.Object)
            return;
        var hasType = node.TryGetProperty("type", out var type);
        if (hasType && type.ValueKind != JsonValueKind.String)
            problems.Add($"{path}: type is {type.ValueKind}, not one string");
        if (node.TryGetProperty("enum", out _) && !hasType)
            problems.Add($"{path}: enum without a type");
        if (node.TryGetProperty("properties", out var properties))
            foreach (var property in properties.EnumerateObject())
            {
                var child = property.Value;
                if (!child.TryGetProperty("type", out _) && !child.TryGetProperty("anyOf", out _))
                    problems.Add($"{path}.{property.Name}: neither type nor anyOf");
                Walk(child, $"{path}.{property.Name}", problems);
            }
        if (node.TryGetProperty("items", out var items))
            Walk(items, path + "[]", problems);
        if (node.TryGetProperty("anyOf", out var anyOf))
            foreach (var branch in anyOf.EnumerateArray())
                Walk(branch, path + "|", problems);
    }
}

using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace IbmiMcp.Tests.Emulator;

/// <summary>
/// Every statement in the repository's tools/*.yaml runs on the emulator with placeholder arguments. A failure here
/// means a shipped tool uses Db2 syntax or a service the emulator does not cover yet.
/// </summary>
public sealed partial class ShippedToolsTests(EmulatorFixture fx) : IClassFixture<EmulatorFixture>
{
    [GeneratedRegex(@":([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex NamedParameter();

    public static IEnumerable<object[]> Statements()
    {
        string? dir = AppContext.BaseDirectory;
        while (dir is not null && !File.Exists(Path.Combine(dir, "IbmiMcp.sln"))) dir = Path.GetDirectoryName(dir);
        if (dir is null || !Directory.Exists(Path.Combine(dir, "tools"))) yield break;
        foreach (var file in Directory.EnumerateFiles(Path.Combine(dir, "tools"), "*.yaml", SearchOption.AllDirectories).Order())
        {
            var yaml = new YamlStream();
            using (var r = new StringReader(File.ReadAllText(file))) yaml.Load(r);
            if (yaml.Documents.Count == 0 || yaml.Documents[0].RootNode is not YamlMappingNode root) continue;
            if (!root.Children.TryGetValue(new YamlScalarNode("tools"), out var toolsNode) || toolsNode is not YamlMappingNode tools) continue;
            foreach (var (key, value) in tools.Children)
            {
                if (value is not YamlMappingNode tool || !tool.Children.TryGetValue(new YamlScalarNode("statement"), out var st)) continue;
                yield return [Path.GetFileName(file) + ":" + ((YamlScalarNode)key).Value, ((YamlScalarNode)st).Value ?? "", ParameterSamples(tool)];
            }
        }
    }

    private static Dictionary<string, object?> ParameterSamples(YamlMappingNode tool)
    {
        var result = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (!tool.Children.TryGetValue(new YamlScalarNode("parameters"), out var ps) || ps is not YamlSequenceNode seq) return result;
        foreach (var p in seq.Children.OfType<YamlMappingNode>())
        {
            string S(string k) => p.Children.TryGetValue(new YamlScalarNode(k), out var v) && v is YamlScalarNode sc ? sc.Value ?? "" : "";
            string name = S("name"), type = S("type"), dflt = S("default");
            object? sample = type switch
            {
                "integer" => long.TryParse(dflt, out long l) ? l : 10L,
                "float" or "number" => double.TryParse(dflt, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : 0.1,
                "boolean" => dflt != "false",
                _ => dflt.Length > 0 ? dflt : p.Children.TryGetValue(new YamlScalarNode("enum"), out var en) && en is YamlSequenceNode es ? ((YamlScalarNode)es.Children[0]).Value : "000010",
            };
            result[name] = sample;
        }
        return result;
    }

    [Theory]
    [MemberData(nameof(Statements))]
    public async Task Shipped_tool_statement_runs(string tool, string statement, Dictionary<string, object?> samples)
    {
        var values = new List<object?>();
        string sql = NamedParameter().Replace(statement, m =>
        {
            values.Add(samples.TryGetValue(m.Groups[1].Value, out var v) ? v : "SAMPLE");
            return "?";
        });
        var (c, _) = await EmulatorClient.ConnectAsync(fx.Host);
        await using var _c = c;
        JsonElement r = await c.RequestAsync(new { id = "t", type = "prepare_sql_execute", sql, parameters = values, rows = 5 });
        Assert.True(r.GetProperty("success").GetBoolean(), $"{tool}: {r}");
    }
}

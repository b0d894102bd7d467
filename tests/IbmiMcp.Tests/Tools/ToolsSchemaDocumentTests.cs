using System.Text.Json;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Tools;

/// <summary>docs/tools-schema.json is what editors check files against; it must describe exactly what the loader reads.</summary>
public sealed class ToolsSchemaDocumentTests
{
    private static readonly JsonElement Schema = JsonDocument.Parse(File.ReadAllText(Path.Combine(ToolTestFiles.RepoRoot, "docs", "tools-schema.json"))).RootElement;

    private static IEnumerable<string> Keys(JsonElement obj) => obj.GetProperty("properties").EnumerateObject().Select(p => p.Name);
    private static JsonElement Def(string name) => Schema.GetProperty("definitions").GetProperty(name);

    [Fact]
    public void Schema_is_draft_07() => Assert.Equal("http://json-schema.org/draft-07/schema#", Schema.GetProperty("$schema").GetString());

    [Fact]
    public void Schema_keys_match_the_loader_keys()
    {
        Assert.Equal(ToolFileParser.RootKeys.Order(), Keys(Schema).Order());
        Assert.Equal(ToolFileParser.SourceKeys.Order(), Keys(Def("source")).Order());
        Assert.Equal(ToolFileParser.ToolKeys.Order(), Keys(Def("tool")).Order());
        Assert.Equal(ToolFileParser.ParameterKeys.Order(), Keys(Def("parameter")).Order());
        Assert.Equal(ToolFileParser.ToolsetKeys.Order(), Keys(Def("toolset")).Order());
        Assert.Equal(ToolFileParser.SecurityKeys.Order(), Keys(Def("tool").GetProperty("properties").GetProperty("security")).Order());
        Assert.Equal(ToolFileParser.AuthorizationKeys.Order(), Keys(Def("authorization")).Order());
        Assert.Equal(ToolFileParser.PromptKeys.Order(), Keys(Def("prompt")).Order());
        Assert.Equal(ToolFileParser.PromptArgumentKeys.Order(), Keys(Def("promptArgument")).Order());
        Assert.Equal(ToolFileParser.PromptMessageKeys.Order(), Keys(Def("promptMessage")).Order());
        Assert.Equal(ToolFileParser.BuiltInToolKeys.Order(), Keys(Schema.GetProperty("properties").GetProperty("builtin_tools").GetProperty("additionalProperties")).Order());
        Assert.Equal(IbmiMcp.Tools.BuiltIn.BuiltInTools.Names.Order(),
            Schema.GetProperty("properties").GetProperty("builtin_tools").GetProperty("propertyNames").GetProperty("enum").EnumerateArray().Select(e => e.GetString()!).Order());
    }
}

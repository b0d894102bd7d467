using System.Text.Json;
using IbmiMcp.Prompts;
using IbmiMcp.Tests.Tools;
using IbmiMcp.Tools;
using ModelContextProtocol.Protocol;

namespace IbmiMcp.Tests.Prompts;

/// <summary>The <c>prompts:</c> section: loading with file:line:column errors, and rendering with <c>{{argument}}</c>.</summary>
public sealed class PromptYamlTests
{
    private const string Good = """
        prompts:
          explain_table:
            title: Explain a table
            description: Explain what a table holds.
            arguments:
              - name: schema
                description: The schema
                required: true
                complete: schema
              - name: table
                required: true
                complete: table
              - name: depth
                enum: [short, Full]
            messages:
              - content: "Explain {{schema}}.{{ table }} ({{.depth}} answer)."
              - role: assistant
                content: "I will look at {{table}} first."
        """;

    private static ToolLoadResult Load(string yaml) => ToolCatalogLoader.LoadText("p.yaml", yaml);

    private static PromptDefinition Prompt(string yaml = Good, string name = "explain_table")
    {
        var result = Load(yaml);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        return result.Catalog!.Prompts[name];
    }

    private static Dictionary<string, JsonElement> Args(string json) => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(json)!;

    private static string Text(GetPromptResult result, int i = 0) => ((TextContentBlock)result.Messages[i].Content).Text;

    [Fact]
    public void A_prompts_only_file_loads_and_the_prompt_is_advertised_with_its_arguments()
    {
        var prompt = Prompt();
        Assert.Equal("Explain a table", prompt.ProtocolPrompt.Title);
        Assert.Equal(["schema", "table", "depth"], prompt.ProtocolPrompt.Arguments!.Select(a => a.Name));
        Assert.Equal([true, true, false], prompt.ProtocolPrompt.Arguments!.Select(a => a.Required ?? false));
        Assert.Equal("One of: short, Full.", prompt.ProtocolPrompt.Arguments![2].Description);
        Assert.Equal([ArgumentCompletionKind.Schema, ArgumentCompletionKind.Table, ArgumentCompletionKind.Enum], prompt.Arguments.Select(a => a.Completion));
        Assert.Equal(0, prompt.Arguments[1].SchemaArgument);
    }

    [Fact]
    public void Rendering_fills_every_placeholder_style_and_keeps_roles()
    {
        var result = Prompt().Render(Args("""{"schema":"SAMPLE","table":"EMPLOYEE","depth":"full"}"""), out var problems);
        Assert.Null(problems);
        Assert.Equal("Explain SAMPLE.EMPLOYEE (Full answer).", Text(result!));   // enum values come back as declared
        Assert.Equal(Role.User, result!.Messages[0].Role);
        Assert.Equal(Role.Assistant, result.Messages[1].Role);
        Assert.Equal("I will look at EMPLOYEE first.", Text(result, 1));
    }

    [Fact]
    public void An_absent_optional_argument_renders_empty()
    {
        var result = Prompt().Render(Args("""{"schema":"S","table":"T"}"""), out var problems);
        Assert.Null(problems);
        Assert.Equal("Explain S.T ( answer).", Text(result!));
    }

    [Fact]
    public void Bad_arguments_are_all_reported_without_rendering()
    {
        var result = Prompt().Render(Args($$"""{"table":{"x":1},"depth":"medium","nope":"1","schema":"{{new string('a', 5000)}}"}"""), out var problems);
        Assert.Null(result);
        Assert.Equal(
        [
            "'table' must be text",
            "'depth' must be one of: short, Full",
            "'nope' is not an argument (arguments: schema, table, depth)",
            "'schema' is longer than 4096 characters",
            "'schema' is required",
            "'table' is required",
        ], problems);
    }

    [Fact]
    public void Text_that_only_looks_like_a_placeholder_stays_literal()
    {
        var unknown = new List<string>();
        var template = PromptTemplate.Parse("a {{ not a name }} b {{x}} c {{", ["x"], unknown);
        Assert.Empty(unknown);
        Assert.Equal("a {{ not a name }} b 1 c {{", template.Render(["1"]));
    }

    [Theory]
    [InlineData("""
        prompts:
          p:
            messages: [{content: hi}]
        """, 3, 5, "required", "Prompt 'p' is missing required field 'description'")]
    [InlineData("""
        prompts:
          p:
            description: d
        """, 2, 3, "required", "Prompt 'p' must have at least one message under 'messages'")]
    [InlineData("""
        prompts:
          p:
            description: d
            messages:
              - content: "Hello {{who}}"
        """, 5, 18, "unknown-argument", "Prompt 'p' message uses {{who}}, which is not one of its arguments (it has none)")]
    [InlineData("""
        prompts:
          p:
            description: d
            arguments: [{name: a}, {name: a}]
            messages: [{content: "{{a}}"}]
        """, 4, 28, "duplicate-parameter", "Prompt 'p' declares argument 'a' twice")]
    [InlineData("""
        prompts:
          p:
            description: d
            arguments: [{name: t, complete: table}]
            messages: [{content: "{{t}}"}]
        """, 4, 17, "schema-argument", "Prompt 'p' argument 't' completes tables but the prompt has no 'complete: schema' argument")]
    [InlineData("""
        prompts:
          p:
            description: d
            arguments: [{name: t, complete: table, schemaArgument: nope}]
            messages: [{content: "{{t}}"}]
        """, 4, 60, "schema-argument", "Prompt 'p' argument 't': schemaArgument 'nope' is not another argument of the prompt")]
    [InlineData("""
        prompts:
          p:
            description: d
            arguments: [{name: e, enum: [a], complete: schema}]
            messages: [{content: "{{e}}"}]
        """, 4, 48, "complete", "Prompt 'p' argument 'e' has both enum and complete")]
    [InlineData("""
        prompts:
          p:
            description: d
            messages: [{role: system, content: x}]
        """, 4, 23, "enum", "Prompt 'p' message role must be one of: user, assistant (got 'system')")]
    [InlineData("""
        prompts:
          p:
            description: d
            template: x
            messages: [{content: x}]
        """, 4, 5, "unknown-key", "Unknown key 'template' in prompt 'p'")]
    public void Mistakes_are_errors_with_file_line_and_column(string yaml, int line, int column, string rule, string message)
    {
        var result = Load(yaml);
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Line == line && e.Column == column && e.Rule == rule && e.Message.StartsWith(message, StringComparison.Ordinal)
            && e.File == "p.yaml");
    }

    [Fact]
    public void An_argument_no_message_uses_is_a_warning()
    {
        var result = Load("""
            prompts:
              p:
                description: d
                arguments: [{name: unused}]
                messages: [{content: x}]
            """);
        Assert.True(result.Success);
        Assert.Contains(result.Warnings, w => w.Rule == "unused-argument" && w.Line == 4);
    }

    [Fact]
    public void The_same_prompt_name_in_two_files_is_an_error()
    {
        var dir = Path.GetDirectoryName(ToolTestFiles.WriteTemp("prompts: { p: { description: d, messages: [{content: a}] } }", "a.yaml"))!;
        File.WriteAllText(Path.Combine(dir, "b.yaml"), "prompts: { p: { description: d, messages: [{content: b}] } }");
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir });
        Assert.Contains(result.Errors, e => e.Rule == "duplicate-prompt" && e.File.EndsWith("b.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void A_prompt_can_carry_an_authorization_rule()
    {
        var prompt = Prompt("""
            prompts:
              p:
                description: d
                messages: [{content: x}]
                authorization: { specialAuthorities: [SECADM] }
            """, "p");
        Assert.Equal(["*SECADM"], prompt.Authorization!.SpecialAuthorities);
        Assert.Equal("prompt 'p'", prompt.Authorization.Origin);
    }

    [Fact]
    public void The_shipped_prompts_load_and_point_at_tools_that_exist()
    {
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = ToolTestFiles.ShippedDirectory });
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var catalog = result.Catalog!;
        Assert.Equal(["performance_health_check", "explain_table", "security_review"], catalog.PromptList.Select(p => p.Name));
        var known = catalog.Tools.Keys.Concat(IbmiMcp.Tools.BuiltIn.BuiltInTools.Names).ToHashSet();
        foreach (var prompt in catalog.PromptList)
        {
            var text = string.Join("\n", prompt.Messages.Select(m => m.Template.Render(new string?[prompt.Arguments.Count])));
            var mentioned = System.Text.RegularExpressions.Regex.Matches(text, @"\b[a-z]+(?:_[a-z]+)+\b").Select(m => m.Value).Distinct();
            Assert.All(mentioned, name => Assert.True(known.Contains(name), $"{prompt.Name} mentions {name}, which is not a shipped or built-in tool"));
        }
    }
}

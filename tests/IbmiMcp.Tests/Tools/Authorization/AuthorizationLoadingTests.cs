using IbmiMcp.Auth;
using IbmiMcp.Tools;
using IbmiMcp.Tools.BuiltIn;

namespace IbmiMcp.Tests.Tools.Authorization;

/// <summary>`authorization:` in YAML tool files: parsing, errors with file:line:column, and which rules reach which tool.</summary>
public sealed class AuthorizationLoadingTests
{
    private const string Header = """
        sources:
          s: { host: h, user: u, password: p }
        tools:
          a: { source: s, description: A, statement: "SELECT 1 FROM SYSIBM.SYSDUMMY1" }
          b: { source: s, description: B, statement: "SELECT 2 FROM SYSIBM.SYSDUMMY1" }
        """;

    private static ToolLoadResult Load(string yaml, IReadOnlyList<string>? selected = null) =>
        ToolCatalogLoader.LoadText("t.yaml", yaml, selected is null ? null : new ToolLoadSettings { SelectedToolsets = selected });

    private static CallerProfile User(string name, string? group = null, params string[] authorities) =>
        CallerProfile.ForIbmiUser(name, group, [], authorities, complete: true);

    [Fact]
    public void A_tools_own_rule_and_its_toolsets_rule_both_apply()
    {
        var result = Load(Header + """

              c:
                source: s
                description: C
                statement: "SELECT 3 FROM SYSIBM.SYSDUMMY1"
                authorization: { users: [carol] }
            toolsets:
              sec:
                tools: [a, c]
                authorization:
                  specialAuthorities: [SECADM, '*AUDIT']
            """);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var access = result.Catalog!.Access;
        Assert.Null(access.Refusal("a", User("X", null, "*SECADM")));           // toolset rule, normalized to *SECADM
        Assert.NotNull(access.Refusal("a", User("X")));
        Assert.Null(access.Refusal("b", User("X")));                             // in no toolset, no rule
        Assert.Null(access.Refusal("c", User("CAROL", null, "*AUDIT")));          // both rules admit
        Assert.NotNull(access.Refusal("c", User("CAROL")));                      // own rule yes, toolset rule no
        Assert.NotNull(access.Refusal("c", User("ERIN", null, "*SECADM")));      // toolset yes, own rule no
        Assert.Null(access.Refusal("describe_sql_object", User("X")));           // the global tool every toolset gets is not narrowed
        Assert.Equal(["toolset 'sec'"], access.RulesFor("a").Select(r => r.Origin));
    }

    [Fact]
    public void A_later_file_can_narrow_a_toolset_but_never_open_it()
    {
        var dir = Path.Combine(Path.GetTempPath(), "ibmi-mcp-tests", "auth-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "1.yaml"), Header + "\ntoolsets:\n  ts:\n    tools: [a]\n    authorization: { groups: [HRGRP] }\n");
        File.WriteAllText(Path.Combine(dir, "2.yaml"), "toolsets:\n  ts:\n    tools: [a]\n    authorization: { specialAuthorities: ['*AUDIT'] }\n");
        var result = ToolCatalogLoader.Load(new ToolLoadSettings { Path = dir });
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var access = result.Catalog!.Access;
        Assert.NotNull(access.Refusal("a", User("X", "HRGRP")));
        Assert.NotNull(access.Refusal("a", User("X", null, "*AUDIT")));
        Assert.Null(access.Refusal("a", User("X", "HRGRP", "*AUDIT")));
        Directory.Delete(dir, recursive: true);
    }

    [Fact]
    public void Rules_of_toolsets_that_are_not_selected_still_apply()
    {
        var result = Load(Header + "\ntoolsets:\n  open:\n    tools: [a]\n  closed:\n    tools: [a]\n    authorization: { groups: [G] }\n", ["open"]);
        Assert.True(result.Success, string.Join("\n", result.Errors));
        Assert.NotNull(result.Catalog!.Access.Refusal("a", User("X")));
    }

    [Fact]
    public void Built_in_tools_take_rules_from_builtin_tools()
    {
        var result = Load(Header + "\nbuiltin_tools:\n  execute_sql:\n    authorization: { groups: [DBA], scopes: [ibmi:sql] }\n");
        Assert.True(result.Success, string.Join("\n", result.Errors));
        var access = result.Catalog!.Access;
        Assert.NotNull(access.Refusal("execute_sql", User("ALICE", "HRGRP")));
        Assert.Null(access.Refusal("execute_sql", User("DAN", "DBA")));
        Assert.Null(access.Refusal("execute_sql", CallerProfile.ForToken("agent", null, ["ibmi:sql"], [])));
        Assert.Equal(["ibmi:sql"], access.Scopes);
    }

    [Fact]
    public void The_builtin_names_are_the_tools_the_server_can_offer() =>
        Assert.Equal(BuiltInTools.Create(true, true, true).Select(t => t.Name).Order(), BuiltInTools.Names.Order());

    [Theory]
    [InlineData("tools:\n  x:\n    source: s\n    description: X\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n    authorization: { group: [ADMIN] }\n", 6, "Unknown key 'group'")]
    [InlineData("tools:\n  x:\n    source: s\n    description: X\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n    authorization: {}\n", 6, "lists nobody")]
    [InlineData("tools:\n  x:\n    source: s\n    description: X\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n    authorization:\n      specialAuthorities: ['*SUPERUSER']\n", 7, "is not an IBM i special authority")]
    [InlineData("tools:\n  x:\n    source: s\n    description: X\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n    authorization: [ADMIN]\n", 6, "must be a mapping")]
    [InlineData("tools:\n  x:\n    source: s\n    description: X\n    statement: SELECT 1 FROM SYSIBM.SYSDUMMY1\n    authorization:\n      users: [\"two words\"]\n", 7, "is not a name")]
    [InlineData("builtin_tools:\n  execute_everything:\n    authorization: { users: [A] }\n", 2, "is not a built-in tool")]
    [InlineData("builtin_tools:\n  execute_sql:\n    rules: { users: [A] }\n", 3, "Unknown key 'rules'")]
    public void Mistakes_in_rules_are_errors_with_file_line_and_column(string body, int line, string message)
    {
        var result = Load("sources:\n  s: { host: h, user: u, password: p }\n" + body);
        Assert.False(result.Success);
        var error = Assert.Single(result.Errors, e => e.Message.Contains(message));
        Assert.Equal("t.yaml", error.File);
        Assert.Equal(line + 2, error.Line);
        Assert.True(error.Column > 0);
    }
}

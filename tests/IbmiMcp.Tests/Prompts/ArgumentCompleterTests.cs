using IbmiMcp.Mapepire;
using IbmiMcp.Prompts;
using IbmiMcp.Tests.Tools.BuiltIn;
using IbmiMcp.Tools;

namespace IbmiMcp.Tests.Prompts;

public sealed class ArgumentCompleterTests
{
    private static readonly PromptDefinition Prompt = ToolCatalogLoader.LoadText("p.yaml", """
        prompts:
          p:
            description: d
            arguments:
              - { name: lib, complete: schema }
              - { name: tab, complete: table }
              - { name: mode, enum: [Fast, full, FINAL] }
            messages: [{content: "{{lib}} {{tab}} {{mode}}"}]
        """).Catalog!.Prompts["p"];

    private static ValueTask<ModelContextProtocol.Protocol.Completion> Complete(int argument, string? prefix, ISqlRunner? sql,
        Dictionary<string, string>? context = null, int timeoutMs = 2000)
        => ArgumentCompleter.CompleteAsync(Prompt, Prompt.Arguments[argument], prefix, context, sql, TimeSpan.FromMilliseconds(timeoutMs), CancellationToken.None);

    [Fact]
    public async Task Enum_values_complete_by_prefix_in_any_case_without_sql()
    {
        var completion = await Complete(2, "f", null);
        Assert.Equal(["Fast", "full", "FINAL"], completion.Values);
        Assert.Equal((3, false), (completion.Total, completion.HasMore));
        Assert.Equal(["full"], (await Complete(2, "fu", null)).Values);
    }

    [Fact]
    public async Task Schema_names_are_read_on_the_callers_runner_with_an_escaped_upper_case_prefix()
    {
        var alice = new ScriptedSqlRunner("ALICE", _ => ScriptedSqlRunner.Result(["SCHEMA_NAME"], """["MY_LIB"]""", """["MY_LIB2  "]"""));
        var completion = await Complete(0, "my_l%", alice);
        Assert.Equal(["MY_LIB", "MY_LIB2"], completion.Values);
        var command = Assert.Single(alice.Commands);
        Assert.Equal(ArgumentCompleter.SchemaSql, command.Sql);
        Assert.Equal(["MY\\_L\\%%"], command.Parameters.Select(p => p.ToString()));
        Assert.Equal(ArgumentCompleter.ClientTag, command.ClientTag);
        Assert.Equal(ArgumentCompleter.MaxValues + 1, command.Rows);
    }

    [Fact]
    public async Task Table_names_need_the_schema_argument_from_the_context()
    {
        var sql = new ScriptedSqlRunner("ALICE", _ => ScriptedSqlRunner.Result(["TABLE_NAME"], """["EMPLOYEE"]"""));
        Assert.Empty((await Complete(1, "E", sql)).Values);
        Assert.Empty(sql.Commands);

        var completion = await Complete(1, "e", sql, new() { ["lib"] = "sample" });
        Assert.Equal(["EMPLOYEE"], completion.Values);
        Assert.Equal(["SAMPLE", "E%"], Assert.Single(sql.Commands).Parameters.Select(p => p.ToString()));
    }

    [Fact]
    public async Task More_than_a_hundred_names_are_cut_and_marked()
    {
        var rows = Enumerable.Range(0, 101).Select(i => $"[\"S{i:D3}\"]").ToArray();
        var completion = await Complete(0, "", new ScriptedSqlRunner("U", _ => ScriptedSqlRunner.Result(["SCHEMA_NAME"], rows)));
        Assert.Equal(100, completion.Values.Count);
        Assert.True(completion.HasMore);
        Assert.Null(completion.Total);
    }

    [Fact]
    public async Task A_slow_or_failing_lookup_answers_with_no_values()
    {
        var slow = new SlowRunner();
        var completion = await Complete(0, "S", slow, timeoutMs: 100);
        Assert.Empty(completion.Values);
        Assert.True(slow.Cancelled);

        var failing = new ScriptedSqlRunner("U", _ => throw ScriptedSqlRunner.SqlError("not authorized", "42501", -551));
        Assert.Empty((await Complete(0, "S", failing)).Values);
        Assert.Empty((await Complete(0, "S", null)).Values);
    }

    private sealed class SlowRunner : ISqlRunner
    {
        public bool Cancelled { get; private set; }
        public string User => "U";

        public async ValueTask<SqlResult> ExecuteAsync(SqlCommand command, CancellationToken cancellationToken)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                Cancelled = true;
                throw;
            }
            throw new InvalidOperationException();
        }
    }
}

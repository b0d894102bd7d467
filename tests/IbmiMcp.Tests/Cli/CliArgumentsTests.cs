using IbmiMcp.Cli;
using IbmiMcp.Cli.Ibmi;

namespace IbmiMcp.Tests.Cli;

/// <summary>The one parser and the one help renderer every verb of the binary uses.</summary>
public sealed class CliArgumentsTests
{
    private static readonly CliOptionSet Sql = IbmiCommand.Options("sql");

    [Fact]
    public void Arguments_parse_options_flags_and_refuse_the_unknown()
    {
        var a = CliArguments.Parse(["sql", "--limit=5", "SELECT 1", "--no-read-only", "--format", "csv", "--", "--not-an-option"], Sql);
        Assert.Equal(["sql", "SELECT 1", "--not-an-option"], a.Positionals);
        Assert.Equal(5, a.Number("limit", 1));
        Assert.True(a.Flag("no-read-only"));
        Assert.Equal("csv", a.Value("format"));

        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => CliArguments.Parse(["sql", "--nope"], Sql)).ExitCode);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => CliArguments.Parse(["sql", "--limit"], Sql)).ExitCode);
        Assert.Equal(ExitCodes.Usage, Assert.Throws<CliException>(() => CliArguments.Parse(["sql", "--limit", "-1"], Sql).Number("limit", 1)).ExitCode);

        var tool = CliArguments.Parse(["tool", "t", "--dept", "A00", "--verbose", "--n", "3"], IbmiCommand.Options("tool"));
        Assert.Equal([new("dept", "A00"), new("verbose", null), new KeyValuePair<string, string?>("n", "3")], tool.Extra);
    }

    [Fact]
    public void Short_spellings_are_the_verbs_own_and_h_is_help_unless_a_verb_says_otherwise()
    {
        var set = new CliOptionSet([new("user", "NAME", "who", "-u"), new("host", "HOST", "where", "-h"), new("toolsets", "A,B", "which", "-ts")]);
        var a = CliArguments.Parse(["-u", "ALICE", "-h", "ibmi1", "-ts", "a,b"], set);
        Assert.Equal(("ALICE", "ibmi1", "a,b"), (a.Value("user"), a.Value("host"), a.Value("toolsets")));

        var help = CliArguments.Parse(["-h"], new CliOptionSet([new("help", null, "this text")]));
        Assert.True(help.Flag("help"));
        Assert.Contains("-x", Assert.Throws<CliException>(() => CliArguments.Parse(["-x"], set)).Message);
    }

    [Fact]
    public void A_flag_may_say_true_or_false_and_a_value_is_never_the_next_option()
    {
        var set = new CliOptionSet([new("execute-sql", null, "on"), new("tools", "PATH", "files"), new("port", "N", "port")]);
        Assert.False(CliArguments.Parse(["--execute-sql=false"], set).Flag("execute-sql"));
        Assert.True(CliArguments.Parse(["--execute-sql=true"], set).FlagValues["execute-sql"]);
        Assert.Contains("takes no value", Assert.Throws<CliException>(() => CliArguments.Parse(["--execute-sql=yes"], set)).Message);
        // `--tools --port 3010` forgot the path: the parser must not take --port as it.
        Assert.Contains("'--tools' needs a value", Assert.Throws<CliException>(() => CliArguments.Parse(["--tools", "--port", "3010"], set)).Message);
        Assert.Contains("unexpected argument 'x'", Assert.Throws<CliException>(() => CliArguments.Parse(["x"], set).NoMorePositionals()).Message);
    }

    [Fact]
    public void Help_is_rendered_the_same_way_for_every_verb_from_the_option_declarations()
    {
        var help = new CliHelp { Usage = ["demo [options]", "demo --other"], Summary = "Does a thing.", Notes = "Exit: 0 ok." }
            .WithOptions("options", [new("user", "NAME", "who signs on", "-u"), new("verbose", null, "say more\nand more")]).Render();
        Assert.Equal("""
            usage: demo [options]
                   demo --other

            Does a thing.

            options:
              -u, --user NAME  who signs on
              --verbose        say more
                               and more

            Exit: 0 ok.

            """.Replace("\r\n", "\n", StringComparison.Ordinal), help);
    }

    [Fact]
    public void Every_verb_lists_each_option_it_accepts_in_its_help()
    {
        foreach (var (usage, options) in new[]
        {
            (TokenCommand.Usage, TokenCommand.Flags.Options),
            (IbmiCommand.Usage, IbmiCommand.GlobalOptions),
            (ToolsValidateCommand.Usage, (IReadOnlyList<CliOption>)[new("toolsets", "A,B", "", "-ts"), new("strict", null, "")]),
        })
        {
            Assert.StartsWith("usage: ", usage);
            foreach (var option in options)
                Assert.Contains("--" + option.Name, usage);
        }
        Assert.StartsWith("usage: ibmi <command>", IbmiCommand.Usage);
    }
}

using IbmiMcp.Cli;
using IbmiMcp.Configuration;

namespace IbmiMcp;

internal static class Program
{
    private static async Task<int> Main(string[] args)
    {
        // Started through an `ibmi` link, the binary is the IBM i command line: `ibmi sql …` is `ibmi-mcp sql …`.
        if (IsIbmiAlias())
            return await Cli.Ibmi.IbmiCommand.RunAsync(args, Console.Out, Console.Error).ConfigureAwait(false);

        var commandLine = CommandLine.Parse(args);
        if (commandLine.Errors.Count > 0)
        {
            foreach (var error in commandLine.Errors)
                Console.Error.WriteLine($"ibmi-mcp: {error}");
            Console.Error.WriteLine("Run 'ibmi-mcp --help' for usage.");
            return 2;
        }

        switch (commandLine.Verb)
        {
            case Verb.Help:
                Console.Out.WriteLine(HelpText.Usage);
                return 0;
            case Verb.Version:
                Console.Out.WriteLine($"ibmi-mcp {BuildInfo.Version}");
                return 0;
            case Verb.Token:
                return await CliVerbs.TokenAsync(commandLine.VerbArgs).ConfigureAwait(false);
            case Verb.Keygen:
                return CliVerbs.Keygen(commandLine.VerbArgs);
            case Verb.Ibmi:
                return await Cli.Ibmi.IbmiCommand.RunAsync(commandLine.VerbArgs, Console.Out, Console.Error).ConfigureAwait(false);
            case Verb.Healthcheck:
                return await HealthcheckCommand.RunAsync(commandLine.VerbArgs).ConfigureAwait(false);
            default:
                return await ServeCommand.RunAsync(commandLine).ConfigureAwait(false);
        }
    }

    /// <summary>argv[0] (not the resolved executable path: a link keeps its own name there) names "ibmi".</summary>
    private static bool IsIbmiAlias()
    {
        var argv0 = Environment.GetCommandLineArgs() is [var first, ..] ? first : "";
        var name = Path.GetFileNameWithoutExtension(argv0);
        return string.Equals(name, "ibmi", StringComparison.OrdinalIgnoreCase);
    }
}
